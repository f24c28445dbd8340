/*-------------------------------------------------------------------------
 *
 * segment_read.c
 *	  Engine: the reading side of the segment store, for the scan:
 *	  decompress a stored segment and walk its Message records.  What is
 *	  stored is checked like any other input: a damaged segment is an
 *	  error naming it, never a read out of bounds.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/segment.h"

void
segment_open(McapDecompressor *dec, const char *compression,
			 const bytea *data, int32 uncompressed_size, McapBuffer *out,
			 SegmentCursor *cursor, const char *what)
{
	McapString	comp = {compression, (uint32) strlen(compression)};
	const uint8 *src = (const uint8 *) VARDATA_ANY(data);
	size_t		src_len = VARSIZE_ANY_EXHDR(data);
	McapError	err;

	if (uncompressed_size < 0)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
						errmsg("%s: negative uncompressed size", what)));
	if (comp.len == 0)
	{
		/* stored as is: walk the value's own bytes */
		cursor->data = src;
		cursor->len = src_len;
		cursor->pos = 0;
		return;
	}
	mcap_buffer_reset(out);
	if (!mcap_buffer_reserve(out, (size_t) uncompressed_size))
		hdaq_check_buffer(out);
	if (mcap_decompress(dec, comp, src, src_len, out->data,
						(size_t) uncompressed_size, &err) != MCAP_OK)
		hdaq_report_stored_error(&err, what);
	out->len = (size_t) uncompressed_size;
	cursor->data = out->data;
	cursor->len = out->len;
	cursor->pos = 0;
}

bool
segment_next(SegmentCursor *cursor, McapMessage *msg, const char *what)
{
	size_t		left = cursor->len - cursor->pos;
	const uint8 *p = cursor->data + cursor->pos;
	uint64		body_len = 0;
	McapRecord	rec;
	McapError	err;

	if (left == 0)
		return false;
	if (left < MCAP_RECORD_PREFIX_SIZE || p[0] != MCAP_OP_MESSAGE)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
						errmsg("%s: no Message record at offset %zu",
							   what, cursor->pos)));
	for (int i = 8; i >= 1; i--)
		body_len = (body_len << 8) | p[i];
	if (body_len > left - MCAP_RECORD_PREFIX_SIZE)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
						errmsg("%s: Message record at offset %zu overruns the segment",
							   what, cursor->pos)));
	if (mcap_parse_record(MCAP_OP_MESSAGE, p + MCAP_RECORD_PREFIX_SIZE,
						  body_len, &rec, &err) != MCAP_OK)
		hdaq_report_stored_error(&err, what);
	*msg = rec.u.message;
	cursor->pos += MCAP_RECORD_PREFIX_SIZE + body_len;
	return true;
}
