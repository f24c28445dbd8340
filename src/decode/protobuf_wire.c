/*-------------------------------------------------------------------------
 *
 * protobuf_wire.c
 *	  Protobuf wire primitives shared by the message walk, compiled paths
 *	  and the descriptor reader: stepping over a value of any wire type
 *	  (groups included, with a bounded stack), and what a bad varint is.
 *
 *-------------------------------------------------------------------------
 */
#include "protobuf_int.h"

int
pb_varint_error(const uint8_t *p, const uint8_t *end)
{
	int			n = 0;

	while (p < end && (*p & 0x80) && n < 10)
	{
		p++;
		n++;
	}
	return (p >= end && n < 10) ? HD_ERR_TRUNCATED : HD_ERR_MALFORMED;
}

static int
skip_fixed(const uint8_t **p, const uint8_t *end, size_t n)
{
	if ((size_t) (end - *p) < n)
		return HD_ERR_TRUNCATED;
	*p += n;
	return HD_OK;
}

static int
skip_scalar(int wire_type, const uint8_t **p, const uint8_t *end)
{
	uint64_t	v;

	switch (wire_type)
	{
		case PB_WT_VARINT:
			if (!pb_read_varint(p, end, &v))
				return pb_varint_error(*p, end);
			return HD_OK;
		case PB_WT_I64:
			return skip_fixed(p, end, 8);
		case PB_WT_I32:
			return skip_fixed(p, end, 4);
		case PB_WT_LEN:
			if (!pb_read_varint(p, end, &v))
				return pb_varint_error(*p, end);
			if (v > (uint64_t) (end - *p))
				return HD_ERR_TRUNCATED;
			*p += v;
			return HD_OK;
	}
	return HD_ERR_MALFORMED;
}

/* Skip to the end of a group, following nested groups with a bounded stack */
static int
skip_group(uint32_t number, const uint8_t **p, const uint8_t *end)
{
	uint32_t	open[HD_MAX_DEPTH];
	int			depth = 0;

	open[depth++] = number;
	while (depth > 0)
	{
		uint64_t	tag;
		int			wt;
		int			rc;

		if (!pb_read_varint(p, end, &tag))
			return pb_varint_error(*p, end);
		wt = (int) (tag & 7);
		if ((tag >> 3) == 0 || (tag >> 3) > PB_MAX_FIELD_NUMBER)
			return HD_ERR_MALFORMED;
		if (wt == PB_WT_EGROUP)
		{
			if ((uint32_t) (tag >> 3) != open[depth - 1])
				return HD_ERR_MALFORMED;
			depth--;
		}
		else if (wt == PB_WT_SGROUP)
		{
			if (depth == HD_MAX_DEPTH)
				return HD_ERR_MALFORMED;
			open[depth++] = (uint32_t) (tag >> 3);
		}
		else if ((rc = skip_scalar(wt, p, end)) != HD_OK)
			return rc;
	}
	return HD_OK;
}

int
pb_skip_value(uint32_t number, int wire_type, const uint8_t **p,
			  const uint8_t *end)
{
	if (wire_type == PB_WT_SGROUP)
		return skip_group(number, p, end);
	return skip_scalar(wire_type, p, end);
}
