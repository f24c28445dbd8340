/*-------------------------------------------------------------------------
 *
 * buffer.c
 *	  A growable byte buffer with little-endian appenders, used to build
 *	  MCAP records and files in memory.
 *
 * An allocation failure does not abort: the buffer is marked failed, later
 * appends are ignored, and the caller checks buf->failed once at the end.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <stdlib.h>
#include <string.h>

void
mcap_buffer_init(McapBuffer *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->failed = false;
}

void
mcap_buffer_free(McapBuffer *buf)
{
	free(buf->data);
	mcap_buffer_init(buf);
}

void
mcap_buffer_reset(McapBuffer *buf)
{
	buf->len = 0;
	buf->failed = false;
}

/* Make room for extra more bytes; false (and failed set) if impossible. */
bool
mcap_buffer_reserve(McapBuffer *buf, size_t extra)
{
	size_t		need;
	size_t		cap;
	uint8_t    *grown;

	if (buf->failed)
		return false;
	if (extra > SIZE_MAX - buf->len)
	{
		buf->failed = true;
		return false;
	}
	need = buf->len + extra;
	if (need <= buf->cap)
		return true;
	cap = buf->cap < 256 ? 256 : buf->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	grown = realloc(buf->data, cap);
	if (grown == NULL)
	{
		buf->failed = true;
		return false;
	}
	buf->data = grown;
	buf->cap = cap;
	return true;
}

void
mcap_buffer_append(McapBuffer *buf, const void *data, size_t len)
{
	if (len == 0 || !mcap_buffer_reserve(buf, len))
		return;
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
}

void
mcap_buffer_append_u8(McapBuffer *buf, uint8_t v)
{
	mcap_buffer_append(buf, &v, 1);
}

/* Append the n low-order bytes of v, least significant first. */
static void
append_le(McapBuffer *buf, uint64_t v, int n)
{
	uint8_t		bytes[8];

	for (int i = 0; i < n; i++)
		bytes[i] = (uint8_t) (v >> (8 * i));
	mcap_buffer_append(buf, bytes, n);
}

void
mcap_buffer_append_u16(McapBuffer *buf, uint16_t v)
{
	append_le(buf, v, 2);
}

void
mcap_buffer_append_u32(McapBuffer *buf, uint32_t v)
{
	append_le(buf, v, 4);
}

void
mcap_buffer_append_u64(McapBuffer *buf, uint64_t v)
{
	append_le(buf, v, 8);
}

/* An MCAP string: uint32 length, then the bytes. */
void
mcap_buffer_append_string(McapBuffer *buf, McapString s)
{
	mcap_buffer_append_u32(buf, s.len);
	mcap_buffer_append(buf, s.data, s.len);
}

void
mcap_buffer_append_message(McapBuffer *buf, const McapMessage *msg)
{
	uint64_t	body_len = 2 + 4 + 8 + 8 + msg->data.len;

	if (!mcap_buffer_reserve(buf, MCAP_RECORD_PREFIX_SIZE + body_len))
		return;
	mcap_buffer_append_u8(buf, MCAP_OP_MESSAGE);
	mcap_buffer_append_u64(buf, body_len);
	mcap_buffer_append_u16(buf, msg->channel_id);
	mcap_buffer_append_u32(buf, msg->sequence);
	mcap_buffer_append_u64(buf, msg->log_time);
	mcap_buffer_append_u64(buf, msg->publish_time);
	mcap_buffer_append(buf, msg->data.data, msg->data.len);
}
