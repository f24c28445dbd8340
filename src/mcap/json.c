/*-------------------------------------------------------------------------
 *
 * json.c
 *	  Small JSON text writers used by mcap_info_json and the conformance
 *	  reader: string literals that are always valid JSON, and numbers.
 *
 * Strings from a file are arbitrary bytes.  Valid UTF-8 is copied through;
 * every byte that does not start a valid sequence, and NUL (which jsonb
 * cannot store), becomes U+FFFD.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char replacement_char[] = "\\ufffd";

/*
 * Length of the valid UTF-8 sequence at s (n bytes available), or 0 if the
 * bytes there are not valid UTF-8.
 */
static size_t
utf8_sequence_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t		len;
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	/* the second byte's range excludes overlongs and surrogates */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
	{
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	}
	return len;
}

static void
append_escaped_ascii(McapBuffer *out, unsigned char c)
{
	char		esc[8];

	switch (c)
	{
		case '"':
			mcap_buffer_append(out, "\\\"", 2);
			return;
		case '\\':
			mcap_buffer_append(out, "\\\\", 2);
			return;
		case '\n':
			mcap_buffer_append(out, "\\n", 2);
			return;
		case '\r':
			mcap_buffer_append(out, "\\r", 2);
			return;
		case '\t':
			mcap_buffer_append(out, "\\t", 2);
			return;
		case 0:
			mcap_buffer_append(out, replacement_char, 6);
			return;
	}
	if (c < 0x20)
	{
		snprintf(esc, sizeof(esc), "\\u%04x", c);
		mcap_buffer_append(out, esc, 6);
	}
	else
		mcap_buffer_append_u8(out, c);
}

void
mcap_json_string(McapBuffer *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t		i = 0;

	mcap_buffer_append_u8(out, '"');
	while (i < len)
	{
		size_t		n = utf8_sequence_length(p + i, len - i);

		if (n == 0)
		{
			mcap_buffer_append(out, replacement_char, 6);
			i++;
		}
		else if (n == 1)
			append_escaped_ascii(out, p[i++]);
		else
		{
			mcap_buffer_append(out, p + i, n);
			i += n;
		}
	}
	mcap_buffer_append_u8(out, '"');
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

void
mcap_json_u64(McapBuffer *out, uint64_t v)
{
	char		digits[24];
	int			n = snprintf(digits, sizeof(digits), "%" PRIu64, v);

	mcap_buffer_append(out, digits, (size_t) n);
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
	char		digits[40];
	int			n;

	if (!isfinite(v))
	{
		mcap_json_raw(out, "null");
		return;
	}
	/* the shortest of 15, 16 or 17 significant digits that reads back */
	for (int precision = 15; precision <= 17; precision++)
	{
		n = snprintf(digits, sizeof(digits), "%.*g", precision, v);
		if (strtod(digits, NULL) == v)
			break;
	}
	mcap_buffer_append(out, digits, (size_t) n);
}
