/*-------------------------------------------------------------------------
 *
 * info_read.c
 *	  Reading what `mcap info` shows about a file into an McapInfo: one
 *	  pass of the streaming reader, counting what is really there.
 *
 * The structure is what hdaq.info() and `hdaq info` show (info_json.c
 * writes it as JSON; the command prints it).  Its text is kept in blocks
 * that never move, so the McapInfoText views stay valid until
 * mcap_info_free(); what it keeps is bounded (see mcap.h), whatever a file
 * claims.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_COMPRESSIONS 16		/* distinct compressions listed */
#define MAX_TEXT_BYTES	4096	/* a longer name or topic is cut there */
#define MAX_MAP_BYTES	65536	/* a larger map is kept empty */
#define MAX_STORE_BYTES (64 * 1024 * 1024)	/* all kept text together */
#define TEXT_BLOCK_BYTES 65536	/* text is kept in blocks of this size */
#define ID_SLOTS 65536			/* channel and schema ids are uint16 */

/* A block of kept text; a longer text gets a block of its own. */
typedef struct TextBlock
{
	struct TextBlock *next;
	size_t		used;
	size_t		cap;
	char		data[];
} TextBlock;

/* A growable array of fixed-size items. */
typedef struct Array
{
	void	   *items;
	size_t		count;
	size_t		cap;
} Array;

/*
 * An McapInfo with the memory it owns and the state of reading it.  The
 * info comes first: mcap_info_free() gets back here from its address.
 */
typedef struct InfoOwner
{
	McapInfo	info;
	TextBlock  *blocks;			/* newest first */
	size_t		kept;			/* bytes of text kept */
	bool		nomem;
	int32_t    *channel_slot;	/* channel id -> index in channels, or -1 */
	int32_t    *schema_slot;	/* schema id -> index in schemas, or -1 */
	Array		channels;		/* McapInfoChannel */
	Array		schemas;		/* McapInfoSchema */
	Array		metadata;		/* McapInfoMetadata */
	Array		attachments;	/* McapInfoAttachment */
	McapInfoCompression compressions[MAX_COMPRESSIONS];
} InfoOwner;

/* ----------------------------------------------------------------
 * Keeping text
 * ----------------------------------------------------------------
 */
static const McapInfoText no_text = {"", 0, false};

/* Room for len bytes of text; NULL if memory runs out. */
static char *
text_room(InfoOwner *o, size_t len)
{
	TextBlock  *b = o->blocks;

	if (b == NULL || b->cap - b->used < len)
	{
		size_t		cap = len > TEXT_BLOCK_BYTES ? len : TEXT_BLOCK_BYTES;

		b = malloc(sizeof(TextBlock) + cap);
		if (b == NULL)
		{
			o->nomem = true;
			return NULL;
		}
		b->next = o->blocks;
		b->used = 0;
		b->cap = cap;
		o->blocks = b;
	}
	b->used += len;
	return b->data + b->used - len;
}

/*
 * Copy bytes into the kept text.  Whatever a file claims, the text kept
 * stays small: past its limit nothing more is kept (present false).
 */
static McapInfoText
keep_text(InfoOwner *o, const void *data, size_t len)
{
	McapInfoText t = no_text;
	char	   *room = NULL;

	if (len > MAX_STORE_BYTES - o->kept)
		return t;
	if (len > 0 && (room = text_room(o, len)) == NULL)
		return t;
	if (len > 0)
	{
		memcpy(room, data, len);
		o->kept += len;
		t.data = room;
		t.len = len;
	}
	t.present = true;
	return t;
}

static McapInfoText
keep_string(InfoOwner *o, McapString s)
{
	return keep_text(o, s.data, s.len < MAX_TEXT_BYTES ? s.len : MAX_TEXT_BYTES);
}

static McapStringMap
keep_map(InfoOwner *o, McapStringMap m)
{
	McapStringMap kept = {(const uint8_t *) "", 0};
	McapInfoText t;

	if (m.len > MAX_MAP_BYTES)
		return kept;
	t = keep_text(o, m.data, (size_t) m.len);
	kept.data = (const uint8_t *) t.data;
	kept.len = t.len;
	return kept;
}

/* ----------------------------------------------------------------
 * Arrays and the id tables
 * ----------------------------------------------------------------
 */

/* Append a zeroed item to an array; NULL if memory runs out. */
static void *
array_add(InfoOwner *o, Array *a, size_t size)
{
	char	   *item;

	if (a->count == a->cap)
	{
		size_t		cap = a->cap == 0 ? 16 : a->cap * 2;
		void	   *grown = cap > SIZE_MAX / size ? NULL :
			realloc(a->items, cap * size);

		if (grown == NULL)
		{
			o->nomem = true;
			return NULL;
		}
		a->items = grown;
		a->cap = cap;
	}
	item = (char *) a->items + a->count++ * size;
	memset(item, 0, size);
	return item;
}

static McapInfoChannel *
channel_at(const InfoOwner *o, int32_t slot)
{
	return &((McapInfoChannel *) o->channels.items)[slot];
}

