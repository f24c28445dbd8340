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
 * mcap_info_json(), which is also what SQL's hdaq.info() returns: --json
 * prints that JSON as it is, and the default format is derived from it, so
 * the command and the database always agree.
 *
 *-------------------------------------------------------------------------
 */
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mcap.h"

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

/* The info JSON of a file ("-" = standard input); false after reporting. */
static bool
file_info_json(const char *path, McapBuffer *json)
{
	int			fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	McapReaderOptions opts;
	McapReader *reader;
	McapError	err;
	bool		ok = false;

	if (fd < 0)
	{
		cli_error("could not open \"%s\": %s", path, strerror(errno));
		return false;
	}
	mcap_reader_options_init(&opts);
	opts.skip_message_indexes = true;
	reader = mcap_reader_open_source(read_fd, &fd, &opts, &err);
	if (reader != NULL && mcap_info_json(reader, json, &err) == MCAP_OK)
		ok = true;
	else
		cli_error("%s: %s (%s at offset %llu)", path, err.message,
				  mcap_status_name(err.code), (unsigned long long) err.offset);
	mcap_reader_close(reader);
	if (fd != STDIN_FILENO)
		close(fd);
	return ok;
}

/* ----------------------------------------------------------------
 * The human format
 * ----------------------------------------------------------------
 */

/* "1709094215.389013938" from integer nanoseconds as text. */
static void
format_seconds(const char *ns_text, char *buf, size_t buflen)
{
	unsigned long long ns = strtoull(ns_text, NULL, 10);

	snprintf(buf, buflen, "%llu.%09llu", ns / 1000000000ULL, ns % 1000000000ULL);
}

static void
print_field(const char *label, const char *value)
{
	printf("%-13s %s\n", label, value[0] ? value : "(none)");
}

