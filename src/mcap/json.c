/*-------------------------------------------------------------------------
 *
 * json.c
 *	  Small JSON text writers used by mcap_info_json and the conformance
 *	  reader: string literals that are always valid JSON, and numbers.
 *
 * Strings from a file are arbitrary bytes.  Valid UTF-8 is copied through;
 * every byte that does not start a valid sequence, and NUL (which jsonb
 * cannot store), becomes \ufffd (the common hd_json_string does the work).
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hd_json.h"

/* McapBuffer as the sink of hd_json_string; a failure shows in buf->failed */
static bool
append_to_buffer(void *sink, const char *data, size_t len)
{
	McapBuffer *buf = sink;

	mcap_buffer_append(buf, data, len);
	return !buf->failed;
}

void
mcap_json_string(McapBuffer *out, const char *s, size_t len)
{
	hd_json_string(s, len,
				   HD_JSON_REPAIR_UTF8 | HD_JSON_NUL_AS_REPLACEMENT |
				   HD_JSON_ESCAPE_REPLACEMENT,
				   append_to_buffer, out);
}

void
mcap_json_cstring(McapBuffer *out, const char *s)
{
	mcap_json_string(out, s, strlen(s));
}

void
mcap_json_raw(McapBuffer *out, const char *text)
{
	mcap_buffer_append(out, text, strlen(text));
}

size_t
mcap_number_text_u64(uint64_t v, char *buf)
{
	return (size_t) snprintf(buf, MCAP_NUMBER_TEXT_SIZE, "%" PRIu64, v);
}

size_t
mcap_number_text_double(double v, char *buf)
{
	int			n = 0;

	if (!isfinite(v))
		return (size_t) snprintf(buf, MCAP_NUMBER_TEXT_SIZE, "null");
	/* the shortest of 15, 16 or 17 significant digits that reads back */
	for (int precision = 15; precision <= 17; precision++)
	{
		n = snprintf(buf, MCAP_NUMBER_TEXT_SIZE, "%.*g", precision, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return (size_t) n;
}

void
mcap_json_u64(McapBuffer *out, uint64_t v)
{
	char		digits[MCAP_NUMBER_TEXT_SIZE];

	mcap_buffer_append(out, digits, mcap_number_text_u64(v, digits));
}

void
mcap_json_u64_string(McapBuffer *out, uint64_t v)
{
	mcap_buffer_append_u8(out, '"');
	mcap_json_u64(out, v);
	mcap_buffer_append_u8(out, '"');
}

/* A finite double with just enough digits to read back; null otherwise. */
void
mcap_json_double(McapBuffer *out, double v)
{
	char		digits[MCAP_NUMBER_TEXT_SIZE];

	mcap_buffer_append(out, digits, mcap_number_text_double(v, digits));
}
