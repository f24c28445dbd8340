/*-------------------------------------------------------------------------
 *
 * iter.c
 *	  Indexed message iteration: the messages of a set of channels within a
 *	  time range, in log-time order (ties in file order), over a file in
 *	  memory.
 *
 * Chunks come from the summary's chunk indexes; chunks whose time range or
 * channel list (when the index has one: an empty list means unknown) shows
 * they cannot match are never decompressed.  A file without chunk indexes
 * is scanned for its Chunk records instead, and messages outside chunks are
 * found by a scan of the top-level records, which is cheap because it does
 * not decompress anything.
 *
 * Chunks are loaded in order of their start time, only when the next
 * message to return could come from them, and merged through a binary heap
 * of "sources" (one per loaded chunk, one for the top-level messages), each
 * holding its matching messages sorted by (log time, file position).
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * A matching message and where it is, for ordering; its record is parsed
 * again when it is handed out, so that an entry takes 24 bytes, less than
 * the smallest Message record (31): a chunk's entries never take more
 * memory than the chunk.
 */
typedef struct Entry
{
	uint64_t	log_time;
	uint64_t	record_offset;	/* the top-level record holding it */
	uint64_t	inner_offset;	/* its offset inside that chunk, or 0 */
} Entry;

/* Messages of one chunk (or the top-level ones), sorted, and their bytes. */
typedef struct Source
{
	Entry	   *entries;
	size_t		count;
	size_t		cap;
	size_t		next;
	McapBytes	records;		/* where the entries' records are */
	bool		top;			/* top-level: at record_offset in records */
	McapChunkBuffer buf;
	struct Source *free_next;
} Source;

/* A chunk that may hold matching messages. */
typedef struct ChunkRef
{
	uint64_t	start_time;
	uint64_t	end_time;
	uint64_t	offset;
} ChunkRef;

struct McapMessageIter
{
	const uint8_t *data;
	size_t		len;
	McapReaderOptions opts;
	uint64_t	start;
	uint64_t	end;
	uint8_t    *channel_filter; /* bit per channel id; NULL = all */

	ChunkRef   *chunks;			/* sorted by start time, then offset */
	size_t		chunk_count;
	size_t		chunk_cap;
	size_t		next_chunk;

	Source		top;			/* messages outside chunks */
	Source	  **heap;			/* sources with messages left */
	size_t		heap_len;
	size_t		heap_cap;
	Source	   *free_sources;	/* loaded before, now empty: reuse */
	Source	  **source_list;	/* every chunk source allocated */
	size_t		source_count;
	size_t		source_list_cap;

	McapDecompressor *dec;
	uint64_t	memory_budget;	/* for chunk sources, however they overlap */
	McapRecovery recovery;
};

/* ----------------------------------------------------------------
 * Filters and ordering
 * ----------------------------------------------------------------
 */
static bool
channel_wanted(const McapMessageIter *it, uint16_t id)
{
	return it->channel_filter == NULL ||
		(it->channel_filter[id >> 3] & (1u << (id & 7))) != 0;
}

static bool
message_wanted(const McapMessageIter *it, const McapMessage *m)
{
	return m->log_time >= it->start && m->log_time <= it->end &&
		channel_wanted(it, m->channel_id);
}

static int
compare_entries(const Entry *a, const Entry *b)
{
	if (a->log_time != b->log_time)
		return a->log_time < b->log_time ? -1 : 1;
	if (a->record_offset != b->record_offset)
		return a->record_offset < b->record_offset ? -1 : 1;
	if (a->inner_offset != b->inner_offset)
		return a->inner_offset < b->inner_offset ? -1 : 1;
	return 0;
}

static int
compare_entries_qsort(const void *a, const void *b)
{
	return compare_entries(a, b);
}

