/*-------------------------------------------------------------------------
 *
 * reader_resume.c
 *	  Reading a stream in pieces: where a reader that reached the end of
 *	  its input stopped (the start of the first record it did not have
 *	  whole, and its running checksums there), and a reader that goes on
 *	  from that point over the bytes that follow.  A live ingest keeps the
 *	  point between the pieces of a file that is still being written.
 *
 *-------------------------------------------------------------------------
 */
#include "reader_int.h"

#include <string.h>

#define FLAG_AFTER_FOOTER		0x01
#define FLAG_DATA_CRC			0x02
#define FLAG_SUMMARY_CRC		0x04

void
mcap_reader_resume_point(const McapReader *r, McapResumePoint *at)
{
	memset(at, 0, sizeof(*at));
	at->offset = r->skip_to > r->recovery.valid_end ?
		r->skip_to : r->recovery.valid_end;
	at->after_footer = r->footer_read && !r->recovery.complete;
	at->data_crc_active = r->data_crc_active;
	at->data_crc = r->data_crc;
	at->summary_crc_active = r->summary_crc_active;
	at->summary_crc = r->summary_crc;
	at->summary_crc_start = r->summary_crc_start;
}

McapReader *
mcap_reader_open_resumed(const uint8_t *data, size_t len,
						 const McapResumePoint *at,
						 const McapReaderOptions *opts, McapError *err)
{
	McapReader *r;

	if ((data == NULL && len > 0) || at == NULL ||
		at->offset < MCAP_MAGIC_SIZE || len > UINT64_MAX - at->offset)
	{
		mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
					   "no data or no valid point to resume at");
		return NULL;
	}
	r = mcap_reader_new(opts, err);
	if (r == NULL)
		return NULL;
	if (!mcap_reader_attach_decompressor(r, err))
	{
		mcap_reader_close(r);
		return NULL;
	}
	r->mem = data != NULL ? data : mcap_reader_empty_input;
	r->mem_base = at->offset;
	r->mem_len = at->offset + len;
	r->recovery.bytes_read = len;
	r->pos = at->offset;
	r->recovery.valid_end = at->offset;
	r->state = at->after_footer ? STATE_AFTER_FOOTER : STATE_RECORDS;
	r->footer_read = at->after_footer;
	r->data_crc_active = at->data_crc_active && !r->opts.skip_crc_checks;
	r->data_crc = at->data_crc;
	r->summary_crc_active = at->summary_crc_active && !r->opts.skip_crc_checks;
	r->summary_crc = at->summary_crc;
	r->summary_crc_start = at->summary_crc_start;
	return r;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/*
 * Little-endian: offset (8), flags (1), 3 bytes of zeros, data CRC (4),
 * summary CRC (4), summary CRC start (8), 4 bytes of zeros.
 */
void
mcap_resume_point_encode(const McapResumePoint *at,
						 uint8_t out[MCAP_RESUME_POINT_SIZE])
{
	memset(out, 0, MCAP_RESUME_POINT_SIZE);
	put_u64(out, at->offset);
	out[8] = (at->after_footer ? FLAG_AFTER_FOOTER : 0) |
		(at->data_crc_active ? FLAG_DATA_CRC : 0) |
		(at->summary_crc_active ? FLAG_SUMMARY_CRC : 0);
	put_u32(out + 12, at->data_crc);
	put_u32(out + 16, at->summary_crc);
	put_u64(out + 20, at->summary_crc_start);
}

bool
mcap_resume_point_decode(const uint8_t *in, size_t len, McapResumePoint *at)
{
	if (len != MCAP_RESUME_POINT_SIZE ||
		(in[8] & ~(FLAG_AFTER_FOOTER | FLAG_DATA_CRC | FLAG_SUMMARY_CRC)) != 0)
		return false;
	at->offset = mcap_load_u64(in);
	at->after_footer = (in[8] & FLAG_AFTER_FOOTER) != 0;
	at->data_crc_active = (in[8] & FLAG_DATA_CRC) != 0;
	at->summary_crc_active = (in[8] & FLAG_SUMMARY_CRC) != 0;
	at->data_crc = mcap_load_u32(in + 12);
	at->summary_crc = mcap_load_u32(in + 16);
	at->summary_crc_start = mcap_load_u64(in + 20);
	return at->offset >= MCAP_MAGIC_SIZE;
}
