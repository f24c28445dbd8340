/*-------------------------------------------------------------------------
 *
 * write_sample.c
 *	  Writes sample MCAP files with hdaq's writer, each with a JSON file of
 *	  what it contains, for verify.mjs to check with the official reader.
 *
 * Usage: write_sample OUTDIR
 * Writes OUTDIR/NAME.mcap and OUTDIR/NAME.json for every sample: zstd, lz4
 * and uncompressed chunks, large and small chunks, several channels (one
 * schemaless, one without messages), out-of-order log times, binary and
 * empty payloads, metadata, attachments, a raw chunk copy, an empty file.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------
 * JSON output
 * ----------------------------------------------------------------
 */
static void
json_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_cstring(FILE *f, const char *s)
{
	json_string(f, s, strlen(s));
}

static void
json_base64(FILE *f, const uint8_t *p, size_t len)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	fputc('"', f);
	for (size_t i = 0; i < len; i += 3)
	{
		uint32_t	v = (uint32_t) p[i] << 16;
		size_t		n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t) p[i + 1] << 8;
		if (n > 2)
			v |= p[i + 2];
		fputc(digits[v >> 18 & 63], f);
		fputc(digits[v >> 12 & 63], f);
		fputc(n > 1 ? digits[v >> 6 & 63] : '=', f);
		fputc(n > 2 ? digits[v & 63] : '=', f);
	}
	fputc('"', f);
}

/* A string map's entries as a JSON object (keys in the order given). */
static void
json_map(FILE *f, McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	key;
	McapString	value;
	bool		first = true;

	fputc('{', f);
	while (mcap_string_map_next(map, &pos, &key, &value, NULL) == 1)
	{
		if (!first)
			fputc(',', f);
		first = false;
		json_string(f, key.data, key.len);
		fputc(':', f);
		json_string(f, value.data, value.len);
	}
	fputc('}', f);
}

/* ----------------------------------------------------------------
 * Sample content
 * ----------------------------------------------------------------
 */
#define NSCHEMAS 2
#define NCHANNELS 4
#define NMESSAGES 600

typedef struct Sample
{
	const char *name;
	const char *compression;
	uint64_t	chunk_size;
	bool		content;		/* schemas, channels, messages... */
	bool		raw_chunk;		/* also copy a precompressed chunk */
} Sample;

static const Sample samples[] = {
	{"zstd", "zstd", 0, true, false},
	{"lz4", "lz4", 0, true, false},
	{"uncompressed", "", 0, true, false},
	{"zstd_small_chunks", "zstd", 512, true, false},
	{"lz4_small_chunks", "lz4", 700, true, false},
	{"uncompressed_small_chunks", "", 300, true, false},
	{"raw_chunk", "lz4", 4096, true, true},
	{"empty", "zstd", 0, false, false},
};

static McapString
str(const char *s)
{
	return (McapString) {s, (uint32_t) strlen(s)};
}

/* Everything a sample holds, built once. */
typedef struct Content
{
	McapSchema	schemas[NSCHEMAS];
	McapChannel channels[NCHANNELS];
	McapBuffer	maps[NCHANNELS + 2];
	McapMetadata metadata[2];
	McapAttachment attachments[2];
	uint8_t		binary[256];
	uint8_t		payloads[NMESSAGES][64];
	McapMessage messages[NMESSAGES];
} Content;

static McapStringMap
make_map(McapBuffer *buf, const char *const *pairs)
{
	mcap_buffer_init(buf);
	for (int i = 0; pairs[i] != NULL; i++)
		mcap_buffer_append_string(buf, str(pairs[i]));
	return (McapStringMap) {buf->data, buf->len};
}

