/*-------------------------------------------------------------------------
 *
 * hd_utf8.c
 *	  UTF-8 checking, decoding, encoding and repair: the one implementation
 *	  every core and the hdaq command use.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_utf8.h"

#include <string.h>

static bool
is_continuation(uint8_t b)
{
	return (b & 0xc0) == 0x80;
}

/*
 * The range the second byte of a sequence led by lead must be in: it
 * excludes overlong forms, surrogates and code points above U+10FFFF.
 */
static void
second_byte_range(uint8_t lead, uint8_t *lo, uint8_t *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead == 0xe0)
		*lo = 0xa0;
	else if (lead == 0xed)
		*hi = 0x9f;
	else if (lead == 0xf0)
		*lo = 0x90;
	else if (lead == 0xf4)
		*hi = 0x8f;
}

/* The length a sequence led by lead has, 0 if no sequence starts so. */
static size_t
length_from_lead(uint8_t lead)
{
	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef)
		return 3;
	if (lead >= 0xf0 && lead <= 0xf4)
		return 4;
	return 0;
}

size_t
hd_utf8_sequence_length(const uint8_t *p, size_t n)
{
	size_t		len;
	uint8_t		lo;
	uint8_t		hi;

	if (n == 0)
		return 0;
	len = length_from_lead(p[0]);
	if (len <= 1)
		return len;
	if (n < len)
		return 0;
	second_byte_range(p[0], &lo, &hi);
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
	{
		if (!is_continuation(p[i]))
			return 0;
	}
	return len;
}

size_t
hd_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
	static const uint8_t lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	size_t		len = hd_utf8_sequence_length(p, n);
	uint32_t	v;

	if (len == 0)
		return 0;
	v = p[0] & lead_mask[len];
	for (size_t i = 1; i < len; i++)
		v = (v << 6) | (p[i] & 0x3f);
	*cp = v;
	return len;
}

size_t
hd_utf8_encode(char *out, uint32_t cp)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xc0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xe0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char) (0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char) (0xf0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char) (0x80 | (cp & 0x3f));
	return 4;
}

size_t
hd_utf8_char_count(const char *s)
{
	size_t		n = 0;

	for (; *s; s++)
	{
		if (!is_continuation((uint8_t) *s))
			n++;
	}
	return n;
}

size_t
hd_utf8_repair(char *out, const char *s, size_t len, bool replace_nul)
{
	const uint8_t *p = (const uint8_t *) s;
	size_t		n = 0;
	size_t		i = 0;

	while (i < len)
	{
		size_t		seq = hd_utf8_sequence_length(p + i, len - i);

		if (seq == 0 || (replace_nul && p[i] == 0))
		{
			memcpy(out + n, HD_UTF8_REPLACEMENT, HD_UTF8_REPLACEMENT_LEN);
			n += HD_UTF8_REPLACEMENT_LEN;
			i++;
			continue;
		}
		memcpy(out + n, s + i, seq);
		n += seq;
		i += seq;
	}
	out[n] = '\0';
	return n;
}