static void
print_time(const JsonValue *obj, const char *key, const char *iso_key,
		   const char *label)
{
	const char *ns = json_get_number_text(obj, key, NULL);
	char		secs[48];

	if (ns == NULL)
		return;
	format_seconds(ns, secs, sizeof(secs));
	printf("%-13s %s (%s)\n", label, json_get_string(obj, iso_key, "?"), secs);
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

#define MAX_VALUE_WIDTH 60

/* A JSON {"k": "v"} map as "k=v, k2=v2", long values shortened. */
static void
print_map(const JsonValue *map)
{
	for (size_t i = 0; map != NULL && i < map->count; i++)
	{
		printf("%s%s=", i > 0 ? ", " : "", map->keys[i]);
		print_short(map->items[i].type == JSON_STRING ? map->items[i].text : "?",
					MAX_VALUE_WIDTH);
	}
}

static void
print_overview(const char *path, const JsonValue *info)
{
	const JsonValue *header = json_get(info, "header");
	char		text[64];
	double		seconds;

	print_field("file:", path);
	print_field("profile:", json_get_string(header, "profile", "(no header)"));
	print_field("library:", json_get_string(header, "library", "(no header)"));
	print_field("messages:", json_get_number_text(info, "message_count", "0"));
	print_time(info, "start_time", "start_time_iso", "start:");
	print_time(info, "end_time", "end_time_iso", "end:");
	if (json_get_u64(info, "message_count") > 0 &&
		json_get_double(info, "duration_s", &seconds))
	{
		snprintf(text, sizeof(text), "%.3f s", seconds);
		print_field("duration:", text);
	}
}

static void
print_chunks(const JsonValue *info)
{
	const JsonValue *chunks = json_get(info, "chunks");
	const JsonValue *kinds;
	size_t		n = json_get_array(chunks, "by_compression", &kinds);

	printf("%-13s %llu\n", "chunks:",
		   (unsigned long long) json_get_u64(chunks, "count"));
	for (size_t i = 0; i < n; i++)
	{
		const char *name = json_get_string(&kinds[i], "compression", "");
		uint64_t	comp = json_get_u64(&kinds[i], "compressed_bytes");
		uint64_t	uncomp = json_get_u64(&kinds[i], "uncompressed_bytes");
		char		a[32],
					b[32];

		cli_format_bytes(comp, a, sizeof(a));
		cli_format_bytes(uncomp, b, sizeof(b));
		printf("  %-11s %llu chunks, %s compressed, %s uncompressed",
			   name[0] ? name : "none",
			   (unsigned long long) json_get_u64(&kinds[i], "count"), a, b);
		if (uncomp > 0)
			printf(" (%.0f%%)", 100.0 * (double) comp / (double) uncomp);
		putchar('\n');
	}
}

/* The cells of a channel row. */
static void
channel_cells(const JsonValue *ch, char cells[6][256])
{
	const char *schema = json_get_string(ch, "schema_name", NULL);
	const char *schema_enc = json_get_string(ch, "schema_encoding", NULL);
	double		rate;

	snprintf(cells[0], 256, "%s", json_get_number_text(ch, "id", "?"));
	snprintf(cells[1], 256, "%s", json_get_string(ch, "topic", "(undefined)"));
	snprintf(cells[2], 256, "%s", json_get_string(ch, "message_encoding", ""));
	if (schema == NULL)
		snprintf(cells[3], 256, "-");
	else if (schema_enc != NULL && schema_enc[0])
		snprintf(cells[3], 256, "%s [%s]", schema, schema_enc);
	else
		snprintf(cells[3], 256, "%s", schema);
	snprintf(cells[4], 256, "%s", json_get_number_text(ch, "message_count", "0"));
	if (json_get_double(ch, "rate_hz", &rate))
		snprintf(cells[5], 256, "%.2f Hz", rate);
	else
		snprintf(cells[5], 256, "-");
}

static void
print_channels(const JsonValue *info)
{
	static const char *const titles[6] = {"ID", "TOPIC", "ENCODING", "SCHEMA",
	"MESSAGES", "RATE"};
	static const bool right[6] = {true, false, false, false, true, true};
	const JsonValue *chans;
	size_t		n = json_get_array(info, "channels", &chans);
	char		(*cells)[6][256] = cli_malloc(sizeof(*cells) * (n + 1));
	size_t		width[6];

	printf("%-13s %zu\n", "channels:", n);
	if (n == 0)
	{
		free(cells);
		return;
	}
	for (int c = 0; c < 6; c++)
		width[c] = strlen(titles[c]);
	for (size_t i = 0; i < n; i++)
	{
		channel_cells(&chans[i], cells[i]);
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
print_metadata(const JsonValue *info)
{
	const JsonValue *items;
	size_t		n = json_get_array(info, "metadata", &items);

	printf("%-13s %zu\n", "metadata:", n);
	for (size_t i = 0; i < n; i++)
	{
		printf("  %s: ", json_get_string(&items[i], "name", ""));
		print_map(json_get(&items[i], "metadata"));
		putchar('\n');
	}
}

static void
print_attachments(const JsonValue *info)
{
	const JsonValue *items;
	size_t		n = json_get_array(info, "attachments", &items);

	printf("%-13s %zu\n", "attachments:", n);
	for (size_t i = 0; i < n; i++)
	{
		char		size[32];

		cli_format_bytes(json_get_u64(&items[i], "size"), size, sizeof(size));
		printf("  %s (%s, %s)\n", json_get_string(&items[i], "name", ""),
			   json_get_string(&items[i], "media_type", ""), size);
	}
}

static void
print_recovery(const JsonValue *info)
{
	const JsonValue *rec = json_get(info, "recovery");
	const JsonValue *problems;
	size_t		n = json_get_array(rec, "problems", &problems);
	uint64_t	total = json_get_u64(rec, "problem_count");
	bool		complete = json_get_bool(rec, "complete");

	if (complete && total == 0)
	{
		print_field("status:", "complete");
		return;
	}
	if (complete)
		print_field("status:", "complete, with problems");
	else
		print_field("status:", json_get_bool(rec, "truncated") ?
					"incomplete (truncated)" : "incomplete (no footer)");
	printf("  valid up to offset %s, %s bytes dropped, %s chunks and %s records skipped\n",
		   json_get_number_text(rec, "valid_end", "?"),
		   json_get_number_text(rec, "bytes_dropped", "?"),
		   json_get_number_text(rec, "chunks_skipped", "?"),
		   json_get_number_text(rec, "records_skipped", "?"));
	if (json_get_bool(rec, "trailing_data"))
		printf("  trailing data after the closing magic at offset %s\n",
			   json_get_number_text(rec, "trailing_offset", "?"));
	for (size_t i = 0; i < n; i++)
		printf("  %s at offset %s: %s\n",
			   json_get_string(&problems[i], "status", ""),
			   json_get_number_text(&problems[i], "offset", "?"),
			   json_get_string(&problems[i], "message", ""));
	if (total > n)
		printf("  ... and %llu more problems\n", (unsigned long long) (total - n));
}

static bool
print_human(const char *path, const McapBuffer *json)
{
	char		err[256];
	JsonValue  *info = json_parse((const char *) json->data, json->len,
								  err, sizeof(err));

	if (info == NULL)
	{
		cli_error("%s: %s", path, err);
		return false;
	}
	print_overview(path, info);
	print_channels(info);
	print_chunks(info);
	print_metadata(info);
	print_attachments(info);
	print_recovery(info);
	json_free(info);
	return true;
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
		McapBuffer	json;

		mcap_buffer_init(&json);
		if (!file_info_json(argv[i], &json))
			status = EXIT_FAILED;
		else if (as_json)
			printf("%.*s\n", (int) json.len, (const char *) json.data);
		else
		{
			if (i > optind)
				putchar('\n');
			if (!print_human(argv[i], &json))
				status = EXIT_FAILED;
		}
		mcap_buffer_free(&json);
	}
	return status;
}