static void
build_schemas_and_channels(Content *c)
{
	static const char *const imu_meta[] = {"rate", "100", "unit", "m/s\xc2\xb2",
	"quote", "say \"hi\"\n", NULL};
	static const char *const none[] = {NULL};
	static const char *const log_meta[] = {"level", "info", NULL};
	static const char *const idle_meta[] = {"note", "never publishes", NULL};

	for (int i = 0; i < 256; i++)
		c->binary[i] = (uint8_t) i;
	c->schemas[0] = (McapSchema) {1, str("hdaq.test.Imu"), str("jsonschema"),
	{(const uint8_t *) "{\"type\":\"object\"}", 17}};
	c->schemas[1] = (McapSchema) {7, str("hdaq.test.Gps"), str("protobuf"),
	{c->binary, 256}};
	c->channels[0] = (McapChannel) {1, 1, str("/imu"), str("json"),
	make_map(&c->maps[0], imu_meta)};
	c->channels[1] = (McapChannel) {5, 7, str("/gps"), str("protobuf"),
	make_map(&c->maps[1], none)};
	c->channels[2] = (McapChannel) {2, 0, str("/log"), str("json"),
	make_map(&c->maps[2], log_meta)};
	c->channels[3] = (McapChannel) {9, 1, str("/idle"), str("json"),
	make_map(&c->maps[3], idle_meta)};
}

static void
build_messages(Content *c)
{
	static const uint16_t publishing[] = {1, 5, 2};

	for (int i = 0; i < NMESSAGES; i++)
	{
		McapMessage *m = &c->messages[i];
		int			n = i % 17 == 0 ? 0 : 1 + (i * 13) % 63;

		for (int k = 0; k < n; k++)
			c->payloads[i][k] = (uint8_t) (i * 31 + k * 7);
		m->channel_id = publishing[i % 3];
		m->sequence = (uint32_t) (i / 3);
		/* out of order, with repeated log times */
		m->log_time = 1700000000000000000ull +
			(uint64_t) ((i * 7919) % 401) * 1000000;
		m->publish_time = m->log_time + (uint64_t) (i % 5);
		m->data = (McapBytes) {c->payloads[i], (uint64_t) n};
	}
}

static void
build_records(Content *c)
{
	static const char *const run[] = {"driver", "Ana \"Quick\" Silva",
	"track", "Aut\xc3\xb3" "dromo", NULL};
	static const char *const none[] = {NULL};

	c->metadata[0] = (McapMetadata) {str("run"), make_map(&c->maps[4], run)};
	c->metadata[1] = (McapMetadata) {str("empty"), make_map(&c->maps[5], none)};
	c->attachments[0] = (McapAttachment) {1700000000000000000ull,
		1699999999000000000ull, str("calib.bin"),
	str("application/octet-stream"), {c->binary, 256}, 0};
	c->attachments[1] = (McapAttachment) {5, 0, str("empty.txt"),
	str("text/plain"), {NULL, 0}, 0};
}

static void
content_free(Content *c)
{
	for (int i = 0; i < NCHANNELS + 2; i++)
		mcap_buffer_free(&c->maps[i]);
}

/* ----------------------------------------------------------------
 * Writing
 * ----------------------------------------------------------------
 */
static bool
file_write(void *ctx, const uint8_t *data, size_t len)
{
	return fwrite(data, 1, len, (FILE *) ctx) == len;
}

/* The raw chunk: the last 30 messages, compressed with zstd here. */
#define RAW_FROM (NMESSAGES - 30)

static McapStatus
add_raw_chunk(McapWriter *w, const Content *c, McapError *err)
{
	McapCompressor *comp = mcap_compressor_new();
	McapBuffer	records;
	McapBuffer	compressed;
	McapBuffer	entries[3];
	McapMessageIndex indexes[3];
	McapChunk	chunk = {0};
	McapStatus	rc;

	mcap_buffer_init(&records);
	mcap_buffer_init(&compressed);
	for (int k = 0; k < 3; k++)
		mcap_buffer_init(&entries[k]);
	chunk.message_start_time = UINT64_MAX;
	for (int i = RAW_FROM; i < NMESSAGES; i++)
	{
		const McapMessage *m = &c->messages[i];
		McapBuffer *e = &entries[i % 3];

		mcap_buffer_append_u64(e, m->log_time);
		mcap_buffer_append_u64(e, records.len);
		mcap_buffer_append_message(&records, m);
		if (m->log_time < chunk.message_start_time)
			chunk.message_start_time = m->log_time;
		if (m->log_time > chunk.message_end_time)
			chunk.message_end_time = m->log_time;
	}
	rc = mcap_compress(comp, str("zstd"), 0, records.data, records.len,
					   &compressed, err);
	chunk.uncompressed_size = records.len;
	chunk.uncompressed_crc = mcap_crc32(records.data, records.len);
	chunk.compression = str("zstd");
	chunk.records = (McapBytes) {compressed.data, compressed.len};
	for (int k = 0; k < 3; k++)
		indexes[k] = (McapMessageIndex) {c->messages[RAW_FROM + k].channel_id,
		{entries[(RAW_FROM + k) % 3].data, entries[(RAW_FROM + k) % 3].len}};
	if (rc == MCAP_OK)
		rc = mcap_writer_add_raw_chunk(w, &chunk, indexes, 3, err);
	mcap_compressor_free(comp);
	mcap_buffer_free(&records);
	mcap_buffer_free(&compressed);
	for (int k = 0; k < 3; k++)
		mcap_buffer_free(&entries[k]);
	return rc;
}

