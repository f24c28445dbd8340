/*-------------------------------------------------------------------------
 *
 * info_json.c
 *	  An McapInfo as JSON text: what hdaq.info() returns and `hdaq info
 *	  --json` prints; and a recovery as JSON, which ingest also stores.
 *
 * The shape is described in mcap.h (mcap_info_to_json).  Strings are the
 * file's bytes made valid JSON by mcap_json_string.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdio.h>
#include <string.h>

/* ----------------------------------------------------------------
 * Members
 * ----------------------------------------------------------------
 */
static void
comma(McapBuffer *out, bool first)
{
	if (!first)
		mcap_json_raw(out, ", ");
}

static void
key(McapBuffer *out, const char *name, bool first)
{
	comma(out, first);
	mcap_json_cstring(out, name);
	mcap_json_raw(out, ": ");
}

static void
key_u64(McapBuffer *out, const char *name, uint64_t v)
{
	key(out, name, false);
	mcap_json_u64(out, v);
}

static void
key_bool(McapBuffer *out, const char *name, bool v)
{
	key(out, name, false);
	mcap_json_raw(out, v ? "true" : "false");
}

/* A text that is always a string ("" when it was not kept). */
static void
write_text(McapBuffer *out, McapInfoText t)
{
	mcap_json_string(out, t.data, t.len);
}

/* A text that is null when it is not present. */
static void
key_text(McapBuffer *out, const char *name, McapInfoText t)
{
	key(out, name, false);
	if (t.present)
		write_text(out, t);
	else
		mcap_json_raw(out, "null");
}

static void
write_iso_time(McapBuffer *out, uint64_t ns)
{
	char		text[MCAP_ISO_TIME_SIZE];

	mcap_format_iso_time(ns, text, sizeof(text));
	mcap_json_cstring(out, text);
}

/* An instant as nanoseconds and as ISO text, or nulls when there is none. */
static void
key_time(McapBuffer *out, const char *name, const char *iso_name, bool any,
		 uint64_t ns)
{
	key(out, name, false);
	if (any)
		mcap_json_u64(out, ns);
	else
		mcap_json_raw(out, "null");
	key(out, iso_name, false);
	if (any)
		write_iso_time(out, ns);
	else
		mcap_json_raw(out, "null");
}

static void
write_time_range(McapBuffer *out, bool any, uint64_t start, uint64_t end)
{
	key_time(out, "start_time", "start_time_iso", any, start);
	key_time(out, "end_time", "end_time_iso", any, end);
}

/* A string map as an object; a malformed map ends at its last good entry. */
static void
write_string_map(McapBuffer *out, McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;
	bool		first = true;

	mcap_json_raw(out, "{");
	while (mcap_string_map_next(map, &pos, &k, &v, NULL) == 1)
	{
		comma(out, first);
		mcap_json_string(out, k.data, k.len);
		mcap_json_raw(out, ": ");
		mcap_json_string(out, v.data, v.len);
		first = false;
	}
	mcap_json_raw(out, "}");
}

/* ----------------------------------------------------------------
 * Sections
 * ----------------------------------------------------------------
 */
static void
write_header(McapBuffer *out, const McapInfo *info)
{
	McapInfoText none = {"", 0, false};

	key(out, "header", true);
	mcap_json_raw(out, "{");
	key(out, "profile", true);
	if (info->has_header)
		write_text(out, info->profile);
	else
		mcap_json_raw(out, "null");
	key_text(out, "library", info->has_header ? info->library : none);
	mcap_json_raw(out, "}");
}

static void
write_channel(McapBuffer *out, const McapInfoChannel *c)
{
	McapInfoText none = {"", 0, false};
	const McapInfoSchema *s = c->schema;

	mcap_json_raw(out, "{");
	key(out, "id", true);
	mcap_json_u64(out, c->id);
	key_text(out, "topic", c->topic);
	key_text(out, "message_encoding", c->message_encoding);
	key(out, "metadata", false);
	write_string_map(out, c->metadata);
	key_u64(out, "schema_id", c->schema_id);
	key_text(out, "schema_name", s ? s->name : none);
	key_text(out, "schema_encoding", s ? s->encoding : none);
	key_u64(out, "message_count", c->message_count);
	write_time_range(out, c->message_count > 0, c->start_time, c->end_time);
	key(out, "rate_hz", false);
	if (c->has_rate)
		mcap_json_double(out, c->rate_hz);
	else
		mcap_json_raw(out, "null");
	mcap_json_raw(out, "}");
}

static void
write_channels(McapBuffer *out, const McapInfo *info)
{
	key(out, "channels", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->channel_count; i++)
	{
		comma(out, i == 0);
		write_channel(out, &info->channels[i]);
	}
	mcap_json_raw(out, "]");
}

