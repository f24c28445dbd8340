/*-------------------------------------------------------------------------
 *
 * info.c
 *	  What `mcap info` shows about a file, as JSON text: read once through
 *	  the streaming reader, counting what is really there (Statistics
 *	  records are not trusted).  hdaq.info() returns it as jsonb and
 *	  `hdaq info FILE` prints it.
 *
 * The JSON has this shape (times are integer nanoseconds; *_iso fields are
 * the same instants as ISO-8601 UTC text; values that do not exist are
 * null; strings that are not valid UTF-8 have U+FFFD in place of each bad
 * byte):
 *
 *	{
 *	  "header": {"profile": "...", "library": "..."},
 *	  "message_count": 25068,
 *	  "start_time": 1709094215389013938, "start_time_iso": "2024-...Z",
 *	  "end_time": 1709094635800132506, "end_time_iso": "2024-...Z",
 *	  "duration_ns": 420411118568, "duration_s": 420.411118568,
 *	  "channels": [				-- by id
 *	    {"id": 1, "topic": "...", "message_encoding": "protobuf",
 *	     "metadata": {"k": "v"}, "schema_id": 1,
 *	     "schema_name": "..." | null, "schema_encoding": "..." | null,
 *	     "message_count": 100, "start_time": ..., "end_time": ...,
 *	     "rate_hz": 10.0 | null}	-- (count - 1) / (end - start)
 *	  ],
 *	  "schemas": [{"id": 1, "name": "...", "encoding": "...", "size": 1234}],
 *	  "chunks": {"count": 3, "compressed_bytes": ..., "uncompressed_bytes": ...,
 *	             "by_compression": [{"compression": "zstd", "count": 3,
 *	                                 "compressed_bytes": ...,
 *	                                 "uncompressed_bytes": ...}]},
 *	  "metadata": [{"name": "...", "metadata": {"k": "v"}}],
 *	  "attachments": [{"name": "...", "media_type": "...", "size": 42,
 *	                   "log_time": ..., "create_time": ...}],
 *	  "recovery": {"complete": true, "truncated": false,
 *	               "description": "complete", "bytes_read": ...,
 *	               "valid_end": ..., "bytes_dropped": 0,
 *	               "chunks_skipped": 0, "records_skipped": 0,
 *	               "trailing_data": false, "trailing_offset": null,
 *	               "problem_count": 0,
 *	               "problems": [{"status": "crc mismatch", "offset": 123,
 *	                             "message": "..."}]}
 *	}
 *
 * Channels and schemas defined more than once with the same id are shown
 * as first defined.  Names and topics longer than 4096 bytes are cut
 * there, maps larger than 64 KiB are shown empty, and past 64 MiB of
 * kept text further strings show as null: a hostile file cannot make the
 * summary large.  A message on a channel that was never defined gets a
 * channel entry with a null topic.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COMPRESSIONS 16		/* distinct compressions listed */
#define MAX_TEXT_BYTES	4096	/* a longer name or topic is cut there */
#define MAX_MAP_BYTES	65536	/* a larger map is shown empty */
#define MAX_STORE_BYTES (64 * 1024 * 1024)	/* all kept strings together */

/* A string copied into the info's string store: offset and length. */
typedef struct Text
{
	size_t		off;
	size_t		len;
	bool		present;
} Text;

typedef struct ChannelInfo
{
	uint16_t	id;
	bool		defined;
	uint16_t	schema_id;
	Text		topic;
	Text		message_encoding;
	Text		metadata;		/* raw map bytes */
	uint64_t	message_count;
	uint64_t	start_time;
	uint64_t	end_time;
} ChannelInfo;

typedef struct SchemaInfo
{
	uint16_t	id;
	Text		name;
	Text		encoding;
	uint64_t	size;
} SchemaInfo;

typedef struct ChunkInfo
{
	Text		compression;
	uint64_t	count;
	uint64_t	compressed;
	uint64_t	uncompressed;
} ChunkInfo;

typedef struct MetadataInfo
{
	Text		name;
	Text		map;
} MetadataInfo;

typedef struct AttachmentInfo
{
	Text		name;
	Text		media_type;
	uint64_t	size;
	uint64_t	log_time;
	uint64_t	create_time;
} AttachmentInfo;

/* A growable array of fixed-size items. */
typedef struct Array
{
	void	   *items;
	size_t		count;
	size_t		cap;
} Array;

