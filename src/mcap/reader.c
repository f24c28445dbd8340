/*-------------------------------------------------------------------------
 *
 * reader.c
 *	  The streaming reader: an MCAP stream front to back, record by record,
 *	  over a buffer in memory (zero copy) or over a byte source (bounded
 *	  memory), with chunk expansion, CRC checks and recovery of damaged
 *	  streams.
 *
 * In source mode the reader keeps one buffer holding the bytes from the
 * current record on.  It grows only when it is full, by doubling, so it
 * never holds much more than the bytes the source has really delivered: a
 * record that merely claims to be huge costs nothing until its bytes come.
 *
 * Damage is never fatal once the opening magic is read.  A record that does
 * not parse is skipped; a chunk that fails to decompress or fails its CRC is
 * skipped; a stream cut short ends after its last complete record, and when
 * it was cut inside a chunk, the complete records of the chunk's
 * decompressible prefix are returned too.  A record that declares more
 * bytes than its cap (max_record_bytes; for a Chunk, max_chunk_bytes and
 * the margin compression may add) is read through without being kept and
 * skipped, like a bad chunk; when the stream ends inside it, the stream is
 * truncated there.  Everything is noted in the McapRecovery.
 *
 * Opening a reader is reader_open.c's; the byte access over memory and
 * over a source, reader_input.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "reader_int.h"

#include <stdlib.h>
#include <string.h>

/* An over-limit record is read through in pieces of this size. */
#define SKIP_PIECE_BYTES	((uint64_t) 1024 * 1024)

void
mcap_reader_report_chunks(McapReader *reader)
{
	reader->report_chunks = true;
	reader->opts.expand_chunks = true;
}

const McapRecovery *
mcap_reader_recovery(const McapReader *reader)
{
	return &reader->recovery;
}

/* ----------------------------------------------------------------
 * The end of the stream
 * ----------------------------------------------------------------
 */

/*
 * End the stream: read what is left of a source (to count it) and settle
 * the recovery's totals.
 */
void
mcap_reader_finish(McapReader *r, McapError *err)
{
	McapError	e;

	if (r->finished)
		return;
	r->finished = true;
	r->state = STATE_DONE;
	if (source_mode(r) && !mcap_reader_drain_source(r, &e))
	{
		add_problem(r, &e);
		if (err != NULL)
			*err = e;
	}
	r->recovery.bytes_dropped = r->skipped_bytes;
	if (input_end(r) > r->recovery.valid_end)
		r->recovery.bytes_dropped += input_end(r) - r->recovery.valid_end;
}

/* ----------------------------------------------------------------
 * Checksums
 * ----------------------------------------------------------------
 */

/* Add a consumed top-level record's bytes to the running CRCs. */
static void
crc_consume(McapReader *r, uint8_t opcode, const uint8_t *p, uint64_t n)
{
	if (r->data_crc_active && opcode != MCAP_OP_DATA_END)
		r->data_crc = mcap_crc32_update(r->data_crc, p, (size_t) n);
	else if (r->summary_crc_active && opcode != MCAP_OP_FOOTER)
		r->summary_crc = mcap_crc32_update(r->summary_crc, p, (size_t) n);
}

static void
check_data_end(McapReader *r, const McapRecord *rec)
{
	McapError	e;
	uint32_t	want = rec->u.data_end.data_section_crc;

	if (r->data_crc_active && want != 0 && want != r->data_crc)
	{
		mcap_error_set(&e, MCAP_ERR_CRC, rec->offset,
					   "data section CRC is %08x, DataEnd says %08x",
					   r->data_crc, want);
		add_problem(r, &e);
	}
	if (r->data_crc_active)
	{
		r->data_crc_active = false;
		r->summary_crc_active = true;
		r->summary_crc_start = r->pos;
		r->summary_crc = 0;
	}
}

/*
 * The footer's CRC covers the summary section and the footer up to the CRC
 * itself.  It can be checked when the summary starts right after DataEnd
 * (we have its running CRC) or when there is no summary section.
 */
