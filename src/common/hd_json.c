/*-------------------------------------------------------------------------
 *
 * hd_json.c
 *	  JSON string literals from arbitrary bytes (see hd_json.h).
 *
 * Runs of characters that need no escape are handed to the append function
 * in one piece; only the characters that need one are looked at alone.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_json.h"

#include <stdint.h>
#include <stdio.h>

#include "hd_utf8.h"

/* Length of the run at p (n bytes) that is copied as it is, maybe 0. */
static size_t
plain_run(const uint8_t *p, size_t n, unsigned flags)
{
	size_t		i = 0;

	while (i < n)
	{
		size_t		seq;

		if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\')
			break;
		if (p[i] < 0x80 || !(flags & HD_JSON_REPAIR_UTF8))
		{
			i++;
			continue;
		}
		seq = hd_utf8_sequence_length(p + i, n - i);
		if (seq == 0)
			break;
		i += seq;
	}
	return i;
}

static bool
append_replacement(unsigned flags, HdAppendFn append, void *sink)
{
	if (flags & HD_JSON_ESCAPE_REPLACEMENT)
		return append(sink, "\\ufffd", 6);
	return append(sink, HD_UTF8_REPLACEMENT, HD_UTF8_REPLACEMENT_LEN);
}

/* The one byte c, which plain_run stopped at, written escaped. */
static bool
append_escaped(uint8_t c, unsigned flags, HdAppendFn append, void *sink)
{
	char		esc[8];

	switch (c)
	{
		case '"':
			return append(sink, "\\\"", 2);
		case '\\':
			return append(sink, "\\\\", 2);
		case '\n':
			return append(sink, "\\n", 2);
		case '\r':
			return append(sink, "\\r", 2);
		case '\t':
			return append(sink, "\\t", 2);
	}
	if (c >= 0x80 || (c == 0 && (flags & HD_JSON_NUL_AS_REPLACEMENT)))
		return append_replacement(flags, append, sink);
	snprintf(esc, sizeof(esc), "\\u%04x", c);
	return append(sink, esc, 6);
}

bool
hd_json_string(const char *s, size_t len, unsigned flags, HdAppendFn append,
			   void *sink)
{
	const uint8_t *p = (const uint8_t *) s;
	size_t		i = 0;

	if (!append(sink, "\"", 1))
		return false;
	while (i < len)
	{
		size_t		run = plain_run(p + i, len - i, flags);

		if (run > 0 && !append(sink, s + i, run))
			return false;
		i += run;
		if (i < len && !append_escaped(p[i++], flags, append, sink))
			return false;
	}
	return append(sink, "\"", 1);
}
