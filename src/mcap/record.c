/*-------------------------------------------------------------------------
 *
 * record.c
 *	  Parsing the body of every MCAP record type (opcodes 0x01-0x0F), string
 *	  map iteration, record splitting, and the bounds-checked little-endian
 *	  cursor that every parser in the MCAP core uses.
 *
 * Parsers read the fields the specification defines and ignore any bytes
 * after them, so records that grow in later versions still parse.  Views in
 * the parsed record point into the body: nothing is copied or allocated.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <string.h>

/* ----------------------------------------------------------------
 * Cursor
 * ----------------------------------------------------------------
 */
bool
mcap_cursor_bytes(McapCursor *c, uint64_t n, McapBytes *v)
{
	if (n > mcap_cursor_left(c))
		return false;
	v->data = c->data == NULL ? NULL : c->data + c->pos;
	v->len = n;
	c->pos += n;
	return true;
}

bool
mcap_cursor_u8(McapCursor *c, uint8_t *v)
{
	if (mcap_cursor_left(c) < 1)
		return false;
	*v = c->data[c->pos];
	c->pos += 1;
	return true;
}

bool
mcap_cursor_u16(McapCursor *c, uint16_t *v)
{
	if (mcap_cursor_left(c) < 2)
		return false;
	*v = mcap_load_u16(c->data + c->pos);
	c->pos += 2;
	return true;
}

bool
mcap_cursor_u32(McapCursor *c, uint32_t *v)
{
	if (mcap_cursor_left(c) < 4)
		return false;
	*v = mcap_load_u32(c->data + c->pos);
	c->pos += 4;
	return true;
}

bool
mcap_cursor_u64(McapCursor *c, uint64_t *v)
{
	if (mcap_cursor_left(c) < 8)
		return false;
	*v = mcap_load_u64(c->data + c->pos);
	c->pos += 8;
	return true;
}

/* Bytes preceded by a uint32 length. */
bool
mcap_cursor_bytes32(McapCursor *c, McapBytes *v)
{
	uint64_t	start = c->pos;
	uint32_t	n;

	if (!mcap_cursor_u32(c, &n))
		return false;
	if (!mcap_cursor_bytes(c, n, v))
	{
		c->pos = start;
		return false;
	}
	return true;
}

/* Bytes preceded by a uint64 length. */
bool
mcap_cursor_bytes64(McapCursor *c, McapBytes *v)
{
	uint64_t	start = c->pos;
	uint64_t	n;

	if (!mcap_cursor_u64(c, &n))
		return false;
	if (!mcap_cursor_bytes(c, n, v))
	{
		c->pos = start;
		return false;
	}
	return true;
}

/* A string: uint32 length, then bytes. */
bool
mcap_cursor_string(McapCursor *c, McapString *v)
{
	McapBytes	b;

	if (!mcap_cursor_bytes32(c, &b))
		return false;
	v->data = (const char *) b.data;
	v->len = (uint32_t) b.len;
	return true;
}

bool
mcap_string_eq(McapString s, const char *cstr)
{
	size_t		n = strlen(cstr);

	return s.len == n && (n == 0 || memcmp(s.data, cstr, n) == 0);
}

int
mcap_split_record(const uint8_t *data, uint64_t len, uint64_t pos,
				  uint8_t *opcode, McapBytes *body)
{
	uint64_t	body_len;

	if (pos >= len)
		return 0;
	if (len - pos < MCAP_RECORD_PREFIX_SIZE)
		return -1;
	body_len = mcap_load_u64(data + pos + 1);
	if (body_len > len - pos - MCAP_RECORD_PREFIX_SIZE)
		return -1;
	*opcode = data[pos];
	body->data = data + pos + MCAP_RECORD_PREFIX_SIZE;
	body->len = body_len;
	return 1;
}

/* ----------------------------------------------------------------
 * String maps
 * ----------------------------------------------------------------
 */
int
mcap_string_map_next(McapStringMap map, uint64_t *pos, McapString *key,
					 McapString *value, McapError *err)
{
	McapCursor	c;

	if (*pos >= map.len)
		return 0;
	mcap_cursor_init(&c, map.data, map.len);
	c.pos = *pos;
	if (!mcap_cursor_string(&c, key) || !mcap_cursor_string(&c, value))
	{
		mcap_error_set(err, MCAP_ERR_CORRUPT, *pos,
					   "map entry goes past the end of its map");
		return -1;
	}
	*pos = c.pos;
	return 1;
}

/* Check that a map<string,string> is well formed. */
static bool
string_map_valid(McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;
	int			r;

	while ((r = mcap_string_map_next(map, &pos, &k, &v, NULL)) == 1)
		;
	return r == 0;
}

/* A uint32-length-prefixed array of fixed-size entries. */
static bool
read_fixed_array(McapCursor *c, uint64_t entry_size, McapBytes *v)
{
	return mcap_cursor_bytes32(c, v) && v->len % entry_size == 0;
}

static bool
read_string_map(McapCursor *c, McapStringMap *v)
{
	return mcap_cursor_bytes32(c, v) && string_map_valid(*v);
}

