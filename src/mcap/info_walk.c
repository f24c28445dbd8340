/*-------------------------------------------------------------------------
 *
 * info_walk.c
 *	  The shape of an McapInfo as JSON, told to a visitor: the one place
 *	  that says which members the info has, in which order, and which are
 *	  null.  info_json.c writes JSON text from it; the PostgreSQL side can
 *	  build jsonb from it the same way.
 *
 * Strings from the file are passed as their bytes; a consumer makes them
 * valid (the JSON writer writes \ufffd for each bad byte and for NUL).
 * Numbers are passed as their JSON text, so every consumer reads the same
 * value: integers exactly, doubles by the shortest digits that read back.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <math.h>
#include <string.h>

typedef struct Walk
{
	const McapInfoVisitor *v;
	void	   *ctx;
} Walk;

static const McapInfoText no_text = {"", 0, false};

/* ----------------------------------------------------------------
 * Members
 * ----------------------------------------------------------------
 */
static void
begin_object(const Walk *w)
{
	w->v->begin_object(w->ctx);
}

static void
end_object(const Walk *w)
{
	w->v->end_object(w->ctx);
}

static void
key(const Walk *w, const char *name)
{
	w->v->key(w->ctx, name, strlen(name));
}

static void
u64_value(const Walk *w, uint64_t v)
{
	char		text[MCAP_NUMBER_TEXT_SIZE];

	mcap_number_text_u64(v, text);
	w->v->number(w->ctx, text);
}

/* A finite double; null otherwise. */
static void
double_value(const Walk *w, double v)
{
	char		text[MCAP_NUMBER_TEXT_SIZE];

	if (!isfinite(v))
	{
		w->v->null(w->ctx);
		return;
	}
	mcap_number_text_double(v, text);
	w->v->number(w->ctx, text);
}

static void
cstring_value(const Walk *w, const char *s)
{
	w->v->string(w->ctx, s, strlen(s));
}

/* A text that is always a string ("" when it was not kept). */
static void
text_value(const Walk *w, McapInfoText t)
{
	w->v->string(w->ctx, t.data, t.len);
}

static void
member_u64(const Walk *w, const char *name, uint64_t v)
{
	key(w, name);
	u64_value(w, v);
}

static void
member_bool(const Walk *w, const char *name, bool v)
{
	key(w, name);
	w->v->boolean(w->ctx, v);
}

/* A text that is null when it is not present. */
static void
member_text(const Walk *w, const char *name, McapInfoText t)
{
	key(w, name);
	if (t.present)
		text_value(w, t);
	else
		w->v->null(w->ctx);
}

/* An instant as nanoseconds and as ISO text, or nulls when there is none. */
static void
member_time(const Walk *w, const char *name, const char *iso_name, bool any,
			uint64_t ns)
{
	char		iso[MCAP_ISO_TIME_SIZE];

	key(w, name);
	if (any)
		u64_value(w, ns);
	else
		w->v->null(w->ctx);
	key(w, iso_name);
	if (!any)
	{
		w->v->null(w->ctx);
		return;
	}
	mcap_format_iso_time(ns, iso, sizeof(iso));
	cstring_value(w, iso);
}

static void
member_time_range(const Walk *w, bool any, uint64_t start, uint64_t end)
{
	member_time(w, "start_time", "start_time_iso", any, start);
	member_time(w, "end_time", "end_time_iso", any, end);
}

/* A string map as an object; a malformed map ends at its last good entry. */
static void
string_map_value(const Walk *w, McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;

	begin_object(w);
	while (mcap_string_map_next(map, &pos, &k, &v, NULL) == 1)
	{
		w->v->key(w->ctx, k.data, k.len);
		w->v->string(w->ctx, v.data, v.len);
	}
	end_object(w);
}

/* ----------------------------------------------------------------
 * Sections
 * ----------------------------------------------------------------
 */
static void
walk_header(const Walk *w, const McapInfo *info)
{
	key(w, "header");
	begin_object(w);
	key(w, "profile");
	if (info->has_header)
		text_value(w, info->profile);
	else
		w->v->null(w->ctx);
	member_text(w, "library", info->has_header ? info->library : no_text);
	end_object(w);
}

static void
walk_channel(const Walk *w, const McapInfoChannel *c)
{
	const McapInfoSchema *s = c->schema;

	begin_object(w);
	member_u64(w, "id", c->id);
	member_text(w, "topic", c->topic);
	member_text(w, "message_encoding", c->message_encoding);
	key(w, "metadata");
	string_map_value(w, c->metadata);
	member_u64(w, "schema_id", c->schema_id);
	member_text(w, "schema_name", s ? s->name : no_text);
	member_text(w, "schema_encoding", s ? s->encoding : no_text);
	member_u64(w, "message_count", c->message_count);
	member_time_range(w, c->message_count > 0, c->start_time, c->end_time);
	key(w, "rate_hz");
	if (c->has_rate)
		double_value(w, c->rate_hz);
	else
		w->v->null(w->ctx);
	end_object(w);
}

static void
walk_schema(const Walk *w, const McapInfoSchema *s)
{
	begin_object(w);
	member_u64(w, "id", s->id);
	member_text(w, "name", s->name);
	member_text(w, "encoding", s->encoding);
	member_u64(w, "size", s->size);
	end_object(w);
}