static void
check_footer(McapReader *r, const McapRecord *rec)
{
	const McapFooter *f = &rec->u.footer;
	const uint8_t *prefix = rec->body.data - MCAP_RECORD_PREFIX_SIZE;
	uint64_t	region = f->summary_start != 0 ? f->summary_start : rec->offset;
	uint32_t	crc;
	McapError	e;

	if (r->opts.skip_crc_checks || f->summary_crc == 0)
		return;
	if (region == rec->offset)
		crc = mcap_crc32(prefix, MCAP_RECORD_PREFIX_SIZE + 16);
	else if (r->summary_crc_active && region == r->summary_crc_start)
		crc = mcap_crc32_update(r->summary_crc, prefix,
								MCAP_RECORD_PREFIX_SIZE + 16);
	else
		return;
	if (crc != f->summary_crc)
	{
		mcap_error_set(&e, MCAP_ERR_CRC, rec->offset,
					   "summary CRC is %08x, Footer says %08x",
					   crc, f->summary_crc);
		add_problem(r, &e);
	}
}

/*
 * An Attachment's CRC covers its fields up to the CRC itself.  False (and
 * a problem noted) if it is non-zero and does not match.
 */
static bool
attachment_crc_ok(McapReader *r, const McapRecord *rec)
{
	const McapAttachment *a = &rec->u.attachment;
	uint64_t	covered = (uint64_t) (a->data.data - rec->body.data) + a->data.len;
	uint32_t	crc;
	McapError	e;

	if (r->opts.skip_crc_checks || a->crc == 0)
		return true;
	crc = mcap_crc32(rec->body.data, (size_t) covered);
	if (crc == a->crc)
		return true;
	mcap_error_set(&e, MCAP_ERR_CRC, rec->offset,
				   "attachment CRC is %08x, record says %08x", crc, a->crc);
	add_problem(r, &e);
	return false;
}

/* After the Footer: the closing magic, then nothing. */
static StepResult
read_closing_magic(McapReader *r, McapError *err)
{
	const uint8_t *p;
	uint64_t	avail;
	McapError	e;
	int			res = mcap_reader_fetch(r, r->pos, MCAP_MAGIC_SIZE, &p, &avail, err);

	if (res < 0)
		return STEP_ERROR;
	if (res == 0 && memcmp(p, MCAP_MAGIC, (size_t) avail) == 0)
	{
		mcap_error_set(&e, MCAP_ERR_TRUNCATED, r->pos,
					   "the stream ends inside the closing magic");
		r->recovery.truncated = true;
	}
	else if (res == 0 || memcmp(p, MCAP_MAGIC, MCAP_MAGIC_SIZE) != 0)
	{
		mcap_error_set(&e, MCAP_ERR_CORRUPT, r->pos,
					   "the Footer is not followed by the closing magic");
		r->recovery.trailing_data = true;
		r->recovery.trailing_offset = r->pos;
	}
	else
	{
		r->pos += MCAP_MAGIC_SIZE;
		r->recovery.valid_end = r->pos;
		r->recovery.complete = true;
		if (mcap_reader_fetch(r, r->pos, 1, &p, &avail, err) < 0)
			return STEP_ERROR;
		if (avail > 0)
		{
			r->recovery.trailing_data = true;
			r->recovery.trailing_offset = r->pos;
		}
		mcap_reader_finish(r, err);
		return STEP_END;
	}
	add_problem(r, &e);
	mcap_reader_finish(r, err);
	return STEP_END;
}

/* ----------------------------------------------------------------
 * Chunks
 * ----------------------------------------------------------------
 */

/* Decompress and check the saved chunk, and start returning its records. */
static StepResult
start_chunk(McapReader *r, McapError *err)
{
	McapError	e;
	McapStatus	st;

	st = mcap_chunk_load(r->dec, &r->chunk, r->opts.max_chunk_bytes,
						 !r->opts.skip_crc_checks, &r->chunk_buf,
						 &r->chunk_records, &e);
	if (st == MCAP_ERR_NOMEM)
	{
		e.offset = r->chunk_offset;
		if (err != NULL)
			*err = e;
		mcap_reader_finish(r, NULL);
		return STEP_ERROR;
	}
	if (st != MCAP_OK)
	{
		e.offset = r->chunk_offset;
		add_problem(r, &e);
		r->recovery.chunks_skipped++;
		r->skipped_bytes += r->chunk_record_len;
		r->state = STATE_RECORDS;
		return STEP_AGAIN;
	}
	r->chunk_pos = 0;
	r->chunk_is_partial = false;
	r->state = STATE_IN_CHUNK;
	return STEP_AGAIN;
}

/* The chunk's records are used up: back to top-level records, or the end. */
static StepResult
end_chunk(McapReader *r, McapError *err)
{
	if (r->chunk_is_partial)
	{
		mcap_reader_finish(r, err);
		return STEP_END;
	}
	r->state = STATE_RECORDS;
	return STEP_AGAIN;
}

