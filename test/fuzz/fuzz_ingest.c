/*-------------------------------------------------------------------------
 *
 * fuzz_ingest.c
 *	  libFuzzer target: the ingest path as the server runs it, on the
 *	  cores alone.  The stream is read with the server's reader options
 *	  (message indexes skipped, chunks capped), each channel's messages are
 *	  buffered, cut into segments at a small target size, sorted by log
 *	  time keeping file order on ties, compressed with zstd at level 1 and
 *	  then read back: decompressed and walked record by record, as
 *	  engine/segment_write.c and engine/segment_read.c do with the same
 *	  core calls.  Every message read must come back once, in its channel,
 *	  in log-time order within its segment, with its bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "../../src/mcap/mcap.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_CHUNK_BYTES	((uint64_t) 4 * 1024 * 1024)
#define SEGMENT_TARGET_BYTES	4096

typedef struct Entry
{
	uint64_t	log_time;
	size_t		offset;
	size_t		length;
	uint32_t	pos;
} Entry;

typedef struct Channel
{
	McapBuffer	records;
	Entry	   *entries;
	uint32_t	count;
	uint32_t	cap;
	uint64_t	messages_in;
	uint64_t	bytes_in;
	uint64_t	messages_out;
	uint64_t	bytes_out;
} Channel;

typedef struct Ingest
{
	Channel    *channels[65536];
	McapCompressor *comp;
	McapDecompressor *dec;
	McapBuffer	sorted;
	McapBuffer	compressed;
	McapBuffer	plain;
} Ingest;

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
compare_entries(const void *a, const void *b)
{
	const Entry *x = a;
	const Entry *y = b;

	if (x->log_time != y->log_time)
		return x->log_time < y->log_time ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos ? 1 : 0);
}

/* Read a segment's bytes back as the server does, checking each message. */
static void
read_back(Ingest *ing, uint16_t channel_id, Channel *ch, const McapBuffer *stored,
		  const char *compression, size_t plain_len)
{
	McapString	comp = {compression, (uint32_t) strlen(compression)};
	McapError	err;
	const uint8_t *p;
	size_t		pos = 0;
	uint64_t	last = 0;

	mcap_buffer_reset(&ing->plain);
	if (!mcap_buffer_reserve(&ing->plain, plain_len ? plain_len : 1))
		abort();
	if (comp.len > 0 &&
		mcap_decompress(ing->dec, comp, stored->data, stored->len,
						ing->plain.data, plain_len, &err) != MCAP_OK)
		abort();				/* what we compressed must decompress */
	p = comp.len > 0 ? ing->plain.data : stored->data;
	while (pos < plain_len)
	{
		uint64_t	body_len = 0;
		McapRecord	rec;

		if (plain_len - pos < 9 || p[pos] != MCAP_OP_MESSAGE)
			abort();
		for (int i = 8; i >= 1; i--)
			body_len = (body_len << 8) | p[pos + i];
		if (body_len > plain_len - pos - 9 ||
			mcap_parse_record(MCAP_OP_MESSAGE, p + pos + 9, body_len, &rec, &err) != MCAP_OK)
			abort();
		if (rec.u.message.channel_id != channel_id || rec.u.message.log_time < last)
			abort();
		last = rec.u.message.log_time;
		ch->messages_out++;
		ch->bytes_out += rec.u.message.data.len;
		pos += 9 + body_len;
	}
}

/* Sort, compress and read back what a channel has buffered. */
static void
flush(Ingest *ing, uint16_t channel_id, Channel *ch)
{
	McapError	err;
	const McapBuffer *records = &ch->records;
	static const McapString zstd = {"zstd", 4};

	if (ch->count == 0)
		return;
	qsort(ch->entries, ch->count, sizeof(Entry), compare_entries);
	mcap_buffer_reset(&ing->sorted);
	for (uint32_t i = 0; i < ch->count; i++)
		mcap_buffer_append(&ing->sorted, ch->records.data + ch->entries[i].offset,
						   ch->entries[i].length);
	if (ing->sorted.failed || ing->sorted.len != ch->records.len)
		abort();
	records = &ing->sorted;
	mcap_buffer_reset(&ing->compressed);
	if (mcap_compress(ing->comp, zstd, 1, records->data, records->len,
					  &ing->compressed, &err) != MCAP_OK)
		abort();
	if (ing->compressed.len < records->len)
		read_back(ing, channel_id, ch, &ing->compressed, "zstd", records->len);
	else
		read_back(ing, channel_id, ch, records, "", records->len);
	mcap_buffer_reset(&ch->records);
	ch->count = 0;
}

static void
add_message(Ingest *ing, const McapMessage *msg)
{
	Channel    *ch = ing->channels[msg->channel_id];
	size_t		before;

	if (ch == NULL)
	{
		ch = calloc(1, sizeof(Channel));
		if (ch == NULL)
			abort();
		mcap_buffer_init(&ch->records);
		ing->channels[msg->channel_id] = ch;
	}
	if (ch->count == ch->cap)
	{
		ch->cap = ch->cap ? ch->cap * 2 : 16;
		ch->entries = realloc(ch->entries, ch->cap * sizeof(Entry));
		if (ch->entries == NULL)
			abort();
	}
	before = ch->records.len;
	mcap_buffer_append_message(&ch->records, msg);
	if (ch->records.failed)
		abort();
	ch->entries[ch->count] = (Entry) {msg->log_time, before, ch->records.len - before, ch->count};
	ch->count++;
	ch->messages_in++;
	ch->bytes_in += msg->data.len;
	if (ch->records.len >= SEGMENT_TARGET_BYTES)
		flush(ing, msg->channel_id, ch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Ingest ing;
	McapReaderOptions opts;
	McapReader *reader;
	McapRecord	rec;
	McapError	err;

	memset(&ing, 0, sizeof(ing));
	ing.comp = mcap_compressor_new();
	ing.dec = mcap_decompressor_new();
	mcap_buffer_init(&ing.sorted);
	mcap_buffer_init(&ing.compressed);
	mcap_buffer_init(&ing.plain);
	mcap_reader_options_init(&opts);
	opts.max_chunk_bytes = FUZZ_MAX_CHUNK_BYTES;
	opts.max_record_bytes = FUZZ_MAX_CHUNK_BYTES;
	opts.skip_message_indexes = true;
	reader = mcap_reader_open_memory(data, size, &opts, &err);
	if (reader != NULL)
	{
		while (mcap_reader_next(reader, &rec, &err) > 0)
			if (rec.opcode == MCAP_OP_MESSAGE)
				add_message(&ing, &rec.u.message);
		mcap_reader_close(reader);
	}
	for (uint32_t id = 0; id < 65536; id++)
	{
		Channel    *ch = ing.channels[id];

		if (ch == NULL)
			continue;
		flush(&ing, (uint16_t) id, ch);
		if (ch->messages_out != ch->messages_in || ch->bytes_out != ch->bytes_in)
			abort();			/* a message was lost or duplicated */
		mcap_buffer_free(&ch->records);
		free(ch->entries);
		free(ch);
	}
	mcap_buffer_free(&ing.sorted);
	mcap_buffer_free(&ing.compressed);
	mcap_buffer_free(&ing.plain);
	mcap_compressor_free(ing.comp);
	mcap_decompressor_free(ing.dec);
	return 0;
}