typedef struct Info
{
	McapBuffer	strings;
	bool		nomem;
	bool		has_header;
	Text		profile;
	Text		library;
	uint64_t	message_count;
	uint64_t	start_time;
	uint64_t	end_time;
	int32_t    *channel_slot;	/* channel id -> index in channels, or -1 */
	int32_t    *schema_slot;
	Array		channels;		/* ChannelInfo */
	Array		schemas;		/* SchemaInfo */
	Array		metadata;		/* MetadataInfo */
	Array		attachments;	/* AttachmentInfo */
	ChunkInfo	chunks[MAX_COMPRESSIONS];
	size_t		chunk_kinds;
	uint64_t	chunk_count;
} Info;

/* ----------------------------------------------------------------
 * Storage helpers
 * ----------------------------------------------------------------
 */
/*
 * Copy bytes into the string store.  Whatever a file claims, the store
 * stays small: past its limit nothing more is kept (and shows as null).
 */
static Text
keep_text(Info *info, const void *data, size_t len)
{
	Text		t = {0, 0, false};

	if (len > MAX_STORE_BYTES - info->strings.len)
		return t;
	t.off = info->strings.len;
	t.len = len;
	t.present = true;
	mcap_buffer_append(&info->strings, data, len);
	if (info->strings.failed)
		info->nomem = true;
	return t;
}

static Text
keep_string(Info *info, McapString s)
{
	return keep_text(info, s.data, s.len < MAX_TEXT_BYTES ? s.len : MAX_TEXT_BYTES);
}

static Text
keep_map(Info *info, McapStringMap m)
{
	Text		none = {0, 0, false};

	if (m.len > MAX_MAP_BYTES)
		return none;
	return keep_text(info, m.data, (size_t) m.len);
}

static const char *
text_data(const Info *info, Text t)
{
	return t.len > 0 ? (const char *) info->strings.data + t.off : "";
}

/* Append a zeroed item to an array; NULL if memory runs out. */
static void *
array_add(Info *info, Array *a, size_t size)
{
	char	   *item;

	if (a->count == a->cap)
	{
		size_t		cap = a->cap == 0 ? 16 : a->cap * 2;
		void	   *grown = cap > SIZE_MAX / size ? NULL :
			realloc(a->items, cap * size);

		if (grown == NULL)
		{
			info->nomem = true;
			return NULL;
		}
		a->items = grown;
		a->cap = cap;
	}
	item = (char *) a->items + a->count++ * size;
	memset(item, 0, size);
	return item;
}

static ChannelInfo *
channel_at(const Info *info, int32_t slot)
{
	return &((ChannelInfo *) info->channels.items)[slot];
}

/* The entry for a channel id, created (undefined) if there is none. */
static ChannelInfo *
channel_entry(Info *info, uint16_t id)
{
	ChannelInfo *c;

	if (info->channel_slot[id] >= 0)
		return channel_at(info, info->channel_slot[id]);
	c = array_add(info, &info->channels, sizeof(ChannelInfo));
	if (c == NULL)
		return NULL;
	c->id = id;
	info->channel_slot[id] = (int32_t) (info->channels.count - 1);
	return c;
}

/* ----------------------------------------------------------------
 * Taking records
 * ----------------------------------------------------------------
 */
static void
take_channel(Info *info, const McapChannel *ch)
{
	ChannelInfo *c = channel_entry(info, ch->id);

	if (c == NULL || c->defined)
		return;
	c->defined = true;
	c->schema_id = ch->schema_id;
	c->topic = keep_string(info, ch->topic);
	c->message_encoding = keep_string(info, ch->message_encoding);
	c->metadata = keep_map(info, ch->metadata);
}

static void
take_schema(Info *info, const McapSchema *s)
{
	SchemaInfo *si;

	if (info->schema_slot[s->id] >= 0)
		return;
	si = array_add(info, &info->schemas, sizeof(SchemaInfo));
	if (si == NULL)
		return;
	info->schema_slot[s->id] = (int32_t) (info->schemas.count - 1);
	si->id = s->id;
	si->name = keep_string(info, s->name);
	si->encoding = keep_string(info, s->encoding);
	si->size = s->data.len;
}

static void
take_message(Info *info, const McapMessage *m)
{
	ChannelInfo *c = channel_entry(info, m->channel_id);

	if (info->message_count == 0 || m->log_time < info->start_time)
		info->start_time = m->log_time;
	if (info->message_count == 0 || m->log_time > info->end_time)
		info->end_time = m->log_time;
	info->message_count++;
	if (c == NULL)
		return;
	if (c->message_count == 0 || m->log_time < c->start_time)
		c->start_time = m->log_time;
	if (c->message_count == 0 || m->log_time > c->end_time)
		c->end_time = m->log_time;
	c->message_count++;
}