/*
 * A chunk holds Schema, Channel and Message records.  Anything else is
 * refused, so that a small file cannot expand into, say, millions of
 * Metadata records for a caller to keep.
 */
static bool
allowed_in_chunk(uint8_t opcode)
{
	return opcode == MCAP_OP_SCHEMA || opcode == MCAP_OP_CHANNEL ||
		opcode == MCAP_OP_MESSAGE;
}

/* Next record inside the chunk being expanded. */
static StepResult
next_chunk_record(McapReader *r, McapRecord *rec, McapError *err)
{
	for (;;)
	{
		uint8_t		opcode;
		McapBytes	body;
		McapError	e;
		uint64_t	at = r->chunk_pos;
		int			res = mcap_split_record(r->chunk_records.data,
											r->chunk_records.len, at,
											&opcode, &body);

		if (res == 0)
			return end_chunk(r, err);
		if (res < 0)
		{
			if (!r->chunk_is_partial)
			{
				mcap_error_set(&e, MCAP_ERR_CORRUPT, r->chunk_offset,
							   "record at offset %llu of the chunk's records goes past their end",
							   (unsigned long long) at);
				add_problem(r, &e);
				r->recovery.records_skipped++;
			}
			return end_chunk(r, err);
		}
		r->chunk_pos = at + MCAP_RECORD_PREFIX_SIZE + body.len;
		if (!mcap_opcode_known(opcode))
			continue;
		if (!allowed_in_chunk(opcode))
		{
			mcap_error_set(&e, MCAP_ERR_CORRUPT, r->chunk_offset,
						   "%s record at offset %llu of the chunk's records: only Schema, Channel and Message records belong in a chunk",
						   mcap_opcode_name(opcode), (unsigned long long) at);
			add_problem(r, &e);
			r->recovery.records_skipped++;
			continue;
		}
		if (mcap_parse_record(opcode, body.data, body.len, rec, &e) != MCAP_OK)
		{
			e.offset = r->chunk_offset;
			add_problem(r, &e);
			r->recovery.records_skipped++;
			continue;
		}
		rec->in_chunk = true;
		rec->offset = at;
		rec->chunk_offset = r->chunk_offset;
		return STEP_RECORD;
	}
}

/*
 * The stream ends inside a Chunk record.  Recover the complete records of
 * the part of it that is there: its fields up to the records, then as much
 * of the records as decompresses.  False if nothing can be recovered.
 */
static bool
start_partial_chunk(McapReader *r, uint64_t offset, const uint8_t *body,
					uint64_t have)
{
	McapCursor	c;
	McapChunk	chunk;
	uint64_t	records_len;
	McapError	e;

	mcap_cursor_init(&c, body, have);
	memset(&chunk, 0, sizeof(chunk));
	if (!mcap_cursor_u64(&c, &chunk.message_start_time) ||
		!mcap_cursor_u64(&c, &chunk.message_end_time) ||
		!mcap_cursor_u64(&c, &chunk.uncompressed_size) ||
		!mcap_cursor_u32(&c, &chunk.uncompressed_crc) ||
		!mcap_cursor_string(&c, &chunk.compression) ||
		!mcap_cursor_u64(&c, &records_len))
		return false;
	if (records_len > mcap_cursor_left(&c))
		records_len = mcap_cursor_left(&c);
	if (mcap_chunk_load_prefix(r->dec, chunk.compression, c.data + c.pos,
							   (size_t) records_len, chunk.uncompressed_size,
							   r->opts.max_chunk_bytes, &r->chunk_buf,
							   &r->chunk_records, &e) != MCAP_OK)
	{
		e.offset = offset;
		add_problem(r, &e);
		return false;
	}
	r->chunk_offset = offset;
	r->chunk_pos = 0;
	r->chunk_is_partial = true;
	r->state = STATE_IN_CHUNK;
	return true;
}

/* ----------------------------------------------------------------
 * Top-level records
 * ----------------------------------------------------------------
 */

/* The stream ended at offset start with avail (< 9) bytes of a prefix. */
static StepResult
end_at_record_start(McapReader *r, uint64_t start, uint64_t avail,
					McapError *err)
{
	McapError	e;

	if (avail > 0)
	{
		mcap_error_set(&e, MCAP_ERR_TRUNCATED, start,
					   "the stream ends %llu bytes into a record's opcode and length",
					   (unsigned long long) avail);
		add_problem(r, &e);
		r->recovery.truncated = true;
	}
	mcap_reader_finish(r, err);
	return STEP_END;
}

