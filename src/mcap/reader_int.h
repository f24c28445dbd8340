/*-------------------------------------------------------------------------
 *
 * reader_int.h
 *	  The streaming reader's state, shared by its files: opening it
 *	  (reader_open.c), its byte access (reader_input.c), and reading
 *	  records (reader.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MCAP_READER_INT_H
#define HDAQ_MCAP_READER_INT_H

#include "mcap_internal.h"

typedef enum ReaderState
{
	STATE_RECORDS,				/* between top-level records */
	STATE_CHUNK_PENDING,		/* a Chunk was returned; expand it next */
	STATE_IN_CHUNK,				/* returning the records of a chunk */
	STATE_AFTER_FOOTER,			/* the Footer was returned; magic next */
	STATE_DONE
} ReaderState;

/* What one step of the reader produced. */
typedef enum StepResult
{
	STEP_ERROR = -1,
	STEP_END = 0,
	STEP_RECORD = 1,
	STEP_AGAIN = 2				/* nothing to return yet: keep going */
} StepResult;

struct McapReader
{
	McapReaderOptions opts;
	bool		report_chunks;

	/* memory mode: mem holds the stream's bytes from mem_base on */
	const uint8_t *mem;
	uint64_t	mem_base;
	uint64_t	mem_len;		/* offset of the end of the input */

	/* source mode: buf holds the stream's bytes from buf_offset on */
	McapReadFn	read_fn;
	void	   *read_ctx;
	uint8_t    *buf;
	size_t		buf_len;
	size_t		buf_cap;
	uint64_t	buf_offset;
	bool		eof;

	ReaderState state;
	bool		finished;
	uint64_t	pos;			/* offset of the next top-level record */
	uint64_t	skipped_bytes;	/* of skipped chunks and records */
	uint64_t	skip_to;		/* end of an oversized record cut short */
	bool		footer_read;

	/* the chunk being expanded */
	McapChunk	chunk;
	uint64_t	chunk_offset;
	uint64_t	chunk_record_len;
	bool		chunk_is_partial;	/* prefix of a cut-short chunk */
	McapBytes	chunk_records;
	uint64_t	chunk_pos;
	McapChunkBuffer chunk_buf;
	McapDecompressor *dec;

	/* running checksums */
	bool		data_crc_active;
	uint32_t	data_crc;
	bool		summary_crc_active;
	uint64_t	summary_crc_start;
	uint32_t	summary_crc;

	McapRecovery recovery;
};

static inline bool
source_mode(const McapReader *r)
{
	return r->read_fn != NULL;
}

/* Note a problem at a file offset. */
static inline void
add_problem(McapReader *r, const McapError *e)
{
	mcap_recovery_add_problem(&r->recovery, e);
}

static inline uint64_t
input_end(const McapReader *r)
{
	if (source_mode(r))
		return r->buf_offset + r->buf_len;
	return r->mem_len;
}

/* reader_input.c: where views of an empty input point */
extern const uint8_t mcap_reader_empty_input[1];

/*
 * Make n bytes at offset off readable.  Returns 1 with *p pointing at them,
 * 0 when the input ends first (*p and *avail then describe what there is),
 * -1 on an I/O or memory error.  In source mode, the bytes before off may
 * be released: views into them are no longer valid.
 */
extern int	mcap_reader_fetch(McapReader *r, uint64_t off, uint64_t n,
							  const uint8_t **p, uint64_t *avail,
							  McapError *err);

/* Read the rest of a source, counting but not keeping it. */
extern bool mcap_reader_drain_source(McapReader *r, McapError *err);

/*
 * reader.c: end the stream, reading what is left of a source (to count it)
 * and settling the recovery's totals.
 */
extern void mcap_reader_finish(McapReader *r, McapError *err);

/* reader_open.c: a reader without input, and setting one up to read */
extern McapReader *mcap_reader_new(const McapReaderOptions *opts,
								   McapError *err);
extern bool mcap_reader_attach_decompressor(McapReader *r, McapError *err);

#endif							/* HDAQ_MCAP_READER_INT_H */