/* Add a sample's records, interleaving metadata and attachments. */
static McapStatus
add_content(McapWriter *w, const Sample *s, const Content *c, McapError *err)
{
	McapStatus	rc = MCAP_OK;
	int			last = s->raw_chunk ? RAW_FROM : NMESSAGES;

	for (int i = 0; i < NSCHEMAS && rc == MCAP_OK; i++)
		rc = mcap_writer_add_schema(w, &c->schemas[i], err);
	for (int i = 0; i < NCHANNELS && rc == MCAP_OK; i++)
		rc = mcap_writer_add_channel(w, &c->channels[i], err);
	for (int i = 0; i < last && rc == MCAP_OK; i++)
	{
		rc = mcap_writer_add_message(w, &c->messages[i], err);
		if (rc == MCAP_OK && i == NMESSAGES / 3)
			rc = mcap_writer_add_metadata(w, &c->metadata[0], err);
		if (rc == MCAP_OK && i == NMESSAGES / 2)
			rc = mcap_writer_add_attachment(w, &c->attachments[0], err);
	}
	if (rc == MCAP_OK && s->raw_chunk)
		rc = add_raw_chunk(w, c, err);
	if (rc == MCAP_OK)
		rc = mcap_writer_add_metadata(w, &c->metadata[1], err);
	if (rc == MCAP_OK)
		rc = mcap_writer_add_attachment(w, &c->attachments[1], err);
	return rc;
}

static bool
write_mcap(const char *path, const Sample *s, const Content *c)
{
	FILE	   *f = fopen(path, "wb");
	McapWriterOptions opts;
	McapWriter *w;
	McapError	err = {0};
	McapStatus	rc = MCAP_ERR_IO;

	if (f == NULL)
	{
		perror(path);
		return false;
	}
	mcap_writer_options_init(&opts);
	opts.compression = s->compression;
	opts.chunk_size = s->chunk_size;
	opts.profile = "hdaq-sample";
	w = mcap_writer_open(file_write, f, &opts, &err);
	if (w != NULL)
	{
		rc = s->content ? add_content(w, s, c, &err) : MCAP_OK;
		if (rc == MCAP_OK)
			rc = mcap_writer_finish(w, &err);
		mcap_writer_close(w);
	}
	if (fclose(f) != 0 && rc == MCAP_OK)
		rc = MCAP_ERR_IO;
	if (rc != MCAP_OK)
		fprintf(stderr, "%s: %s\n", path, err.message);
	return rc == MCAP_OK;
}

/* ----------------------------------------------------------------
 * Expected content
 * ----------------------------------------------------------------
 */
static const McapChannel *
channel_of(const Content *c, uint16_t id)
{
	for (int i = 0; i < NCHANNELS; i++)
		if (c->channels[i].id == id)
			return &c->channels[i];
	return NULL;
}

static const char *
schema_name_of(const Content *c, uint16_t id)
{
	for (int i = 0; i < NSCHEMAS; i++)
		if (c->schemas[i].id == id)
			return c->schemas[i].name.data;
	return NULL;
}

