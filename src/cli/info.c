/*-------------------------------------------------------------------------
 *
 * info.c
 *	  hdaq info [--json] FILE.mcap...
 *
 * Summarises local MCAP files, without a server, like `mcap info`: header,
 * message count and time range, channels with their schemas, counts and
 * rates, chunks by compression, metadata, attachments, and whether the
 * file is complete or what was recovered from it.
 *
 * The file is read once, in bounded memory, by the MCAP core's
 * mcap_info_read(), which is also what SQL's hdaq.info() shows: --json
 * prints the core's JSON of it as it is, and the default format prints the
 * same structure for people, so the command and the database always agree.
 * Text from the file is shown as that JSON holds it: valid UTF-8, with
 * U+FFFD for each byte that is not and for NUL.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hd_utf8.h"
#include "mcap.h"

#define CELL_SIZE 256			/* a cell of the channel table, cut there */
#define MAX_VALUE_WIDTH 60		/* a metadata value is shortened past this */

static void
usage(void)
{
	printf("Summarise local MCAP files (no server needed).\n\n"
		   "Usage:\n  hdaq info [OPTION]... FILE...\n\n"
		   "Options:\n"
		   "  --json         print the JSON that hdaq.info() returns for the file\n"
		   "  -h, --help     show this help, then exit\n");
}

/* ----------------------------------------------------------------
 * Reading the file
 * ----------------------------------------------------------------
 */
static int64_t
read_fd(void *ctx, uint8_t *buf, size_t len)
{
	int			fd = *(int *) ctx;

	for (;;)
	{
		ssize_t		n = read(fd, buf, len);

		if (n >= 0 || errno != EINTR)
			return (int64_t) n;
	}
}

