/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  A cheap structural check of an MCAP byte stream: the leading magic and
 *	  the record framing, without decompressing chunks.  Used to decide
 *	  whether bytes may become an hdaq.mcap value.
 *
 * A stream cut short (its last record incomplete, no footer) passes: a
 * recording interrupted by a power loss is still an MCAP file whose valid
 * part can be read.  What fails is anything that cannot be the beginning of
 * an MCAP file: a wrong magic, a known record whose fields do not fit in
 * it, a footer not followed by the closing magic.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <stdio.h>
#include <string.h>

static uint64_t
read_u64le(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static McapStatus
fail(McapError *err, McapStatus code, uint64_t offset, const char *message)
{
	err->code = code;
	err->offset = offset;
	snprintf(err->message, sizeof(err->message), "%s", message);
	return code;
}

/* Check the record that starts at pos; advance pos past it. */
static McapStatus
check_record(const uint8_t *data, size_t len, size_t *pos, bool *footer,
			 McapError *err)
{
	uint8_t		opcode = data[*pos];
	uint64_t	body_len = read_u64le(data + *pos + 1);
	size_t		body = *pos + MCAP_RECORD_PREFIX_SIZE;
	McapRecord	rec;

	if (body_len > len - body)
	{
		/* the stream ends inside this record: a cut, not a corruption */
		*pos = len;
		return MCAP_OK;
	}
	if (opcode >= MCAP_OP_HEADER && opcode <= MCAP_OP_DATA_END &&
		mcap_parse_record(opcode, data + body, body_len, &rec, err) != MCAP_OK)
	{
		/* the message names the record and field; the offset is ours */
		err->code = MCAP_ERR_CORRUPT;
		err->offset = *pos;
		return err->code;
	}
	*footer = (opcode == MCAP_OP_FOOTER);
	*pos = body + body_len;
	return MCAP_OK;
}

McapStatus
mcap_validate(const uint8_t *data, size_t len, McapError *err)
{
	size_t		pos = MCAP_MAGIC_SIZE;
	bool		footer = false;

	if (len < MCAP_MAGIC_SIZE || memcmp(data, MCAP_MAGIC, MCAP_MAGIC_SIZE) != 0)
		return fail(err, MCAP_ERR_BAD_MAGIC, 0,
					"does not start with the MCAP magic");
	while (len - pos >= MCAP_RECORD_PREFIX_SIZE && !footer)
	{
		if (check_record(data, len, &pos, &footer, err) != MCAP_OK)
			return err->code;
	}
	if (footer && len - pos >= MCAP_MAGIC_SIZE &&
		memcmp(data + pos, MCAP_MAGIC, MCAP_MAGIC_SIZE) != 0)
		return fail(err, MCAP_ERR_CORRUPT, pos,
					"the footer is not followed by the closing magic");
	return MCAP_OK;
}