static int
compare_chunk_offsets(const void *a, const void *b)
{
	const ChunkRef *x = a;
	const ChunkRef *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

static int
compare_chunk_refs(const void *a, const void *b)
{
	const ChunkRef *x = a;
	const ChunkRef *y = b;

	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

static void
add_problem(McapMessageIter *it, McapStatus code, uint64_t offset,
			const McapError *cause, const char *what)
{
	McapError	e;

	if (cause != NULL)
		mcap_error_set(&e, cause->code, offset, "%s", cause->message);
	else
		mcap_error_set(&e, code, offset, "%s", what);
	mcap_recovery_add_problem(&it->recovery, &e);
}

/* ----------------------------------------------------------------
 * Sources
 * ----------------------------------------------------------------
 */
/* Make room for want entries in all (a count known in advance). */
static bool
source_reserve(Source *src, size_t want)
{
	Entry	   *grown;

	if (want <= src->cap)
		return true;
	if (want > SIZE_MAX / sizeof(Entry))
		return false;
	grown = realloc(src->entries, want * sizeof(Entry));
	if (grown == NULL)
		return false;
	src->entries = grown;
	src->cap = want;
	return true;
}

static bool
source_append(Source *src, const McapMessage *msg, uint64_t record_offset,
			  uint64_t inner_offset)
{
	Entry	   *e;

	if (src->count == src->cap &&
		!source_reserve(src, src->cap == 0 ? 256 : src->cap * 2))
		return false;
	e = &src->entries[src->count++];
	e->log_time = msg->log_time;
	e->record_offset = record_offset;
	e->inner_offset = inner_offset;
	return true;
}

/* The message of an entry, parsed again from its record. */
static bool
entry_message(const Source *src, const Entry *e, McapMessage *msg)
{
	uint8_t		opcode;
	McapBytes	body;
	McapRecord	rec;
	uint64_t	at = src->top ? e->record_offset : e->inner_offset;

	if (mcap_split_record(src->records.data, src->records.len, at, &opcode,
						  &body) != 1 || opcode != MCAP_OP_MESSAGE ||
		mcap_parse_record(opcode, body.data, body.len, &rec, NULL) != MCAP_OK)
		return false;
	*msg = rec.u.message;
	return true;
}

static void
source_sort(Source *src)
{
	if (src->count > 1)
		qsort(src->entries, src->count, sizeof(Entry), compare_entries_qsort);
	src->next = 0;
}

/* A source with no entries, reused if one is free. */
static Source *
source_get(McapMessageIter *it)
{
	Source	   *src = it->free_sources;

	if (src != NULL)
	{
		it->free_sources = src->free_next;
		src->count = 0;
		src->next = 0;
		return src;
	}
	if (it->source_count == it->source_list_cap)
	{
		size_t		cap = it->source_list_cap == 0 ? 8 : it->source_list_cap * 2;
		Source	  **grown = realloc(it->source_list, cap * sizeof(Source *));

		if (grown == NULL)
			return NULL;
		it->source_list = grown;
		it->source_list_cap = cap;
	}
	src = calloc(1, sizeof(Source));
	if (src != NULL)
		it->source_list[it->source_count++] = src;
	return src;
}

static void
source_put(McapMessageIter *it, Source *src)
{
	if (src == &it->top)
		return;
	src->free_next = it->free_sources;
	it->free_sources = src;
}

/* ----------------------------------------------------------------
 * The heap of sources, ordered by their next entry
 * ----------------------------------------------------------------
 */
static bool
source_before(const Source *a, const Source *b)
{
	return compare_entries(&a->entries[a->next], &b->entries[b->next]) < 0;
}

static void
heap_sift_down(McapMessageIter *it, size_t i)
{
	Source	  **h = it->heap;

	for (;;)
	{
		size_t		l = 2 * i + 1;
		size_t		r = l + 1;
		size_t		m = i;
		Source	   *tmp;

		if (l < it->heap_len && source_before(h[l], h[m]))
			m = l;
		if (r < it->heap_len && source_before(h[r], h[m]))
			m = r;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static bool
heap_push(McapMessageIter *it, Source *src)
{
	size_t		i;

	if (it->heap_len == it->heap_cap)
	{
		size_t		cap = it->heap_cap == 0 ? 8 : it->heap_cap * 2;
		Source	  **grown = realloc(it->heap, cap * sizeof(Source *));

		if (grown == NULL)
			return false;
		it->heap = grown;
		it->heap_cap = cap;
	}
	i = it->heap_len++;
	it->heap[i] = src;
	while (i > 0 && source_before(it->heap[i], it->heap[(i - 1) / 2]))
	{
		Source	   *tmp = it->heap[i];

		it->heap[i] = it->heap[(i - 1) / 2];
		it->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
	return true;
}

/*
 * Take the first entry of the heap's first source, and the source (its
 * bytes stay as they are until the next chunk is loaded).
 */
static const Entry *
heap_pop_entry(McapMessageIter *it, const Source **from)
{
	Source	   *src = it->heap[0];
	const Entry *e = &src->entries[src->next++];

	*from = src;
	if (src->next == src->count)
	{
		it->heap[0] = it->heap[--it->heap_len];
		source_put(it, src);
	}
	if (it->heap_len > 0)
		heap_sift_down(it, 0);
	return e;
}

/* ----------------------------------------------------------------
 * Chunks
 * ----------------------------------------------------------------
 */
static bool
add_chunk_ref(McapMessageIter *it, uint64_t start_time, uint64_t end_time,
			  uint64_t offset)
{
	if (end_time < it->start || start_time > it->end)
		return true;
	if (it->chunk_count == it->chunk_cap)
	{
		size_t		cap = it->chunk_cap == 0 ? 16 : it->chunk_cap * 2;
		ChunkRef   *grown;

		if (cap > SIZE_MAX / sizeof(ChunkRef))
			return false;
		grown = realloc(it->chunks, cap * sizeof(ChunkRef));
		if (grown == NULL)
			return false;
		it->chunks = grown;
		it->chunk_cap = cap;
	}
	it->chunks[it->chunk_count].start_time = start_time;
	it->chunks[it->chunk_count].end_time = end_time;
	it->chunks[it->chunk_count].offset = offset;
	it->chunk_count++;
	return true;
}

/* Can this chunk hold a wanted channel?  An empty list means unknown. */
static bool
chunk_has_wanted_channel(const McapMessageIter *it, const McapChunkIndex *ci)
{
	McapBytes	pairs = ci->message_index_offsets;

	if (it->channel_filter == NULL || pairs.len == 0)
		return true;
	for (uint64_t i = 0; i + 10 <= pairs.len; i += 10)
	{
		if (channel_wanted(it, mcap_load_u16(pairs.data + i)))
			return true;
	}
	return false;
}

static bool
add_indexed_chunks(McapMessageIter *it, const McapSummary *summary)
{
	for (size_t i = 0; i < summary->chunk_index_count; i++)
	{
		const McapChunkIndex *ci = &summary->chunk_indexes[i];

		if (chunk_has_wanted_channel(it, ci) &&
			!add_chunk_ref(it, ci->message_start_time, ci->message_end_time,
						   ci->chunk_start_offset))
			return false;
	}
	return true;
}

/* The Chunk record a chunk reference points to, parsed; false if none. */
static bool
find_chunk_record(McapMessageIter *it, const ChunkRef *ref, McapRecord *rec)
{
	uint8_t		opcode;
	McapBytes	body;
	McapError	e;

	if (mcap_split_record(it->data, it->len, ref->offset, &opcode, &body) != 1 ||
		opcode != MCAP_OP_CHUNK)
	{
		add_problem(it, MCAP_ERR_CORRUPT, ref->offset, NULL,
					"chunk index points to no Chunk record");
		return false;
	}
	if (mcap_parse_record(opcode, body.data, body.len, rec, &e) != MCAP_OK)
	{
		add_problem(it, MCAP_ERR_CORRUPT, ref->offset, &e, NULL);
		return false;
	}
	return true;
}

/*
 * Walk the matching messages of a chunk's records: count them (src NULL),
 * or append them to src.  Returns the count, or -1 when memory runs out.
 */
static int64_t
walk_chunk_messages(McapMessageIter *it, Source *src, McapBytes records,
					uint64_t chunk_offset)
{
	uint64_t	pos = 0;
	uint8_t		opcode;
	McapBytes	body;
	McapRecord	rec;
	int64_t		count = 0;
	int			res;

	while ((res = mcap_split_record(records.data, records.len, pos, &opcode,
									&body)) == 1)
	{
		uint64_t	at = pos;

		pos += MCAP_RECORD_PREFIX_SIZE + body.len;
		if (opcode != MCAP_OP_MESSAGE ||
			mcap_parse_record(opcode, body.data, body.len, &rec, NULL) != MCAP_OK ||
			!message_wanted(it, &rec.u.message))
			continue;
		if (src != NULL && !source_append(src, &rec.u.message, chunk_offset, at))
			return -1;
		count++;
	}
	if (res < 0 && src != NULL)
		add_problem(it, MCAP_ERR_CORRUPT, chunk_offset, NULL,
					"a record inside the chunk goes past its end");
	return count;
}

/*
 * Collect the matching messages of a chunk's records into src, with room
 * for exactly as many entries as there are.
 */
static bool
collect_chunk_messages(McapMessageIter *it, Source *src, McapBytes records,
					   uint64_t chunk_offset)
{
	int64_t		count = walk_chunk_messages(it, NULL, records, chunk_offset);

	src->records = records;
	src->top = false;
	if (count > 0 && !source_reserve(src, (size_t) count))
		return false;
	return walk_chunk_messages(it, src, records, chunk_offset) >= 0;
}

/* Bytes held by chunk sources, live and free. */
static uint64_t
memory_in_use(const McapMessageIter *it)
{
	uint64_t	total = 0;

	for (size_t i = 0; i < it->source_count; i++)
		total += it->source_list[i]->buf.cap +
			(uint64_t) it->source_list[i]->cap * sizeof(Entry);
	return total;
}

/*
 * Chunks whose time ranges overlap must be held at once to merge them.  A
 * hostile index can make every chunk overlap every other, so what they
 * hold together is capped at twice max_chunk_bytes: one chunk of the
 * largest size with its entries always fits.
 */
static bool
within_memory_budget(McapMessageIter *it, uint64_t offset, McapError *err)
{
	if (memory_in_use(it) <= it->memory_budget)
		return true;
	mcap_error_set(err, MCAP_ERR_TOO_LARGE, offset,
				   "chunks overlapping in time need more than %llu bytes at once",
				   (unsigned long long) it->memory_budget);
	return false;
}

/* Load the next chunk into a source and add it to the heap. */
static bool
load_chunk(McapMessageIter *it, const ChunkRef *ref, McapError *err)
{
	McapRecord	rec;
	McapBytes	records;
	McapError	e;
	Source	   *src;

	if (!find_chunk_record(it, ref, &rec))
	{
		it->recovery.chunks_skipped++;
		return true;
	}
	src = source_get(it);
	if (src == NULL)
		goto nomem;
	if (mcap_chunk_load(it->dec, &rec.u.chunk, it->opts.max_chunk_bytes,
						!it->opts.skip_crc_checks, &src->buf, &records,
						&e) != MCAP_OK)
	{
		source_put(it, src);
		if (e.code == MCAP_ERR_NOMEM)
			goto nomem;
		add_problem(it, e.code, ref->offset, &e, NULL);
		it->recovery.chunks_skipped++;
		return true;
	}
	if (!collect_chunk_messages(it, src, records, ref->offset))
		goto nomem;
	if (!within_memory_budget(it, ref->offset, err))
	{
		source_put(it, src);
		return false;
	}
	source_sort(src);
	if (src->count == 0)
	{
		source_put(it, src);
		return true;
	}
	if (heap_push(it, src))
		return true;
nomem:
	mcap_error_set(err, MCAP_ERR_NOMEM, ref->offset,
				   "cannot allocate memory for a chunk's messages");
	return false;
}

/* ----------------------------------------------------------------
 * Opening: the top-level scan
 * ----------------------------------------------------------------
 */

/*
 * Walk the top-level records: keep the matching messages outside chunks,
 * and when there are no chunk indexes, note every chunk.
 */
static bool
scan_top_level(McapMessageIter *it, bool note_chunks, McapError *err)
{
	McapReaderOptions ropts = it->opts;
	McapReader *reader;
	McapRecord	rec;
	int			res = 0;
	bool		ok = true;

	ropts.expand_chunks = false;
	ropts.skip_message_indexes = true;
	ropts.skip_crc_checks = true;
	reader = mcap_reader_open_memory(it->data, it->len, &ropts, err);
	if (reader == NULL)
		return false;
	while (ok && (res = mcap_reader_next(reader, &rec, err)) == 1)
	{
		if (rec.opcode == MCAP_OP_MESSAGE && message_wanted(it, &rec.u.message))
			ok = source_append(&it->top, &rec.u.message, rec.offset, 0);
		else if (rec.opcode == MCAP_OP_CHUNK && note_chunks)
			ok = add_chunk_ref(it, rec.u.chunk.message_start_time,
							   rec.u.chunk.message_end_time, rec.offset);
	}
	mcap_reader_close(reader);
	if (!ok)
		mcap_error_set(err, MCAP_ERR_NOMEM, 0,
					   "cannot allocate memory for the message list");
	return ok && res == 0;
}

/*
 * Load order: by start time, then file position.  A chunk listed twice (a
 * corrupt index) is loaded once.
 */
static void
order_chunks(McapMessageIter *it)
{
	size_t		kept = 0;

	if (it->chunk_count < 2)
		return;
	qsort(it->chunks, it->chunk_count, sizeof(ChunkRef), compare_chunk_offsets);
	for (size_t i = 0; i < it->chunk_count; i++)
	{
		if (kept == 0 || it->chunks[kept - 1].offset != it->chunks[i].offset)
			it->chunks[kept++] = it->chunks[i];
	}
	it->chunk_count = kept;
	qsort(it->chunks, it->chunk_count, sizeof(ChunkRef), compare_chunk_refs);
}

static bool
set_channel_filter(McapMessageIter *it, const uint16_t *ids, size_t count)
{
	if (ids == NULL || count == 0)
		return true;
	it->channel_filter = calloc(65536 / 8, 1);
	if (it->channel_filter == NULL)
		return false;
	for (size_t i = 0; i < count; i++)
		it->channel_filter[ids[i] >> 3] |= (uint8_t) (1u << (ids[i] & 7));
	return true;
}

static void
set_options(McapMessageIter *it, const McapReaderOptions *opts)
{
	if (opts != NULL)
		it->opts = *opts;
	else
		mcap_reader_options_init(&it->opts);
	if (it->opts.max_chunk_bytes == 0)
		it->opts.max_chunk_bytes = MCAP_DEFAULT_MAX_CHUNK_BYTES;
	if (it->opts.max_record_bytes == 0)
		it->opts.max_record_bytes = MCAP_DEFAULT_MAX_RECORD_BYTES;
}

McapMessageIter *
mcap_messages_open(const uint8_t *data, size_t len,
				   const McapSummary *summary,
				   const uint16_t *channel_ids, size_t channel_count,
				   uint64_t start, uint64_t end,
				   const McapReaderOptions *opts, McapError *err)
{
	McapMessageIter *it = calloc(1, sizeof(McapMessageIter));
	bool		indexed = summary != NULL && summary->chunk_index_count > 0;

	if (it == NULL)
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate an iterator");
		return NULL;
	}
	it->data = data;
	it->len = len;
	it->start = start;
	it->end = end;
	set_options(it, opts);
	it->memory_budget = 2 * it->opts.max_chunk_bytes;
	it->top.records.data = data;
	it->top.records.len = len;
	it->top.top = true;
	it->dec = mcap_decompressor_new();
	if (it->dec == NULL || !set_channel_filter(it, channel_ids, channel_count) ||
		(indexed && !add_indexed_chunks(it, summary)))
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate an iterator");
		mcap_messages_close(it);
		return NULL;
	}
	if (!scan_top_level(it, !indexed, err))
	{
		mcap_messages_close(it);
		return NULL;
	}
	order_chunks(it);
	source_sort(&it->top);
	if (it->top.count > 0 && !heap_push(it, &it->top))
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate an iterator");
		mcap_messages_close(it);
		return NULL;
	}
	return it;
}

/* ----------------------------------------------------------------
 * Iterating
 * ----------------------------------------------------------------
 */
int
mcap_messages_next(McapMessageIter *iter, McapMessage *msg, McapError *err)
{
	const Entry *e;
	const Source *from;

	/*
	 * Load every chunk that may hold a message earlier than (or tied with)
	 * the next one we have, then hand out the earliest.
	 */
	while (iter->next_chunk < iter->chunk_count &&
		   (iter->heap_len == 0 ||
			iter->chunks[iter->next_chunk].start_time <=
			iter->heap[0]->entries[iter->heap[0]->next].log_time))
	{
		if (!load_chunk(iter, &iter->chunks[iter->next_chunk++], err))
			return -1;
	}
	if (iter->heap_len == 0)
		return 0;
	e = heap_pop_entry(iter, &from);
	if (!entry_message(from, e, msg))
	{
		mcap_error_set(err, MCAP_ERR_CORRUPT, e->record_offset,
					   "a message moved while it was iterated");
		return -1;
	}
	return 1;
}

const McapRecovery *
mcap_messages_recovery(const McapMessageIter *iter)
{
	return &iter->recovery;
}

void
mcap_messages_close(McapMessageIter *iter)
{
	if (iter == NULL)
		return;
	for (size_t i = 0; i < iter->source_count; i++)
	{
		free(iter->source_list[i]->entries);
		mcap_chunk_buffer_free(&iter->source_list[i]->buf);
		free(iter->source_list[i]);
	}
	free(iter->source_list);
	free(iter->top.entries);
	free(iter->heap);
	free(iter->chunks);
	free(iter->channel_filter);
	mcap_decompressor_free(iter->dec);
	free(iter);
}