/* The stream ended inside the body of the record at start. */
static StepResult
end_inside_record(McapReader *r, uint64_t start, uint8_t opcode,
				  uint64_t body_len, const uint8_t *p, uint64_t avail,
				  McapError *err)
{
	McapError	e;

	mcap_error_set(&e, MCAP_ERR_TRUNCATED, start,
				   "the stream ends inside a%s %s record that declares %llu bytes; %llu are there",
				   opcode == MCAP_OP_ATTACHMENT ? "n" : "",
				   mcap_opcode_name(opcode),
				   (unsigned long long) body_len,
				   (unsigned long long) (avail - MCAP_RECORD_PREFIX_SIZE));
	add_problem(r, &e);
	r->recovery.truncated = true;
	if (opcode == MCAP_OP_CHUNK && r->opts.expand_chunks &&
		!r->opts.stop_before_incomplete &&
		start_partial_chunk(r, start, p + MCAP_RECORD_PREFIX_SIZE,
							avail - MCAP_RECORD_PREFIX_SIZE))
		return STEP_AGAIN;
	mcap_reader_finish(r, err);
	return STEP_END;
}

/*
 * The largest body a top-level record of this opcode may have.  A Chunk
 * holds compressed records of at most max_chunk_bytes, and compression may
 * make them slightly larger than that (zstd and lz4 add at most about 1/256
 * plus a frame), so its cap has that margin; every other record is capped
 * at max_record_bytes.
 */
static uint64_t
record_limit(const McapReader *r, uint8_t opcode)
{
	if (opcode == MCAP_OP_CHUNK)
		return r->opts.max_chunk_bytes + r->opts.max_chunk_bytes / 128 + 65536;
	return r->opts.max_record_bytes;
}

/*
 * The stream ended inside an oversized record being skipped, and will be
 * read on from where it ends: count it as skipped now.  The running data
 * CRC cannot cover bytes that are not kept, so it stops being checked.
 */
static void
skip_rest_later(McapReader *r, uint8_t opcode, uint64_t end)
{
	r->skip_to = end;
	r->data_crc_active = false;
	r->summary_crc_active = false;
	if (opcode == MCAP_OP_CHUNK)
		r->recovery.chunks_skipped++;
	else
		r->recovery.records_skipped++;
}

/*
 * A record declares more bytes than its cap: skip it without keeping its
 * bytes (a source is read through in pieces, each added to the running
 * CRC), and count it like a bad chunk.  When the stream ends inside it,
 * the stream is truncated there.
 */
static StepResult
skip_oversized_record(McapReader *r, uint64_t start, uint8_t opcode,
					  uint64_t body_len, McapError *err)
{
	uint64_t	total_len;
	uint64_t	done = 0;
	McapError	e;

	mcap_error_set(&e, MCAP_ERR_TOO_LARGE, start,
				   "%s record declares %llu bytes, more than the limit of %llu: skipped",
				   mcap_opcode_name(opcode), (unsigned long long) body_len,
				   (unsigned long long) record_limit(r, opcode));
	add_problem(r, &e);
	/* a length that overflows the offsets runs past any stream */
	if (body_len > UINT64_MAX - MCAP_RECORD_PREFIX_SIZE - start)
		total_len = UINT64_MAX - start;
	else
		total_len = MCAP_RECORD_PREFIX_SIZE + body_len;
	while (done < total_len)
	{
		uint64_t	piece = total_len - done;
		const uint8_t *p;
		uint64_t	avail;
		int			res;

		if (piece > SKIP_PIECE_BYTES)
			piece = SKIP_PIECE_BYTES;
		res = mcap_reader_fetch(r, start + done, piece, &p, &avail, err);
		if (res < 0)
			return STEP_ERROR;
		if (res == 0)
		{
			r->recovery.truncated = true;
			if (r->opts.stop_before_incomplete)
				skip_rest_later(r, opcode, start + total_len);
			mcap_reader_finish(r, err);
			return STEP_END;
		}
		crc_consume(r, opcode, p, piece);
		done += piece;
	}
	r->pos = start + total_len;
	r->recovery.valid_end = r->pos;
	r->skipped_bytes += total_len;
	if (opcode == MCAP_OP_CHUNK)
		r->recovery.chunks_skipped++;
	else
		r->recovery.records_skipped++;
	return STEP_AGAIN;
}