/* ----------------------------------------------------------------
 * One parser per record type.  Each returns the name of the field it could
 * not read, or NULL when the record parsed.
 * ----------------------------------------------------------------
 */
static const char *
parse_header(McapCursor *c, McapHeader *r)
{
	if (!mcap_cursor_string(c, &r->profile))
		return "profile";
	if (!mcap_cursor_string(c, &r->library))
		return "library";
	return NULL;
}

static const char *
parse_footer(McapCursor *c, McapFooter *r)
{
	if (!mcap_cursor_u64(c, &r->summary_start))
		return "summary_start";
	if (!mcap_cursor_u64(c, &r->summary_offset_start))
		return "summary_offset_start";
	if (!mcap_cursor_u32(c, &r->summary_crc))
		return "summary_crc";
	return NULL;
}

static const char *
parse_schema(McapCursor *c, McapSchema *r)
{
	if (!mcap_cursor_u16(c, &r->id))
		return "id";
	if (!mcap_cursor_string(c, &r->name))
		return "name";
	if (!mcap_cursor_string(c, &r->encoding))
		return "encoding";
	if (!mcap_cursor_bytes32(c, &r->data))
		return "data";
	return NULL;
}

static const char *
parse_channel(McapCursor *c, McapChannel *r)
{
	if (!mcap_cursor_u16(c, &r->id))
		return "id";
	if (!mcap_cursor_u16(c, &r->schema_id))
		return "schema_id";
	if (!mcap_cursor_string(c, &r->topic))
		return "topic";
	if (!mcap_cursor_string(c, &r->message_encoding))
		return "message_encoding";
	if (!read_string_map(c, &r->metadata))
		return "metadata";
	return NULL;
}

static const char *
parse_message(McapCursor *c, McapMessage *r)
{
	if (!mcap_cursor_u16(c, &r->channel_id))
		return "channel_id";
	if (!mcap_cursor_u32(c, &r->sequence))
		return "sequence";
	if (!mcap_cursor_u64(c, &r->log_time))
		return "log_time";
	if (!mcap_cursor_u64(c, &r->publish_time))
		return "publish_time";
	/* the data is the rest of the record */
	mcap_cursor_bytes(c, mcap_cursor_left(c), &r->data);
	return NULL;
}

static const char *
parse_chunk(McapCursor *c, McapChunk *r)
{
	if (!mcap_cursor_u64(c, &r->message_start_time))
		return "message_start_time";
	if (!mcap_cursor_u64(c, &r->message_end_time))
		return "message_end_time";
	if (!mcap_cursor_u64(c, &r->uncompressed_size))
		return "uncompressed_size";
	if (!mcap_cursor_u32(c, &r->uncompressed_crc))
		return "uncompressed_crc";
	if (!mcap_cursor_string(c, &r->compression))
		return "compression";
	if (!mcap_cursor_bytes64(c, &r->records))
		return "records";
	return NULL;
}

static const char *
parse_message_index(McapCursor *c, McapMessageIndex *r)
{
	if (!mcap_cursor_u16(c, &r->channel_id))
		return "channel_id";
	if (!read_fixed_array(c, 16, &r->records))
		return "records";
	return NULL;
}

static const char *
parse_chunk_index(McapCursor *c, McapChunkIndex *r)
{
	if (!mcap_cursor_u64(c, &r->message_start_time))
		return "message_start_time";
	if (!mcap_cursor_u64(c, &r->message_end_time))
		return "message_end_time";
	if (!mcap_cursor_u64(c, &r->chunk_start_offset))
		return "chunk_start_offset";
	if (!mcap_cursor_u64(c, &r->chunk_length))
		return "chunk_length";
	if (!read_fixed_array(c, 10, &r->message_index_offsets))
		return "message_index_offsets";
	if (!mcap_cursor_u64(c, &r->message_index_length))
		return "message_index_length";
	if (!mcap_cursor_string(c, &r->compression))
		return "compression";
	if (!mcap_cursor_u64(c, &r->compressed_size))
		return "compressed_size";
	if (!mcap_cursor_u64(c, &r->uncompressed_size))
		return "uncompressed_size";
	return NULL;
}

static const char *
parse_attachment(McapCursor *c, McapAttachment *r)
{
	if (!mcap_cursor_u64(c, &r->log_time))
		return "log_time";
	if (!mcap_cursor_u64(c, &r->create_time))
		return "create_time";
	if (!mcap_cursor_string(c, &r->name))
		return "name";
	if (!mcap_cursor_string(c, &r->media_type))
		return "media_type";
	if (!mcap_cursor_bytes64(c, &r->data))
		return "data";
	if (!mcap_cursor_u32(c, &r->crc))
		return "crc";
	return NULL;
}

static const char *
parse_attachment_index(McapCursor *c, McapAttachmentIndex *r)
{
	if (!mcap_cursor_u64(c, &r->offset))
		return "offset";
	if (!mcap_cursor_u64(c, &r->length))
		return "length";
	if (!mcap_cursor_u64(c, &r->log_time))
		return "log_time";
	if (!mcap_cursor_u64(c, &r->create_time))
		return "create_time";
	if (!mcap_cursor_u64(c, &r->data_size))
		return "data_size";
	if (!mcap_cursor_string(c, &r->name))
		return "name";
	if (!mcap_cursor_string(c, &r->media_type))
		return "media_type";
	return NULL;
}

