/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  A progress line for long commands, drawn on stderr when it is a
 *	  terminal: a bar, bytes done of the total, the rate, the time left,
 *	  files done of the total, and what is happening to the current file
 *	  (checking: its sha256 against the server; uploading; finishing: the
 *	  upload is done and the server is storing it).  It is redrawn at most
 *	  ten times a second, and cleared before anything else is printed.
 *
 * The totals are of the files to upload: a file found already stored is
 * taken out of them (progress_skip), and so are the bytes the server had
 * of an upload resumed (progress_skip_bytes), so the bar and the time left
 * do not count them.  The rate, and so the time left, is of the time spent
 * uploading and finishing, the server's work included.
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
	p->phase = PROGRESS_CHECKING;
	progress_draw(p, true);
}

void
progress_upload(Progress *p)
{
	p->phase = PROGRESS_UPLOADING;
	p->file_started = cli_now();
	progress_draw(p, true);
}

void
progress_add(Progress *p, uint64_t bytes)
{
	p->bytes_done += bytes;
	progress_draw(p, false);
}

void
progress_finishing(Progress *p)
{
	p->phase = PROGRESS_FINISHING;
	p->phase_started = cli_now();
	progress_draw(p, true);
}

/* The current file was not uploaded: it no longer counts. */
void
progress_skip(Progress *p, uint64_t size)
{
	if (p->files_total > 0)
		p->files_total--;
	p->bytes_total = p->bytes_total > size ? p->bytes_total - size : 0;
	p->current = NULL;
	p->phase = PROGRESS_IDLE;
}

/* The server had these bytes of the current file already: not uploaded. */
void
progress_skip_bytes(Progress *p, uint64_t bytes)
{
	p->bytes_total = p->bytes_total > bytes ? p->bytes_total - bytes : 0;
}

void
progress_file_done(Progress *p)
{
	if (p->phase == PROGRESS_UPLOADING || p->phase == PROGRESS_FINISHING)
		p->active_seconds += cli_now() - p->file_started;
	p->files_done++;
	p->current = NULL;
	p->phase = PROGRESS_IDLE;
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

/* "ETA 1 min 20 s", or "ETA --" before there is a rate to go by. */
static void
format_eta(const Progress *p, double active, char *buf, size_t len)
{
	char		left[32];
	double		rate = active > 0.2 ? p->bytes_done / active : 0;

	if (rate <= 0 || p->bytes_done == 0)
	{
		snprintf(buf, len, "ETA --");
		return;
	}
	cli_format_duration(p->bytes_total > p->bytes_done ?
						(double) (p->bytes_total - p->bytes_done) / rate : 0,
						left, sizeof(left));
	snprintf(buf, len, "ETA %s", left);
}

void
progress_draw(Progress *p, bool force)
{
	double		now = cli_now();
	double		active = p->active_seconds;
	double		fraction;
	int			filled;
	char		bar[BAR_WIDTH + 1];
	char		done[32],
				total[32],
				rate[32],
				eta[48],
				state[64];
	const char *name = p->current ? p->current : "";
	size_t		nlen = strlen(name);

	if (!p->enabled || (!force && now - p->last_draw < REDRAW_SECONDS))
		return;
	p->last_draw = now;
	if (p->phase == PROGRESS_UPLOADING || p->phase == PROGRESS_FINISHING)
		active += now - p->file_started;
	fraction = p->bytes_total ? (double) p->bytes_done / (double) p->bytes_total : 1.0;
	if (fraction > 1.0)
		fraction = 1.0;
	filled = (int) (fraction * BAR_WIDTH);
	memset(bar, '#', filled);
	memset(bar + filled, '.', BAR_WIDTH - filled);
	bar[BAR_WIDTH] = '\0';
	cli_format_bytes(p->bytes_done, done, sizeof(done));
	cli_format_bytes(p->bytes_total, total, sizeof(total));
	cli_format_bytes(active > 0 ? (uint64_t) (p->bytes_done / active) : 0,
					 rate, sizeof(rate));
	format_eta(p, active, eta, sizeof(eta));
	switch (p->phase)
	{
		case PROGRESS_CHECKING:
			snprintf(state, sizeof(state), "checking ");
			break;
		case PROGRESS_UPLOADING:
			snprintf(state, sizeof(state), "uploading ");
			break;
		case PROGRESS_FINISHING:
			{
				char		took[32];

				cli_format_duration(now - p->phase_started, took, sizeof(took));
				snprintf(state, sizeof(state), "finishing (server storing, %s) ", took);
			}
			break;
		default:
			state[0] = '\0';
			break;
	}
	if (nlen > NAME_WIDTH)
		name += nlen - NAME_WIDTH;	/* keep the end of a long name */
	fprintf(stderr, "\r\033[K[%s] %3d%% %s / %s  %s/s  %s  files %zu/%zu  %s%s",
			bar, (int) (fraction * 100), done, total, rate, eta,
			p->files_done, p->files_total, state, name);
	fflush(stderr);
	p->shown = true;
}
