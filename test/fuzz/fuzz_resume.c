/*-------------------------------------------------------------------------
 *
 * fuzz_resume.c
 *	  libFuzzer target for reading a stream in pieces (reader_resume.c):
 *	  the input read whole and read in pieces, a reader resumed at the
 *	  saved point after each piece, must return the same records at the
 *	  same offsets, nothing twice, and agree on whether the footer came.
 *	  The first four bytes choose the piece sizes; the rest is the stream.
 *
 * See test/fuzz/README.md for how to build and run it.
 *
 *-------------------------------------------------------------------------
 */
#include "../../src/mcap/mcap_internal.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_CHUNK_BYTES	((uint64_t) 4 * 1024 * 1024)

/* What a read returned: a running digest of its records, and how it ended. */
typedef struct Trace
{
	uint64_t	records;
	uint32_t	digest;
	bool		complete;
} Trace;

static void
options(McapReaderOptions *opts)
{
	mcap_reader_options_init(opts);
	opts->max_chunk_bytes = FUZZ_MAX_CHUNK_BYTES;
	opts->max_record_bytes = FUZZ_MAX_CHUNK_BYTES;
	opts->stop_before_incomplete = true;
}

static void
trace_records(McapReader *r, Trace *t)
{
	McapRecord	rec;
	McapError	err;

	while (mcap_reader_next(r, &rec, &err) == 1)
	{
		t->records++;
		t->digest = mcap_crc32_update(t->digest, &rec.opcode, 1);
		t->digest = mcap_crc32_update(t->digest, &rec.offset, 8);
		t->digest = mcap_crc32_update(t->digest, &rec.chunk_offset, 8);
		t->digest = mcap_crc32_update(t->digest, rec.body.data,
									  (size_t) rec.body.len);
	}
	t->complete = t->complete || mcap_reader_recovery(r)->complete;
}

static bool
read_whole(const uint8_t *data, size_t len, Trace *t)
{
	McapReaderOptions opts;
	McapError	err;
	McapReader *r;

	options(&opts);
	r = mcap_reader_open_memory(data, len, &opts, &err);
	if (r == NULL)
		return false;
	trace_records(r, t);
	mcap_reader_close(r);
	return true;
}

/* Returns false when the first piece has no opening magic. */
static bool
read_in_pieces(const uint8_t *data, size_t len, uint32_t seed, Trace *t)
{
	McapReaderOptions opts;
	McapResumePoint at = {0};
	size_t		received = 0;

	options(&opts);
	while (received < len && !t->complete)
	{
		McapReader *r;
		McapError	err;
		size_t		piece;

		seed = seed * 1103515245u + 12345u;
		piece = 1 + (seed >> 8) % 512;
		received = piece > len - received ? len : received + piece;
		if (at.offset == 0 && received < MCAP_MAGIC_SIZE && received < len)
			continue;			/* the magic is not whole yet */
		if (at.offset == 0)
			r = mcap_reader_open_memory(data, received, &opts, &err);
		else if (at.offset >= received)
			continue;			/* still inside a skipped record */
		else
			r = mcap_reader_open_resumed(data + at.offset,
										 received - at.offset, &at, &opts,
										 &err);
		if (r == NULL)
			return false;
		trace_records(r, t);
		mcap_reader_resume_point(r, &at);
		mcap_reader_close(r);
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Trace		whole = {0};
	Trace		pieces = {0};
	uint32_t	seed;
	bool		opened;

	if (size < 4)
		return 0;
	memcpy(&seed, data, 4);
	data += 4;
	size -= 4;
	opened = read_whole(data, size, &whole);
	if (read_in_pieces(data, size, seed, &pieces) != opened)
		abort();
	if (!opened)
		return 0;
	if (whole.records != pieces.records || whole.digest != pieces.digest ||
		whole.complete != pieces.complete)
		abort();
	return 0;
}