/* The entry for a channel id, created (undefined) if there is none. */
static McapInfoChannel *
channel_entry(InfoOwner *o, uint16_t id)
{
	McapInfoChannel *c;

	if (o->channel_slot[id] >= 0)
		return channel_at(o, o->channel_slot[id]);
	c = array_add(o, &o->channels, sizeof(McapInfoChannel));
	if (c == NULL)
		return NULL;
	c->id = id;
	c->topic = no_text;
	c->message_encoding = no_text;
	c->metadata.data = (const uint8_t *) "";
	o->channel_slot[id] = (int32_t) (o->channels.count - 1);
	return c;
}

/* ----------------------------------------------------------------
 * Taking records
 * ----------------------------------------------------------------
 */
static void
take_header(InfoOwner *o, const McapHeader *h)
{
	if (o->info.has_header)
		return;
	o->info.has_header = true;
	o->info.profile = keep_string(o, h->profile);
	o->info.library = keep_string(o, h->library);
}

static void
take_channel(InfoOwner *o, const McapChannel *ch)
{
	McapInfoChannel *c = channel_entry(o, ch->id);

	if (c == NULL || c->defined)
		return;
	c->defined = true;
	c->schema_id = ch->schema_id;
	c->topic = keep_string(o, ch->topic);
	c->message_encoding = keep_string(o, ch->message_encoding);
	c->metadata = keep_map(o, ch->metadata);
}

static void
take_schema(InfoOwner *o, const McapSchema *s)
{
	McapInfoSchema *si;

	if (o->schema_slot[s->id] >= 0)
		return;
	si = array_add(o, &o->schemas, sizeof(McapInfoSchema));
	if (si == NULL)
		return;
	o->schema_slot[s->id] = (int32_t) (o->schemas.count - 1);
	si->id = s->id;
	si->name = keep_string(o, s->name);
	si->encoding = keep_string(o, s->encoding);
	si->size = s->data.len;
}

/* Widen [*start, *end] (empty while *count is 0) to hold t. */
static void
widen_time_range(uint64_t *count, uint64_t *start, uint64_t *end, uint64_t t)
{
	if (*count == 0 || t < *start)
		*start = t;
	if (*count == 0 || t > *end)
		*end = t;
	(*count)++;
}

static void
take_message(InfoOwner *o, const McapMessage *m)
{
	McapInfoChannel *c = channel_entry(o, m->channel_id);

	widen_time_range(&o->info.message_count, &o->info.start_time,
					 &o->info.end_time, m->log_time);
	if (c != NULL)
		widen_time_range(&c->message_count, &c->start_time, &c->end_time,
						 m->log_time);
}

/* The entry of a chunk's compression; past the limit, the last entry. */
static McapInfoCompression *
compression_entry(InfoOwner *o, McapString compression)
{
	McapInfo   *info = &o->info;

	for (size_t i = 0; i < info->compression_count; i++)
	{
		const McapInfoText *t = &o->compressions[i].compression;

		if (t->len == compression.len &&
			memcmp(t->data, compression.data, t->len) == 0)
			return &o->compressions[i];
	}
	if (info->compression_count < MAX_COMPRESSIONS)
	{
		McapInfoCompression *k = &o->compressions[info->compression_count++];

		k->compression = keep_string(o, compression);
		return k;
	}
	return &o->compressions[MAX_COMPRESSIONS - 1];
}

static void
take_chunk(InfoOwner *o, const McapChunk *ch)
{
	McapInfoCompression *k = compression_entry(o, ch->compression);

	o->info.chunk_count++;
	k->count++;
	k->compressed_bytes += ch->records.len;
	k->uncompressed_bytes += ch->uncompressed_size;
}

static void
take_metadata(InfoOwner *o, const McapMetadata *md)
{
	McapInfoMetadata *mi = array_add(o, &o->metadata,
									 sizeof(McapInfoMetadata));

	if (mi == NULL)
		return;
	mi->name = keep_string(o, md->name);
	mi->map = keep_map(o, md->metadata);
}

static void
take_attachment(InfoOwner *o, const McapAttachment *a)
{
	McapInfoAttachment *ai = array_add(o, &o->attachments,
									   sizeof(McapInfoAttachment));

	if (ai == NULL)
		return;
	ai->name = keep_string(o, a->name);
	ai->media_type = keep_string(o, a->media_type);
	ai->size = a->data.len;
	ai->log_time = a->log_time;
	ai->create_time = a->create_time;
}

static void
take_record(InfoOwner *o, const McapRecord *rec)
{
	switch (rec->opcode)
	{
		case MCAP_OP_HEADER:
			take_header(o, &rec->u.header);
			break;
		case MCAP_OP_SCHEMA:
			take_schema(o, &rec->u.schema);
			break;
		case MCAP_OP_CHANNEL:
			take_channel(o, &rec->u.channel);
			break;
		case MCAP_OP_MESSAGE:
			take_message(o, &rec->u.message);
			break;
		case MCAP_OP_CHUNK:
			if (!rec->in_chunk)
				take_chunk(o, &rec->u.chunk);
			break;
		case MCAP_OP_METADATA:
			take_metadata(o, &rec->u.metadata);
			break;
		case MCAP_OP_ATTACHMENT:
			take_attachment(o, &rec->u.attachment);
			break;
		default:
			break;
	}
}