static void
take_chunk(Info *info, const McapChunk *ch)
{
	ChunkInfo  *k = NULL;

	info->chunk_count++;
	for (size_t i = 0; i < info->chunk_kinds; i++)
	{
		const Text *t = &info->chunks[i].compression;

		if (t->len == ch->compression.len &&
			memcmp(text_data(info, *t), ch->compression.data, t->len) == 0)
			k = &info->chunks[i];
	}
	if (k == NULL && info->chunk_kinds < MAX_COMPRESSIONS)
	{
		k = &info->chunks[info->chunk_kinds++];
		k->compression = keep_string(info, ch->compression);
	}
	if (k == NULL)
		k = &info->chunks[MAX_COMPRESSIONS - 1];
	k->count++;
	k->compressed += ch->records.len;
	k->uncompressed += ch->uncompressed_size;
}

static void
take_metadata(Info *info, const McapMetadata *md)
{
	MetadataInfo *mi = array_add(info, &info->metadata, sizeof(MetadataInfo));

	if (mi == NULL)
		return;
	mi->name = keep_string(info, md->name);
	mi->map = keep_map(info, md->metadata);
}

static void
take_attachment(Info *info, const McapAttachment *a)
{
	AttachmentInfo *ai = array_add(info, &info->attachments,
								   sizeof(AttachmentInfo));

	if (ai == NULL)
		return;
	ai->name = keep_string(info, a->name);
	ai->media_type = keep_string(info, a->media_type);
	ai->size = a->data.len;
	ai->log_time = a->log_time;
	ai->create_time = a->create_time;
}

static void
take_record(Info *info, const McapRecord *rec)
{
	switch (rec->opcode)
	{
		case MCAP_OP_HEADER:
			if (!info->has_header)
			{
				info->has_header = true;
				info->profile = keep_string(info, rec->u.header.profile);
				info->library = keep_string(info, rec->u.header.library);
			}
			break;
		case MCAP_OP_SCHEMA:
			take_schema(info, &rec->u.schema);
			break;
		case MCAP_OP_CHANNEL:
			take_channel(info, &rec->u.channel);
			break;
		case MCAP_OP_MESSAGE:
			take_message(info, &rec->u.message);
			break;
		case MCAP_OP_CHUNK:
			if (!rec->in_chunk)
				take_chunk(info, &rec->u.chunk);
			break;
		case MCAP_OP_METADATA:
			take_metadata(info, &rec->u.metadata);
			break;
		case MCAP_OP_ATTACHMENT:
			take_attachment(info, &rec->u.attachment);
			break;
		default:
			break;
	}
}

