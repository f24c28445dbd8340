/*-------------------------------------------------------------------------
 *
 * reader_input.c
 *	  The streaming reader's byte access, the same over a buffer in memory
 *	  (zero copy) and over a byte source (one buffer holding the bytes from
 *	  the current record on, grown only when full, to what the record
 *	  being read needs).
 *
 *-------------------------------------------------------------------------
 */
#include "reader_int.h"

#include <stdlib.h>
#include <string.h>

#define SOURCE_READ_SIZE	65536

const uint8_t mcap_reader_empty_input[1];

/*
 * Forget the buffered bytes before offset off (source mode), moving the
 * rest to the front.  Done only before reading more, so each byte is moved
 * at most about once per read.
 */
static void
compact(McapReader *r, uint64_t off)
{
	uint64_t	drop = off - r->buf_offset;

	if (drop == 0)
		return;
	if (drop >= r->buf_len)
		r->buf_len = 0;
	else
	{
		memmove(r->buf, r->buf + drop, r->buf_len - (size_t) drop);
		r->buf_len -= (size_t) drop;
	}
	r->buf_offset = off;
}

/*
 * Grow the buffer (it is full) to hold want bytes, rounded up to a read:
 * no more than the record being read needs, so a record of the cap's size
 * costs the cap once, not the next power of two.  false if memory runs out.
 */
static bool
grow_buffer(McapReader *r, uint64_t want)
{
	uint64_t	cap;
	uint8_t    *grown;

	if (want > SIZE_MAX - SOURCE_READ_SIZE)
		return false;
	cap = (want + SOURCE_READ_SIZE - 1) / SOURCE_READ_SIZE * SOURCE_READ_SIZE;
	if (cap <= r->buf_cap)
		cap = r->buf_cap + SOURCE_READ_SIZE;
	grown = realloc(r->buf, (size_t) cap);
	if (grown == NULL)
		return false;
	r->buf = grown;
	r->buf_cap = (size_t) cap;
	return true;
}

/*
 * Read once from the source into the buffer's free space; want is how many
 * bytes the buffer should hold when it has to grow.
 */
static bool
read_source(McapReader *r, uint64_t want, McapError *err)
{
	int64_t		got;
	size_t		room;

	if (r->buf_len == r->buf_cap && !grow_buffer(r, want))
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, r->buf_offset + r->buf_len,
					   "cannot grow the read buffer past %zu bytes",
					   r->buf_cap);
		return false;
	}
	room = r->buf_cap - r->buf_len;
	got = r->read_fn(r->read_ctx, r->buf + r->buf_len, room);
	if (got < 0 || (uint64_t) got > room)
	{
		mcap_error_set(err, MCAP_ERR_IO, r->buf_offset + r->buf_len,
					   "the byte source reported an error");
		return false;
	}
	if (got == 0)
		r->eof = true;
	r->buf_len += (size_t) got;
	r->recovery.bytes_read += (uint64_t) got;
	return true;
}

/*
 * Make n bytes at offset off readable.  Returns 1 with *p pointing at them,
 * 0 when the input ends first (*p and *avail then describe what there is),
 * -1 on an I/O or memory error.  In source mode, the bytes before off may
 * be released: views into them are no longer valid.
 */
int
mcap_reader_fetch(McapReader *r, uint64_t off, uint64_t n, const uint8_t **p,
				  uint64_t *avail, McapError *err)
{
	if (!source_mode(r))
	{
		*avail = off < r->mem_len ? r->mem_len - off : 0;
		*p = r->mem + ((off < r->mem_len ? off : r->mem_len) - r->mem_base);
		return *avail >= n;
	}
	if (off + n > r->buf_offset + r->buf_len && !r->eof)
	{
		compact(r, off);
		while (r->buf_len < n && !r->eof)
		{
			if (!read_source(r, n, err))
				return -1;
		}
	}
	*avail = r->buf_offset + r->buf_len - off;
	*p = *avail > 0 ? r->buf + (off - r->buf_offset) : mcap_reader_empty_input;
	return *avail >= n;
}

/* Read the rest of a source, counting but not keeping it. */
bool
mcap_reader_drain_source(McapReader *r, McapError *err)
{
	while (!r->eof)
	{
		compact(r, r->buf_offset + r->buf_len);
		if (!read_source(r, SOURCE_READ_SIZE, err))
			return false;
	}
	return true;
}