/* ----------------------------------------------------------------
 * Finishing: order, links between entries, derived figures
 * ----------------------------------------------------------------
 */
static int
compare_channels(const void *a, const void *b)
{
	return (int) ((const McapInfoChannel *) a)->id -
		(int) ((const McapInfoChannel *) b)->id;
}

static int
compare_schemas(const void *a, const void *b)
{
	return (int) ((const McapInfoSchema *) a)->id -
		(int) ((const McapInfoSchema *) b)->id;
}

/* The schema with an id, in the schemas sorted by id; NULL if none. */
static const McapInfoSchema *
find_schema(const InfoOwner *o, uint16_t id)
{
	McapInfoSchema key;

	if (o->schemas.count == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, o->schemas.items, o->schemas.count,
				   sizeof(McapInfoSchema), compare_schemas);
}

static void
finish_channel(const InfoOwner *o, McapInfoChannel *c)
{
	uint64_t	span = c->end_time - c->start_time;

	c->schema = find_schema(o, c->schema_id);
	c->has_rate = c->message_count > 1 && span > 0;
	if (c->has_rate)
		c->rate_hz = (double) (c->message_count - 1) * 1e9 / (double) span;
}

static void
finish_info(InfoOwner *o, const McapRecovery *rec)
{
	McapInfo   *info = &o->info;

	if (o->schemas.count > 1)
		qsort(o->schemas.items, o->schemas.count, sizeof(McapInfoSchema),
			  compare_schemas);
	if (o->channels.count > 1)
		qsort(o->channels.items, o->channels.count, sizeof(McapInfoChannel),
			  compare_channels);
	for (size_t i = 0; i < o->channels.count; i++)
		finish_channel(o, channel_at(o, (int32_t) i));
	info->duration_ns = info->message_count > 0 ?
		info->end_time - info->start_time : 0;
	for (size_t i = 0; i < info->compression_count; i++)
	{
		info->chunk_compressed_bytes += o->compressions[i].compressed_bytes;
		info->chunk_uncompressed_bytes += o->compressions[i].uncompressed_bytes;
	}
	info->channels = o->channels.items;
	info->channel_count = o->channels.count;
	info->schemas = o->schemas.items;
	info->schema_count = o->schemas.count;
	info->compressions = o->compressions;
	info->metadata = o->metadata.items;
	info->metadata_count = o->metadata.count;
	info->attachments = o->attachments.items;
	info->attachment_count = o->attachments.count;
	info->recovery = *rec;
}

/* ----------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------
 */
static void
drop_id_tables(InfoOwner *o)
{
	free(o->channel_slot);
	free(o->schema_slot);
	o->channel_slot = NULL;
	o->schema_slot = NULL;
}

void
mcap_info_free(McapInfo *info)
{
	InfoOwner  *o = (InfoOwner *) info;

	if (o == NULL)
		return;
	while (o->blocks != NULL)
	{
		TextBlock  *next = o->blocks->next;

		free(o->blocks);
		o->blocks = next;
	}
	drop_id_tables(o);
	free(o->channels.items);
	free(o->schemas.items);
	free(o->metadata.items);
	free(o->attachments.items);
	free(o);
}

static InfoOwner *
info_new(void)
{
	InfoOwner  *o = calloc(1, sizeof(InfoOwner));

	if (o == NULL)
		return NULL;
	o->info.profile = no_text;
	o->info.library = no_text;
	o->channel_slot = malloc(ID_SLOTS * sizeof(int32_t));
	o->schema_slot = malloc(ID_SLOTS * sizeof(int32_t));
	if (o->channel_slot == NULL || o->schema_slot == NULL)
	{
		mcap_info_free(&o->info);
		return NULL;
	}
	memset(o->channel_slot, 0xFF, ID_SLOTS * sizeof(int32_t));
	memset(o->schema_slot, 0xFF, ID_SLOTS * sizeof(int32_t));
	return o;
}

McapInfo *
mcap_info_read(McapReader *reader, McapError *err)
{
	InfoOwner  *o;
	McapRecord	rec;
	McapError	e;
	int			res;

	if (reader == NULL)
	{
		mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0, "reader is NULL");
		return NULL;
	}
	if ((o = info_new()) == NULL)
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate the info tables");
		return NULL;
	}
	mcap_reader_report_chunks(reader);
	while ((res = mcap_reader_next(reader, &rec, &e)) == 1)
		take_record(o, &rec);
	drop_id_tables(o);
	if (res < 0 || o->nomem)
	{
		if (res < 0 && err != NULL)
			*err = e;
		else if (res >= 0)
			mcap_error_set(err, MCAP_ERR_NOMEM, 0,
						   "cannot allocate the info tables");
		mcap_info_free(&o->info);
		return NULL;
	}
	finish_info(o, mcap_reader_recovery(reader));
	return &o->info;
}