static const char *
parse_statistics(McapCursor *c, McapStatistics *r)
{
	if (!mcap_cursor_u64(c, &r->message_count))
		return "message_count";
	if (!mcap_cursor_u16(c, &r->schema_count))
		return "schema_count";
	if (!mcap_cursor_u32(c, &r->channel_count))
		return "channel_count";
	if (!mcap_cursor_u32(c, &r->attachment_count))
		return "attachment_count";
	if (!mcap_cursor_u32(c, &r->metadata_count))
		return "metadata_count";
	if (!mcap_cursor_u32(c, &r->chunk_count))
		return "chunk_count";
	if (!mcap_cursor_u64(c, &r->message_start_time))
		return "message_start_time";
	if (!mcap_cursor_u64(c, &r->message_end_time))
		return "message_end_time";
	if (!read_fixed_array(c, 10, &r->channel_message_counts))
		return "channel_message_counts";
	return NULL;
}

static const char *
parse_metadata(McapCursor *c, McapMetadata *r)
{
	if (!mcap_cursor_string(c, &r->name))
		return "name";
	if (!read_string_map(c, &r->metadata))
		return "metadata";
	return NULL;
}

static const char *
parse_metadata_index(McapCursor *c, McapMetadataIndex *r)
{
	if (!mcap_cursor_u64(c, &r->offset))
		return "offset";
	if (!mcap_cursor_u64(c, &r->length))
		return "length";
	if (!mcap_cursor_string(c, &r->name))
		return "name";
	return NULL;
}

static const char *
parse_summary_offset(McapCursor *c, McapSummaryOffset *r)
{
	if (!mcap_cursor_u8(c, &r->group_opcode))
		return "group_opcode";
	if (!mcap_cursor_u64(c, &r->group_start))
		return "group_start";
	if (!mcap_cursor_u64(c, &r->group_length))
		return "group_length";
	return NULL;
}

static const char *
parse_data_end(McapCursor *c, McapDataEnd *r)
{
	if (!mcap_cursor_u32(c, &r->data_section_crc))
		return "data_section_crc";
	return NULL;
}

/* Dispatch on the opcode; NULL on success, else the bad field's name. */
static const char *
parse_body(uint8_t opcode, McapCursor *c, McapRecord *out)
{
	switch (opcode)
	{
		case MCAP_OP_HEADER:
			return parse_header(c, &out->u.header);
		case MCAP_OP_FOOTER:
			return parse_footer(c, &out->u.footer);
		case MCAP_OP_SCHEMA:
			return parse_schema(c, &out->u.schema);
		case MCAP_OP_CHANNEL:
			return parse_channel(c, &out->u.channel);
		case MCAP_OP_MESSAGE:
			return parse_message(c, &out->u.message);
		case MCAP_OP_CHUNK:
			return parse_chunk(c, &out->u.chunk);
		case MCAP_OP_MESSAGE_INDEX:
			return parse_message_index(c, &out->u.message_index);
		case MCAP_OP_CHUNK_INDEX:
			return parse_chunk_index(c, &out->u.chunk_index);
		case MCAP_OP_ATTACHMENT:
			return parse_attachment(c, &out->u.attachment);
		case MCAP_OP_ATTACHMENT_INDEX:
			return parse_attachment_index(c, &out->u.attachment_index);
		case MCAP_OP_STATISTICS:
			return parse_statistics(c, &out->u.statistics);
		case MCAP_OP_METADATA:
			return parse_metadata(c, &out->u.metadata);
		case MCAP_OP_METADATA_INDEX:
			return parse_metadata_index(c, &out->u.metadata_index);
		case MCAP_OP_SUMMARY_OFFSET:
			return parse_summary_offset(c, &out->u.summary_offset);
		case MCAP_OP_DATA_END:
			return parse_data_end(c, &out->u.data_end);
	}
	return "opcode";
}

McapStatus
mcap_parse_record(uint8_t opcode, const uint8_t *body, uint64_t len,
				  McapRecord *out, McapError *err)
{
	McapCursor	c;
	const char *bad;

	if (body == NULL && len > 0)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "record body is NULL");
	memset(out, 0, sizeof(*out));
	out->opcode = opcode;
	out->body.data = body;
	out->body.len = len;
	if (!mcap_opcode_known(opcode))
		return mcap_error_set(err, MCAP_ERR_UNSUPPORTED, 0,
							  "unknown opcode 0x%02x", opcode);
	mcap_cursor_init(&c, body, len);
	bad = parse_body(opcode, &c, out);
	if (bad != NULL)
		return mcap_error_set(err, MCAP_ERR_CORRUPT, c.pos,
							  "%s record of %llu bytes: field %s is truncated or malformed",
							  mcap_opcode_name(opcode),
							  (unsigned long long) len, bad);
	return MCAP_OK;
}
