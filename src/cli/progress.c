/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  A progress line for long commands, drawn on stderr when it is a
 *	  terminal: a bar, bytes done of the total, the rate, files done of the
 *	  total, and the current file.  It is redrawn at most ten times a
 *	  second, and cleared before anything else is printed.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <string.h>
#include <unistd.h>

#define BAR_WIDTH		24
#define NAME_WIDTH		32
#define REDRAW_SECONDS	0.1

void
progress_init(Progress *p, size_t files_total, uint64_t bytes_total)
{
	memset(p, 0, sizeof(*p));
	p->enabled = isatty(STDERR_FILENO) != 0;
	p->files_total = files_total;
	p->bytes_total = bytes_total;
	p->started = cli_now();
}

void
progress_file(Progress *p, const char *name)
{
	p->current = name;
	progress_draw(p, true);
}

void
progress_add(Progress *p, uint64_t bytes)
{
	p->bytes_done += bytes;
	progress_draw(p, false);
}

void
progress_file_done(Progress *p)
{
	p->files_done++;
	p->current = NULL;
	progress_draw(p, true);
}

/* Erase the progress line, so that a message can take its place. */
void
progress_clear(Progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}

void
progress_draw(Progress *p, bool force)
{
	double		now = cli_now();
	double		elapsed = now - p->started;
	double		fraction;
	int			filled;
	char		bar[BAR_WIDTH + 1];
	char		done[32],
				total[32],
				rate[32];
	const char *name = p->current ? p->current : "";
	size_t		nlen = strlen(name);

	if (!p->enabled || (!force && now - p->last_draw < REDRAW_SECONDS))
		return;
	p->last_draw = now;
	fraction = p->bytes_total ? (double) p->bytes_done / (double) p->bytes_total : 1.0;
	if (fraction > 1.0)
		fraction = 1.0;
	filled = (int) (fraction * BAR_WIDTH);
	memset(bar, '#', filled);
	memset(bar + filled, '.', BAR_WIDTH - filled);
	bar[BAR_WIDTH] = '\0';
	cli_format_bytes(p->bytes_done, done, sizeof(done));
	cli_format_bytes(p->bytes_total, total, sizeof(total));
	cli_format_bytes(elapsed > 0 ? (uint64_t) (p->bytes_done / elapsed) : 0,
					 rate, sizeof(rate));
	if (nlen > NAME_WIDTH)
		name += nlen - NAME_WIDTH;	/* keep the end of a long name */
	fprintf(stderr, "\r\033[K[%s] %3d%% %s / %s  %s/s  files %zu/%zu  %s",
			bar, (int) (fraction * 100), done, total, rate,
			p->files_done, p->files_total, name);
	fflush(stderr);
	p->shown = true;
}