/* ----------------------------------------------------------------
 * Writing JSON
 * ----------------------------------------------------------------
 */

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void
civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t		z = days + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = (int) (mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* Nanoseconds since the Unix epoch as ISO-8601 UTC text. */
static void
append_iso_time(McapBuffer *out, uint64_t ns)
{
	uint64_t	secs = ns / 1000000000u;
	int64_t		year;
	int			month;
	int			day;
	char		text[64];
	int			n;

	civil_from_days((int64_t) (secs / 86400), &year, &month, &day);
	n = snprintf(text, sizeof(text),
				 "\"%04lld-%02d-%02dT%02d:%02d:%02d.%09uZ\"",
				 (long long) year, month, day, (int) (secs % 86400 / 3600),
				 (int) (secs % 3600 / 60), (int) (secs % 60),
				 (unsigned) (ns % 1000000000u));
	mcap_buffer_append(out, text, (size_t) n);
}

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

static void
key_text(McapBuffer *out, const Info *info, const char *name, Text t)
{
	key(out, name, false);
	if (t.present)
		mcap_json_string(out, text_data(info, t), t.len);
	else
		mcap_json_raw(out, "null");
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
		append_iso_time(out, ns);
	else
		mcap_json_raw(out, "null");
}

static void
write_time_range(McapBuffer *out, bool any, uint64_t start, uint64_t end)
{
	key_time(out, "start_time", "start_time_iso", any, start);
	key_time(out, "end_time", "end_time_iso", any, end);
}

static void
write_string_map(McapBuffer *out, const Info *info, Text map)
{
	McapStringMap m;
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;
	bool		first = true;

	m.data = (const uint8_t *) text_data(info, map);
	m.len = map.len;
	mcap_json_raw(out, "{");
	while (mcap_string_map_next(m, &pos, &k, &v, NULL) == 1)
	{
		comma(out, first);
		mcap_json_string(out, k.data, k.len);
		mcap_json_raw(out, ": ");
		mcap_json_string(out, v.data, v.len);
		first = false;
	}
	mcap_json_raw(out, "}");
}

static const SchemaInfo *
schema_of(const Info *info, uint16_t id)
{
	int32_t		slot = info->schema_slot[id];

	return slot < 0 ? NULL : &((const SchemaInfo *) info->schemas.items)[slot];
}

static int
compare_channel_infos(const void *a, const void *b)
{
	return (int) ((const ChannelInfo *) a)->id -
		(int) ((const ChannelInfo *) b)->id;
}

static int
compare_schema_infos(const void *a, const void *b)
{
	return (int) ((const SchemaInfo *) a)->id -
		(int) ((const SchemaInfo *) b)->id;
}

static void
write_channel(McapBuffer *out, const Info *info, const ChannelInfo *c)
{
	const SchemaInfo *s = schema_of(info, c->schema_id);
	Text		none = {0, 0, false};
	uint64_t	span = c->end_time - c->start_time;

	mcap_json_raw(out, "{");
	key(out, "id", true);
	mcap_json_u64(out, c->id);
	key_text(out, info, "topic", c->topic);
	key_text(out, info, "message_encoding", c->message_encoding);
	key(out, "metadata", false);
	write_string_map(out, info, c->metadata);
	key_u64(out, "schema_id", c->schema_id);
	key_text(out, info, "schema_name", s ? s->name : none);
	key_text(out, info, "schema_encoding", s ? s->encoding : none);
	key_u64(out, "message_count", c->message_count);
	write_time_range(out, c->message_count > 0, c->start_time, c->end_time);
	key(out, "rate_hz", false);
	if (c->message_count > 1 && span > 0)
		mcap_json_double(out, (double) (c->message_count - 1) * 1e9 / (double) span);
	else
		mcap_json_raw(out, "null");
	mcap_json_raw(out, "}");
}

static void
write_channels(McapBuffer *out, Info *info)
{
	/* the id -> slot table is not needed after this point, schemas' is */
	if (info->channels.count > 1)
		qsort(info->channels.items, info->channels.count,
			  sizeof(ChannelInfo), compare_channel_infos);
	key(out, "channels", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->channels.count; i++)
	{
		if (i > 0)
			mcap_json_raw(out, ", ");
		write_channel(out, info, channel_at(info, (int32_t) i));
	}
	mcap_json_raw(out, "]");
}

static void
write_schemas(McapBuffer *out, Info *info)
{
	const SchemaInfo *all = info->schemas.items;

	key(out, "schemas", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->schemas.count; i++)
	{
		if (i > 0)
			mcap_json_raw(out, ", ");
		mcap_json_raw(out, "{");
		key(out, "id", true);
		mcap_json_u64(out, all[i].id);
		key_text(out, info, "name", all[i].name);
		key_text(out, info, "encoding", all[i].encoding);
		key_u64(out, "size", all[i].size);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

static void
write_chunks(McapBuffer *out, const Info *info)
{
	uint64_t	compressed = 0;
	uint64_t	uncompressed = 0;

	key(out, "chunks", false);
	mcap_json_raw(out, "{");
	key(out, "count", true);
	mcap_json_u64(out, info->chunk_count);
	for (size_t i = 0; i < info->chunk_kinds; i++)
	{
		compressed += info->chunks[i].compressed;
		uncompressed += info->chunks[i].uncompressed;
	}
	key_u64(out, "compressed_bytes", compressed);
	key_u64(out, "uncompressed_bytes", uncompressed);
	key(out, "by_compression", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->chunk_kinds; i++)
	{
		const ChunkInfo *k = &info->chunks[i];

		mcap_json_raw(out, i > 0 ? ", {" : "{");
		key(out, "compression", true);
		mcap_json_string(out, text_data(info, k->compression),
						 k->compression.len);
		key_u64(out, "count", k->count);
		key_u64(out, "compressed_bytes", k->compressed);
		key_u64(out, "uncompressed_bytes", k->uncompressed);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]}");
}

static void
write_metadata(McapBuffer *out, const Info *info)
{
	const MetadataInfo *all = info->metadata.items;

	key(out, "metadata", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->metadata.count; i++)
	{
		mcap_json_raw(out, i > 0 ? ", {" : "{");
		key(out, "name", true);
		mcap_json_string(out, text_data(info, all[i].name), all[i].name.len);
		key(out, "metadata", false);
		write_string_map(out, info, all[i].map);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

static void
write_attachments(McapBuffer *out, const Info *info)
{
	const AttachmentInfo *all = info->attachments.items;

	key(out, "attachments", false);
	mcap_json_raw(out, "[");
	for (size_t i = 0; i < info->attachments.count; i++)
	{
		mcap_json_raw(out, i > 0 ? ", {" : "{");
		key(out, "name", true);
		mcap_json_string(out, text_data(info, all[i].name), all[i].name.len);
		key_text(out, info, "media_type", all[i].media_type);
		key_u64(out, "size", all[i].size);
		key_u64(out, "log_time", all[i].log_time);
		key_u64(out, "create_time", all[i].create_time);
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

/* Length of a problem's message, even if it lacks its terminator. */
static size_t
message_length(const McapError *e)
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

		mcap_json_raw(out, i > 0 ? ", {" : "{");
		key(out, "status", true);
		mcap_json_cstring(out, mcap_status_name(e->code));
		key_u64(out, "offset", e->offset);
		key(out, "message", false);
		mcap_json_string(out, e->message, message_length(e));
		mcap_json_raw(out, "}");
	}
	mcap_json_raw(out, "]");
}

/* The recovery as a JSON object: shared with what ingest stores. */
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

static void
write_info(McapBuffer *out, Info *info, const McapRecovery *rec)
{
	Text		none = {0, 0, false};
	uint64_t	span = info->end_time - info->start_time;

	mcap_json_raw(out, "{");
	key(out, "header", true);
	mcap_json_raw(out, "{");
	key(out, "profile", true);
	if (info->has_header)
		mcap_json_string(out, text_data(info, info->profile),
						 info->profile.len);
	else
		mcap_json_raw(out, "null");
	key_text(out, info, "library", info->has_header ? info->library : none);
	mcap_json_raw(out, "}");
	key_u64(out, "message_count", info->message_count);
	write_time_range(out, info->message_count > 0, info->start_time,
					 info->end_time);
	key_u64(out, "duration_ns", info->message_count > 0 ? span : 0);
	key(out, "duration_s", false);
	mcap_json_double(out, info->message_count > 0 ? (double) span / 1e9 : 0.0);
	write_channels(out, info);
	if (info->schemas.count > 1)
		qsort(info->schemas.items, info->schemas.count, sizeof(SchemaInfo),
			  compare_schema_infos);
	write_schemas(out, info);
	write_chunks(out, info);
	write_metadata(out, info);
	write_attachments(out, info);
	key(out, "recovery", false);
	mcap_recovery_json(rec, out);
	mcap_json_raw(out, "}");
}

/* ----------------------------------------------------------------
 * Entry point
 * ----------------------------------------------------------------
 */
static void
info_free(Info *info)
{
	mcap_buffer_free(&info->strings);
	free(info->channel_slot);
	free(info->schema_slot);
	free(info->channels.items);
	free(info->schemas.items);
	free(info->metadata.items);
	free(info->attachments.items);
}

static bool
info_init(Info *info)
{
	memset(info, 0, sizeof(*info));
	mcap_buffer_init(&info->strings);
	info->channel_slot = malloc(65536 * sizeof(int32_t));
	info->schema_slot = malloc(65536 * sizeof(int32_t));
	if (info->channel_slot == NULL || info->schema_slot == NULL)
		return false;
	memset(info->channel_slot, 0xFF, 65536 * sizeof(int32_t));
	memset(info->schema_slot, 0xFF, 65536 * sizeof(int32_t));
	return true;
}

McapStatus
mcap_info_json(McapReader *reader, McapBuffer *out, McapError *err)
{
	Info		info;
	McapRecord	rec;
	McapError	e;
	int			res;
	McapStatus	st = MCAP_OK;

	if (reader == NULL || out == NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "reader or output buffer is NULL");
	if (!info_init(&info))
	{
		info_free(&info);
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate the info tables");
	}
	mcap_reader_report_chunks(reader);
	while ((res = mcap_reader_next(reader, &rec, &e)) == 1)
		take_record(&info, &rec);
	if (res < 0)
	{
		st = e.code;
		if (err != NULL)
			*err = e;
	}
	else if (info.nomem)
		st = mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							"cannot allocate the info tables");
	else
	{
		write_info(out, &info, mcap_reader_recovery(reader));
		if (out->failed)
			st = mcap_error_set(err, MCAP_ERR_NOMEM, 0,
								"cannot allocate the info text");
	}
	info_free(&info);
	return st;
}