static void
write_schemas(McapBuffer *out, const McapInfo *info)
{
	key(out, "schemas", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->schema_count; i++)
	{
		const McapInfoSchema *s = &info->schemas[i];

		comma(out, i == 0);
		mcap_json_raw(out, "{");
		key(out, "id", true);
		mcap_json_u64(out, s->id);
		key_text(out, "name", s->name);
		key_text(out, "encoding", s->encoding);
		key_u64(out, "size", s->size);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

static void
write_chunks(McapBuffer *out, const McapInfo *info)
{
	key(out, "chunks", false);
	mcap_json_raw(out, "{");
	key(out, "count", true);
	mcap_json_u64(out, info->chunk_count);
	key_u64(out, "compressed_bytes", info->chunk_compressed_bytes);
	key_u64(out, "uncompressed_bytes", info->chunk_uncompressed_bytes);
	key(out, "by_compression", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->compression_count; i++)
	{
		const McapInfoCompression *k = &info->compressions[i];

		comma(out, i == 0);
		mcap_json_raw(out, "{");
		key(out, "compression", true);
		write_text(out, k->compression);
		key_u64(out, "count", k->count);
		key_u64(out, "compressed_bytes", k->compressed_bytes);
		key_u64(out, "uncompressed_bytes", k->uncompressed_bytes);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]}");
}

static void
write_metadata(McapBuffer *out, const McapInfo *info)
{
	key(out, "metadata", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->metadata_count; i++)
	{
		comma(out, i == 0);
		mcap_json_raw(out, "{");
		key(out, "name", true);
		write_text(out, info->metadata[i].name);
		key(out, "metadata", false);
		write_string_map(out, info->metadata[i].map);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

static void
write_attachments(McapBuffer *out, const McapInfo *info)
{
	key(out, "attachments", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->attachment_count; i++)
	{
		const McapInfoAttachment *a = &info->attachments[i];

		comma(out, i == 0);
		mcap_json_raw(out, "{");
		key(out, "name", true);
		write_text(out, a->name);
		key_text(out, "media_type", a->media_type);
		key_u64(out, "size", a->size);
		key_u64(out, "log_time", a->log_time);
		key_u64(out, "create_time", a->create_time);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

/* ----------------------------------------------------------------
 * The recovery
 * ----------------------------------------------------------------
 */
size_t
mcap_error_message_length(const McapError *e)
{
	const char *nul = memchr(e->message, '\0', sizeof(e->message));

	return nul != NULL ? (size_t) (nul - e->message) : sizeof(e->message);
}

static void
write_problems(McapBuffer *out, const McapRecovery *rec)
{
	uint32_t	shown = rec->problem_count < MCAP_MAX_PROBLEMS ?
		rec->problem_count : MCAP_MAX_PROBLEMS;

	key_u64(out, "problem_count", rec->problem_count);
	key(out, "problems", false);
	mcap_json_raw(out, "[");
	for (uint32_t i = 0; i < shown; i++)
	{
		const McapError *e = &rec->problems[i];

		comma(out, i == 0);
		mcap_json_raw(out, "{");
		key(out, "status", true);
		mcap_json_cstring(out, mcap_status_name(e->code));
		key_u64(out, "offset", e->offset);
		key(out, "message", false);
		mcap_json_string(out, e->message, mcap_error_message_length(e));
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

void
mcap_recovery_json(const McapRecovery *rec, McapBuffer *out)
{
	char		text[4096];

	mcap_recovery_describe(rec, text, sizeof(text));
	mcap_json_raw(out, "{");
	key(out, "complete", true);
	mcap_json_raw(out, rec->complete ? "true" : "false");
	key_bool(out, "truncated", rec->truncated);
	key(out, "description", false);
	mcap_json_cstring(out, text);
	key_u64(out, "bytes_read", rec->bytes_read);
	key_u64(out, "valid_end", rec->valid_end);
	key_u64(out, "bytes_dropped", rec->bytes_dropped);
	key_u64(out, "chunks_skipped", rec->chunks_skipped);
	key_u64(out, "records_skipped", rec->records_skipped);
	key_bool(out, "trailing_data", rec->trailing_data);
	key(out, "trailing_offset", false);
	if (rec->trailing_data)
		mcap_json_u64(out, rec->trailing_offset);
	else
		mcap_json_raw(out, "null");
	write_problems(out, rec);
	mcap_json_raw(out, "}");
}

/* ----------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------
 */
void
mcap_info_to_json(const McapInfo *info, McapBuffer *out)
{
	mcap_json_raw(out, "{");
	write_header(out, info);
	key_u64(out, "message_count", info->message_count);
	write_time_range(out, info->message_count > 0, info->start_time,
					 info->end_time);
	key_u64(out, "duration_ns", info->duration_ns);
	key(out, "duration_s", false);
	mcap_json_double(out, (double) info->duration_ns / 1e9);
	write_channels(out, info);
	write_schemas(out, info);
	write_chunks(out, info);
	write_metadata(out, info);
	write_attachments(out, info);
	key(out, "recovery", false);
	mcap_recovery_json(&info->recovery, out);
	mcap_json_raw(out, "}");
}

McapStatus
mcap_info_json(McapReader *reader, McapBuffer *out, McapError *err)
{
	McapInfo   *info;
	McapError	e;

	if (reader == NULL || out == NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "reader or output buffer is NULL");
	if ((info = mcap_info_read(reader, &e)) == NULL)
	{
		if (err != NULL)
			*err = e;
		return e.code;
	}
	mcap_info_to_json(info, out);
	mcap_info_free(info);
	if (out->failed)
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate the info text");
	return MCAP_OK;
}