static void
expect_channels(FILE *f, const Content *c)
{
	fputs(",\"schemas\":[", f);
	for (int i = 0; i < NSCHEMAS; i++)
	{
		const McapSchema *s = &c->schemas[i];

		fprintf(f, "%s{\"id\":%u,\"name\":", i ? "," : "", s->id);
		json_string(f, s->name.data, s->name.len);
		fputs(",\"encoding\":", f);
		json_string(f, s->encoding.data, s->encoding.len);
		fputs(",\"data\":", f);
		json_base64(f, s->data.data, s->data.len);
		fputc('}', f);
	}
	fputs("],\"channels\":[", f);
	for (int i = 0; i < NCHANNELS; i++)
	{
		const McapChannel *ch = &c->channels[i];
		const char *schema = schema_name_of(c, ch->schema_id);

		fprintf(f, "%s{\"id\":%u,\"topic\":", i ? "," : "", ch->id);
		json_string(f, ch->topic.data, ch->topic.len);
		fputs(",\"message_encoding\":", f);
		json_string(f, ch->message_encoding.data, ch->message_encoding.len);
		fprintf(f, ",\"schema_id\":%u,\"schema\":", ch->schema_id);
		if (schema)
			json_cstring(f, schema);
		else
			fputs("null", f);
		fputs(",\"metadata\":", f);
		json_map(f, ch->metadata);
		fputc('}', f);
	}
	fputc(']', f);
}

static void
expect_messages(FILE *f, const Content *c)
{
	fputs(",\"messages\":[", f);
	for (int i = 0; i < NMESSAGES; i++)
	{
		const McapMessage *m = &c->messages[i];

		fprintf(f, "%s{\"topic\":", i ? "," : "");
		json_cstring(f, channel_of(c, m->channel_id)->topic.data);
		fprintf(f, ",\"channel_id\":%u,\"sequence\":%u,\"log_time\":\"%llu\","
				"\"publish_time\":\"%llu\",\"data\":",
				m->channel_id, m->sequence,
				(unsigned long long) m->log_time,
				(unsigned long long) m->publish_time);
		json_base64(f, m->data.data, m->data.len);
		fputs("}\n", f);
	}
	fputc(']', f);
}

static void
expect_records(FILE *f, const Content *c)
{
	fputs(",\"metadata\":[", f);
	for (int i = 0; i < 2; i++)
	{
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_string(f, c->metadata[i].name.data, c->metadata[i].name.len);
		fputs(",\"metadata\":", f);
		json_map(f, c->metadata[i].metadata);
		fputc('}', f);
	}
	fputs("],\"attachments\":[", f);
	for (int i = 0; i < 2; i++)
	{
		const McapAttachment *a = &c->attachments[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_string(f, a->name.data, a->name.len);
		fputs(",\"media_type\":", f);
		json_string(f, a->media_type.data, a->media_type.len);
		fprintf(f, ",\"log_time\":\"%llu\",\"create_time\":\"%llu\",\"data\":",
				(unsigned long long) a->log_time,
				(unsigned long long) a->create_time);
		json_base64(f, a->data.data, a->data.len);
		fputc('}', f);
	}
	fputc(']', f);
}

static bool
write_expected(const char *path, const Sample *s, const Content *c)
{
	FILE	   *f = fopen(path, "w");

	if (f == NULL)
	{
		perror(path);
		return false;
	}
	fputs("{\"header\":{\"profile\":\"hdaq-sample\",\"library\":\"hdaq\"}", f);
	if (s->content)
	{
		expect_channels(f, c);
		expect_messages(f, c);
		expect_records(f, c);
	}
	else
		fputs(",\"schemas\":[],\"channels\":[],\"messages\":[],"
			  "\"metadata\":[],\"attachments\":[]", f);
	fputs("}\n", f);
	return fclose(f) == 0;
}

int
main(int argc, char **argv)
{
	Content    *c = calloc(1, sizeof(Content));
	bool		ok = c != NULL;
	char		path[4096];

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	if (ok)
	{
		build_schemas_and_channels(c);
		build_messages(c);
		build_records(c);
	}
	for (size_t i = 0; ok && i < sizeof(samples) / sizeof(samples[0]); i++)
	{
		snprintf(path, sizeof(path), "%s/%s.mcap", argv[1], samples[i].name);
		ok = write_mcap(path, &samples[i], c);
		snprintf(path, sizeof(path), "%s/%s.json", argv[1], samples[i].name);
		ok = ok && write_expected(path, &samples[i], c);
	}
	if (c != NULL)
		content_free(c);
	free(c);
	return ok ? 0 : 1;
}