/* The info of a file ("-" = standard input); NULL after reporting. */
static McapInfo *
read_file_info(const char *path)
{
	int			fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	McapReaderOptions opts;
	McapReader *reader;
	McapError	err;
	McapInfo   *info = NULL;

	if (fd < 0)
	{
		cli_error("could not open \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	mcap_reader_options_init(&opts);
	opts.skip_message_indexes = true;
	reader = mcap_reader_open_source(read_fd, &fd, &opts, &err);
	if (reader != NULL)
		info = mcap_info_read(reader, &err);
	if (info == NULL)
		cli_error("%s: %s (%s at offset %llu)", path, err.message,
				  mcap_status_name(err.code), (unsigned long long) err.offset);
	mcap_reader_close(reader);
	if (fd != STDIN_FILENO)
		close(fd);
	return info;
}

/* ----------------------------------------------------------------
 * Text from the file, as it is shown
 * ----------------------------------------------------------------
 */

/* len bytes of the file's text made valid UTF-8 (NUL too).  Caller frees. */
static char *
shown_bytes(const char *data, size_t len)
{
	char	   *out = cli_malloc(3 * len + 1);

	hd_utf8_repair(out, data, len, true);
	return out;
}

/* A text as shown, or absent when the file does not have it.  Caller frees. */
static char *
shown_text(McapInfoText t, const char *absent)
{
	return t.present ? shown_bytes(t.data, t.len) : cli_strdup(absent);
}

/* ----------------------------------------------------------------
 * The human format
 * ----------------------------------------------------------------
 */

/* "1709094215.389013938" from integer nanoseconds. */
static void
format_seconds(uint64_t ns, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%llu.%09llu", (unsigned long long) (ns / 1000000000ULL),
			 (unsigned long long) (ns % 1000000000ULL));
}

static void
print_field(const char *label, const char *value)
{
	printf("%-13s %s\n", label, value[0] ? value : "(none)");
}

/* A shown text as a field, freed after. */
static void
print_text_field(const char *label, char *value)
{
	print_field(label, value);
	free(value);
}

static void
print_time(const char *label, uint64_t ns)
{
	char		iso[MCAP_ISO_TIME_SIZE];
	char		secs[48];

	mcap_format_iso_time(ns, iso, sizeof(iso));
	format_seconds(ns, secs, sizeof(secs));
	printf("%-13s %s (%s)\n", label, iso, secs);
}

/*
 * A string on one line: control characters shown as escapes, and cut after
 * max bytes (at a character boundary) with "...".
 */
static void
print_short(const char *s, size_t max)
{
	size_t		n = 0;

	for (; *s; s++, n++)
	{
		unsigned char c = (unsigned char) *s;

		if (n >= max && (c & 0xC0) != 0x80)
		{
			fputs("...", stdout);
			return;
		}
		if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* A string map as "k=v, k2=v2", long values shortened. */
static void
print_map(McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;

	for (int i = 0; mcap_string_map_next(map, &pos, &k, &v, NULL) == 1; i++)
	{
		char	   *key = shown_bytes(k.data, k.len);
		char	   *value = shown_bytes(v.data, v.len);

		printf("%s%s=", i > 0 ? ", " : "", key);
		print_short(value, MAX_VALUE_WIDTH);
		free(key);
		free(value);
	}
}

static void
print_overview(const char *path, const McapInfo *info)
{
	char		text[64];

	print_field("file:", path);
	print_text_field("profile:", info->has_header ?
					 shown_bytes(info->profile.data, info->profile.len) :
					 cli_strdup("(no header)"));
	print_text_field("library:", info->has_header ?
					 shown_text(info->library, "(no header)") :
					 cli_strdup("(no header)"));
	snprintf(text, sizeof(text), "%llu",
			 (unsigned long long) info->message_count);
	print_field("messages:", text);
	if (info->message_count == 0)
		return;
	print_time("start:", info->start_time);
	print_time("end:", info->end_time);
	snprintf(text, sizeof(text), "%.3f s", (double) info->duration_ns / 1e9);
	print_field("duration:", text);
}

static void
print_chunks(const McapInfo *info)
{
	printf("%-13s %llu\n", "chunks:", (unsigned long long) info->chunk_count);
	for (size_t i = 0; i < info->compression_count; i++)
	{
		const McapInfoCompression *k = &info->compressions[i];
		char	   *name = shown_bytes(k->compression.data, k->compression.len);
		char		a[32],
					b[32];

		cli_format_bytes(k->compressed_bytes, a, sizeof(a));
		cli_format_bytes(k->uncompressed_bytes, b, sizeof(b));
		printf("  %-11s %llu chunks, %s compressed, %s uncompressed",
			   name[0] ? name : "none", (unsigned long long) k->count, a, b);
		if (k->uncompressed_bytes > 0)
			printf(" (%.0f%%)", 100.0 * (double) k->compressed_bytes /
				   (double) k->uncompressed_bytes);
		putchar('\n');
		free(name);
	}
}

/* The schema cell of a channel row: "-", "name" or "name [encoding]". */
static void
schema_cell(const McapInfoSchema *s, char *cell)
{
	char	   *name;
	char	   *encoding;

	if (s == NULL || !s->name.present)
	{
		snprintf(cell, CELL_SIZE, "-");
		return;
	}
	name = shown_bytes(s->name.data, s->name.len);
	encoding = shown_text(s->encoding, "");
	if (encoding[0])
		snprintf(cell, CELL_SIZE, "%s [%s]", name, encoding);
	else
		snprintf(cell, CELL_SIZE, "%s", name);
	free(name);
	free(encoding);
}

/* The cells of a channel row. */
static void
channel_cells(const McapInfoChannel *ch, char cells[6][CELL_SIZE])
{
	char	   *topic = shown_text(ch->topic, "(undefined)");
	char	   *encoding = shown_text(ch->message_encoding, "");

	snprintf(cells[0], CELL_SIZE, "%u", (unsigned) ch->id);
	snprintf(cells[1], CELL_SIZE, "%s", topic);
	snprintf(cells[2], CELL_SIZE, "%s", encoding);
	schema_cell(ch->schema, cells[3]);
	snprintf(cells[4], CELL_SIZE, "%llu", (unsigned long long) ch->message_count);
	if (ch->has_rate)
		snprintf(cells[5], CELL_SIZE, "%.2f Hz", ch->rate_hz);
	else
		snprintf(cells[5], CELL_SIZE, "-");
	free(topic);
	free(encoding);
}

static void
print_channels(const McapInfo *info)
{
	static const char *const titles[6] = {"ID", "TOPIC", "ENCODING", "SCHEMA",
	"MESSAGES", "RATE"};
	static const bool right[6] = {true, false, false, false, true, true};
	size_t		n = info->channel_count;
	char		(*cells)[6][CELL_SIZE];
	size_t		width[6];

	printf("%-13s %zu\n", "channels:", n);
	if (n == 0)
		return;
	cells = cli_malloc(sizeof(*cells) * n);
	for (int c = 0; c < 6; c++)
		width[c] = strlen(titles[c]);
	for (size_t i = 0; i < n; i++)
	{
		channel_cells(&info->channels[i], cells[i]);
		for (int c = 0; c < 6; c++)
			if (strlen(cells[i][c]) > width[c])
				width[c] = strlen(cells[i][c]);
	}
	for (size_t i = 0; i <= n; i++)
	{
		fputs(" ", stdout);
		for (int c = 0; c < 6; c++)
		{
			const char *s = i == 0 ? titles[c] : cells[i - 1][c];

			printf(right[c] ? " %*s" : " %-*s", (int) width[c], s);
		}
		putchar('\n');
	}
	free(cells);
}

static void
print_metadata(const McapInfo *info)
{
	printf("%-13s %zu\n", "metadata:", info->metadata_count);
	for (size_t i = 0; i < info->metadata_count; i++)
	{
		const McapInfoMetadata *m = &info->metadata[i];
		char	   *name = shown_bytes(m->name.data, m->name.len);

		printf("  %s: ", name);
		print_map(m->map);
		putchar('\n');
		free(name);
	}
}

static void
print_attachments(const McapInfo *info)
{
	printf("%-13s %zu\n", "attachments:", info->attachment_count);
	for (size_t i = 0; i < info->attachment_count; i++)
	{
		const McapInfoAttachment *a = &info->attachments[i];
		char	   *name = shown_bytes(a->name.data, a->name.len);
		char	   *media_type = shown_text(a->media_type, "");
		char		size[32];

		cli_format_bytes(a->size, size, sizeof(size));
		printf("  %s (%s, %s)\n", name, media_type, size);
		free(name);
		free(media_type);
	}
}

static const char *
status_text(const McapRecovery *rec)
{
	if (rec->complete)
		return rec->problem_count == 0 ? "complete" : "complete, with problems";
	return rec->truncated ? "incomplete (truncated)" : "incomplete (no footer)";
}

static void
print_problems(const McapRecovery *rec)
{
	uint32_t	shown = rec->problem_count < MCAP_MAX_PROBLEMS ?
		rec->problem_count : MCAP_MAX_PROBLEMS;

	for (uint32_t i = 0; i < shown; i++)
	{
		const McapError *e = &rec->problems[i];
		char	   *message = shown_bytes(e->message,
										  mcap_error_message_length(e));

		printf("  %s at offset %llu: %s\n", mcap_status_name(e->code),
			   (unsigned long long) e->offset, message);
		free(message);
	}
	if (rec->problem_count > shown)
		printf("  ... and %llu more problems\n",
			   (unsigned long long) (rec->problem_count - shown));
}

static void
print_recovery(const McapRecovery *rec)
{
	print_field("status:", status_text(rec));
	if (rec->complete && rec->problem_count == 0)
		return;
	printf("  valid up to offset %llu, %llu bytes dropped, %llu chunks and %llu records skipped\n",
		   (unsigned long long) rec->valid_end,
		   (unsigned long long) rec->bytes_dropped,
		   (unsigned long long) rec->chunks_skipped,
		   (unsigned long long) rec->records_skipped);
	if (rec->trailing_data)
		printf("  trailing data after the closing magic at offset %llu\n",
			   (unsigned long long) rec->trailing_offset);
	print_problems(rec);
}

static void
print_human(const char *path, const McapInfo *info)
{
	print_overview(path, info);
	print_channels(info);
	print_chunks(info);
	print_metadata(info);
	print_attachments(info);
	print_recovery(&info->recovery);
}

/* The info as the JSON hdaq.info() returns; false if memory ran out. */
static bool
print_json(const char *path, const McapInfo *info)
{
	McapBuffer	json;
	bool		ok;

	mcap_buffer_init(&json);
	mcap_info_to_json(info, &json);
	ok = !json.failed;
	if (ok)
		printf("%.*s\n", (int) json.len, (const char *) json.data);
	else
		cli_error("%s: cannot allocate the info text (%s at offset 0)", path,
				  mcap_status_name(MCAP_ERR_NOMEM));
	mcap_buffer_free(&json);
	return ok;
}

int
cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	bool		as_json = false;
	int			status = EXIT_OK;
	int			c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'j':
				as_json = true;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("info", argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error("info", "no file given");

	for (int i = optind; i < argc; i++)
	{
		McapInfo   *info = read_file_info(argv[i]);

		if (info == NULL)
			status = EXIT_FAILED;
		else if (as_json)
		{
			if (!print_json(argv[i], info))
				status = EXIT_FAILED;
		}
		else
		{
			if (i > optind)
				putchar('\n');
			print_human(argv[i], info);
		}
		mcap_info_free(info);
	}
	return status;
}