static void
walk_compression(const Walk *w, const McapInfoCompression *k)
{
	begin_object(w);
	key(w, "compression");
	text_value(w, k->compression);
	member_u64(w, "count", k->count);
	member_u64(w, "compressed_bytes", k->compressed_bytes);
	member_u64(w, "uncompressed_bytes", k->uncompressed_bytes);
	end_object(w);
}

static void
walk_chunks(const Walk *w, const McapInfo *info)
{
	key(w, "chunks");
	begin_object(w);
	member_u64(w, "count", info->chunk_count);
	member_u64(w, "compressed_bytes", info->chunk_compressed_bytes);
	member_u64(w, "uncompressed_bytes", info->chunk_uncompressed_bytes);
	key(w, "by_compression");
	w->v->begin_array(w->ctx);
	for (size_t i = 0; i < info->compression_count; i++)
		walk_compression(w, &info->compressions[i]);
	w->v->end_array(w->ctx);
	end_object(w);
}

static void
walk_metadata(const Walk *w, const McapInfoMetadata *m)
{
	begin_object(w);
	key(w, "name");
	text_value(w, m->name);
	key(w, "metadata");
	string_map_value(w, m->map);
	end_object(w);
}

static void
walk_attachment(const Walk *w, const McapInfoAttachment *a)
{
	begin_object(w);
	key(w, "name");
	text_value(w, a->name);
	member_text(w, "media_type", a->media_type);
	member_u64(w, "size", a->size);
	member_u64(w, "log_time", a->log_time);
	member_u64(w, "create_time", a->create_time);
	end_object(w);
}

static void
walk_problem(const Walk *w, const McapError *e)
{
	begin_object(w);
	key(w, "status");
	cstring_value(w, mcap_status_name(e->code));
	member_u64(w, "offset", e->offset);
	key(w, "message");
	w->v->string(w->ctx, e->message, mcap_error_message_length(e));
	end_object(w);
}

static void
walk_recovery(const Walk *w, const McapRecovery *rec)
{
	char		text[4096];
	uint32_t	shown = rec->problem_count < MCAP_MAX_PROBLEMS ?
		rec->problem_count : MCAP_MAX_PROBLEMS;

	mcap_recovery_describe(rec, text, sizeof(text));
	begin_object(w);
	member_bool(w, "complete", rec->complete);
	member_bool(w, "truncated", rec->truncated);
	key(w, "description");
	cstring_value(w, text);
	member_u64(w, "bytes_read", rec->bytes_read);
	member_u64(w, "valid_end", rec->valid_end);
	member_u64(w, "bytes_dropped", rec->bytes_dropped);
	member_u64(w, "chunks_skipped", rec->chunks_skipped);
	member_u64(w, "records_skipped", rec->records_skipped);
	member_bool(w, "trailing_data", rec->trailing_data);
	key(w, "trailing_offset");
	if (rec->trailing_data)
		u64_value(w, rec->trailing_offset);
	else
		w->v->null(w->ctx);
	member_u64(w, "problem_count", rec->problem_count);
	key(w, "problems");
	w->v->begin_array(w->ctx);
	for (uint32_t i = 0; i < shown; i++)
		walk_problem(w, &rec->problems[i]);
	w->v->end_array(w->ctx);
	end_object(w);
}

/* ----------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------
 */
size_t
mcap_error_message_length(const McapError *e)
{
	const char *nul = memchr(e->message, '\0', sizeof(e->message));

	return nul != NULL ? (size_t) (nul - e->message) : sizeof(e->message);
}

void
mcap_recovery_walk(const McapRecovery *rec, const McapInfoVisitor *v,
				   void *ctx)
{
	Walk		w = {v, ctx};

	walk_recovery(&w, rec);
}

void
mcap_info_walk(const McapInfo *info, const McapInfoVisitor *v, void *ctx)
{
	Walk		w = {v, ctx};

	begin_object(&w);
	walk_header(&w, info);
	member_u64(&w, "message_count", info->message_count);
	member_time_range(&w, info->message_count > 0, info->start_time,
					  info->end_time);
	member_u64(&w, "duration_ns", info->duration_ns);
	key(&w, "duration_s");
	double_value(&w, (double) info->duration_ns / 1e9);
	key(&w, "channels");
	v->begin_array(ctx);
	for (size_t i = 0; i < info->channel_count; i++)
		walk_channel(&w, &info->channels[i]);
	v->end_array(ctx);
	key(&w, "schemas");
	v->begin_array(ctx);
	for (size_t i = 0; i < info->schema_count; i++)
		walk_schema(&w, &info->schemas[i]);
	v->end_array(ctx);
	walk_chunks(&w, info);
	key(&w, "metadata");
	v->begin_array(ctx);
	for (size_t i = 0; i < info->metadata_count; i++)
		walk_metadata(&w, &info->metadata[i]);
	v->end_array(ctx);
	key(&w, "attachments");
	v->begin_array(ctx);
	for (size_t i = 0; i < info->attachment_count; i++)
		walk_attachment(&w, &info->attachments[i]);
	v->end_array(ctx);
	key(&w, "recovery");
	walk_recovery(&w, &info->recovery);
	end_object(&w);
}