/* A known record whose body does not parse: skip it and go on. */
static StepResult
skip_malformed(McapReader *r, uint64_t start, uint8_t opcode,
			   uint64_t total_len, McapError *e)
{
	e->offset += start + MCAP_RECORD_PREFIX_SIZE;
	add_problem(r, e);
	r->skipped_bytes += total_len;
	if (opcode == MCAP_OP_CHUNK)
		r->recovery.chunks_skipped++;
	else
		r->recovery.records_skipped++;
	return STEP_AGAIN;
}

/* Act on a parsed top-level record; say whether to return it. */
static StepResult
dispatch(McapReader *r, McapRecord *rec, uint64_t total_len)
{
	switch (rec->opcode)
	{
		case MCAP_OP_DATA_END:
			check_data_end(r, rec);
			break;
		case MCAP_OP_FOOTER:
			check_footer(r, rec);
			r->footer_read = true;
			r->state = STATE_AFTER_FOOTER;
			break;
		case MCAP_OP_CHUNK:
			if (!r->opts.expand_chunks)
				break;
			r->chunk = rec->u.chunk;
			r->chunk_offset = rec->offset;
			r->chunk_record_len = total_len;
			r->state = STATE_CHUNK_PENDING;
			return r->report_chunks ? STEP_RECORD : STEP_AGAIN;
		case MCAP_OP_MESSAGE_INDEX:
			if (r->opts.skip_message_indexes)
				return STEP_AGAIN;
			break;
		case MCAP_OP_ATTACHMENT:
			if (!attachment_crc_ok(r, rec))
			{
				r->recovery.records_skipped++;
				r->skipped_bytes += total_len;
				return STEP_AGAIN;
			}
			break;
		default:
			break;
	}
	return STEP_RECORD;
}

static StepResult
next_top_record(McapReader *r, McapRecord *rec, McapError *err)
{
	uint64_t	start = r->pos;
	const uint8_t *p;
	uint64_t	avail;
	uint8_t		opcode;
	uint64_t	body_len;
	uint64_t	total_len;
	McapError	e;
	int			res;

	res = mcap_reader_fetch(r, start, MCAP_RECORD_PREFIX_SIZE, &p, &avail, err);
	if (res < 0)
		return STEP_ERROR;
	if (res == 0)
		return end_at_record_start(r, start, avail, err);
	opcode = p[0];
	body_len = mcap_load_u64(p + 1);
	if (body_len > record_limit(r, opcode) ||
		body_len > UINT64_MAX - MCAP_RECORD_PREFIX_SIZE - start)
		return skip_oversized_record(r, start, opcode, body_len, err);
	total_len = MCAP_RECORD_PREFIX_SIZE + body_len;
	res = mcap_reader_fetch(r, start, total_len, &p, &avail, err);
	if (res < 0)
		return STEP_ERROR;
	if (res == 0)
		return end_inside_record(r, start, opcode, body_len, p, avail, err);

	crc_consume(r, opcode, p, total_len);
	r->pos = start + total_len;
	r->recovery.valid_end = r->pos;
	if (!mcap_opcode_known(opcode))
		return STEP_AGAIN;
	if (mcap_parse_record(opcode, p + MCAP_RECORD_PREFIX_SIZE, body_len, rec,
						  &e) != MCAP_OK)
		return skip_malformed(r, start, opcode, total_len, &e);
	rec->offset = start;
	return dispatch(r, rec, total_len);
}

int
mcap_reader_next(McapReader *reader, McapRecord *rec, McapError *err)
{
	StepResult	res = STEP_AGAIN;

	if (reader == NULL || rec == NULL)
	{
		mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
					   "reader or record is NULL");
		return -1;
	}
	while (res == STEP_AGAIN)
	{
		switch (reader->state)
		{
			case STATE_RECORDS:
				res = next_top_record(reader, rec, err);
				break;
			case STATE_CHUNK_PENDING:
				res = start_chunk(reader, err);
				break;
			case STATE_IN_CHUNK:
				res = next_chunk_record(reader, rec, err);
				break;
			case STATE_AFTER_FOOTER:
				res = read_closing_magic(reader, err);
				break;
			case STATE_DONE:
				res = STEP_END;
				break;
		}
	}
	if (res == STEP_ERROR)
		reader->state = STATE_DONE;
	return (int) res;
}
