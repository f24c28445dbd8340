/*-------------------------------------------------------------------------
 *
 * json_writer.c
 *	  A visitor that writes a decoded message as compact JSON text, and the
 *	  number formatting it shares with other consumers.
 *
 * Used by the command-line tool and the tests.  Output is valid JSON even
 * when the message is not: strings are escaped and invalid UTF-8 is
 * replaced by U+FFFD, non-finite numbers become the strings "NaN",
 * "Infinity" and "-Infinity", bytes are base64.  Numbers of JSON messages
 * are copied as written.
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "hd_json.h"

/* ----------
 * Numbers
 * ----------
 */

/* "1e-07" -> "1e-7", "1e+21" stays: JSON allows both, the short one reads better */
static size_t
trim_exponent(char *buf, size_t len)
{
	char	   *e = strchr(buf, 'e');
	char	   *digits;
	char	   *q;

	if (e == NULL)
		return len;
	digits = e + 1;
	if (*digits == '+' || *digits == '-')
		digits++;
	q = digits;
	while (*q == '0' && q[1] != '\0')
		q++;
	if (q != digits)
		memmove(digits, q, strlen(q) + 1);
	return strlen(buf);
}

static bool
reads_back(const char *buf, double value, bool is_float32)
{
	if (is_float32)
		return strtof(buf, NULL) == (float) value;
	return strtod(buf, NULL) == value;
}

size_t
hd_format_double(char *buf, double value, bool is_float32)
{
	int			precision;
	int			max_precision;

	if (isnan(value))
		return (size_t) snprintf(buf, HD_NUMBER_TEXT_SIZE, "NaN");
	if (isinf(value))
		return (size_t) snprintf(buf, HD_NUMBER_TEXT_SIZE, value < 0 ? "-Infinity" : "Infinity");
	if (value == 0)
		return (size_t) snprintf(buf, HD_NUMBER_TEXT_SIZE, signbit(value) ? "-0" : "0");
	if (fabs(value) < 1e17 && value == trunc(value))
		return (size_t) snprintf(buf, HD_NUMBER_TEXT_SIZE, "%.0f", value);

	/*
	 * If any decimal of at most 6 (float32) or 15 (double) significant
	 * digits reads back as a normal value, rounding the value to that many
	 * digits gives it (%g drops the trailing zeros); otherwise one more digit
	 * at a time.
	 */
	precision = is_float32 ? 6 : 15;
	/* subnormals have fewer significant bits: any precision may be shortest */
	if (fabs(value) < (is_float32 ? FLT_MIN : DBL_MIN))
		precision = 1;
	max_precision = is_float32 ? 9 : 17;
	for (; precision < max_precision; precision++)
	{
		snprintf(buf, HD_NUMBER_TEXT_SIZE, "%.*g", precision, value);
		if (reads_back(buf, value, is_float32))
			return trim_exponent(buf, strlen(buf));
	}
	snprintf(buf, HD_NUMBER_TEXT_SIZE, "%.*g", max_precision, value);
	return trim_exponent(buf, strlen(buf));
}

/* ----------
 * base64
 * ----------
 */
size_t
hd_base64_encode(char *out, const uint8_t *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		i,
				n = 0;

	for (i = 0; i + 2 < len; i += 3)
	{
		uint32_t	v = ((uint32_t) in[i] << 16) | ((uint32_t) in[i + 1] << 8) | in[i + 2];

		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
		out[n++] = alphabet[v & 63];
	}
	if (i < len)
	{
		uint32_t	v = (uint32_t) in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t) in[i + 1] << 8;
		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[n++] = '=';
	}
	return n;
}

/* ----------
 * Buffer
 * ----------
 */
static bool
reserve(HdJsonBuffer *b, size_t extra)
{
	size_t		need;
	char	   *data;
	size_t		cap;

	if (b->failed)
		return false;
	if (extra > SIZE_MAX - b->len - 1)
	{
		b->failed = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	data = realloc(b->data, cap);
	if (data == NULL)
	{
		b->failed = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

static bool
append(HdJsonBuffer *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return false;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

static bool
append_char(HdJsonBuffer *b, char c)
{
	return append(b, &c, 1);
}

void
hd_json_reset(HdJsonBuffer *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
	buf->depth = 0;
	buf->need_comma = false;
	buf->failed = false;
}

void
hd_json_free(HdJsonBuffer *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

/* ----------
 * Strings
 * ----------
 */

/* The buffer as the sink of hd_json_string */
static bool
append_to_buffer(void *sink, const char *data, size_t len)
{
	return append(sink, data, len);
}

/* A string literal; bytes that are not UTF-8 become U+FFFD */
static bool
append_escaped(HdJsonBuffer *b, const char *str, size_t n)
{
	return hd_json_string(str, n, HD_JSON_REPAIR_UTF8, append_to_buffer, b);
}

/* ----------
 * The visitor
 * ----------
 */
#define JSON_RESULT(b, ok) ((ok) ? HD_CONTINUE : HD_ABORT)

/* Separator before a value or key */
static bool
before_item(HdJsonBuffer *b)
{
	if (b->need_comma && !append_char(b, ','))
		return false;
	b->need_comma = false;
	return true;
}

/* Write a complete scalar token */
static int
write_token(HdJsonBuffer *b, const char *s, size_t n)
{
	bool		ok = before_item(b) && append(b, s, n);

	b->need_comma = true;
	return JSON_RESULT(b, ok);
}

static int
json_begin_object(void *ctx)
{
	HdJsonBuffer *b = ctx;
	bool		ok = before_item(b) && append_char(b, '{');

	b->depth++;
	return JSON_RESULT(b, ok);
}

static int
json_end_object(void *ctx)
{
	HdJsonBuffer *b = ctx;

	b->depth--;
	b->need_comma = true;
	return JSON_RESULT(b, append_char(b, '}'));
}

static int
json_begin_array(void *ctx, int64_t count)
{
	HdJsonBuffer *b = ctx;
	bool		ok = before_item(b) && append_char(b, '[');

	(void) count;
	b->depth++;
	return JSON_RESULT(b, ok);
}

static int
json_end_array(void *ctx)
{
	HdJsonBuffer *b = ctx;

	b->depth--;
	b->need_comma = true;
	return JSON_RESULT(b, append_char(b, ']'));
}

static int
json_field(void *ctx, const char *name, size_t len)
{
	HdJsonBuffer *b = ctx;
	bool		ok = before_item(b) && append_escaped(b, name, len) &&
		append_char(b, ':');

	b->need_comma = false;
	return JSON_RESULT(b, ok);
}

static int
json_int64(void *ctx, int64_t value)
{
	char		buf[32];

	return write_token(ctx, buf, (size_t) snprintf(buf, sizeof(buf), "%" PRId64, value));
}

static int
json_uint64(void *ctx, uint64_t value)
{
	char		buf[32];

	return write_token(ctx, buf, (size_t) snprintf(buf, sizeof(buf), "%" PRIu64, value));
}

static int
json_float64(void *ctx, double value, bool is_float32)
{
	char		buf[HD_NUMBER_TEXT_SIZE + 2];
	size_t		n;

	if (isfinite(value))
		return write_token(ctx, buf, hd_format_double(buf, value, is_float32));
	buf[0] = '"';
	n = hd_format_double(buf + 1, value, is_float32);
	buf[n + 1] = '"';
	return write_token(ctx, buf, n + 2);
}

/* A JSON number from a JSON message: its text is kept as written */
static int
json_number_text(void *ctx, const char *text, size_t len, double value)
{
	(void) value;
	return write_token(ctx, text, len);
}

static int
json_string(void *ctx, const char *value, size_t len)
{
	HdJsonBuffer *b = ctx;
	bool		ok = before_item(b) && append_escaped(b, value, len);

	b->need_comma = true;
	return JSON_RESULT(b, ok);
}

static int
json_bytes(void *ctx, const uint8_t *value, size_t len)
{
	HdJsonBuffer *b = ctx;
	size_t		n;
	bool		ok;

	if (len > (SIZE_MAX - 8) / 4 * 3)
		return HD_ABORT;
	n = 4 * ((len + 2) / 3);
	ok = before_item(b) && append_char(b, '"') && reserve(b, n + 1);
	if (ok)
	{
		b->len += hd_base64_encode(b->data + b->len, value, len);
		ok = append_char(b, '"');
	}
	b->need_comma = true;
	return JSON_RESULT(b, ok);
}

static int
json_boolean(void *ctx, bool value)
{
	return write_token(ctx, value ? "true" : "false", value ? 4 : 5);
}

static int
json_null(void *ctx)
{
	return write_token(ctx, "null", 4);
}

static int
json_enumeration(void *ctx, int32_t number, const char *name)
{
	if (name != NULL)
		return json_string(ctx, name, strlen(name));
	return json_int64(ctx, number);
}

const HdVisitor hd_json_visitor = {
	.begin_object = json_begin_object,
	.end_object = json_end_object,
	.begin_array = json_begin_array,
	.end_array = json_end_array,
	.field = json_field,
	.int64 = json_int64,
	.uint64 = json_uint64,
	.float64 = json_float64,
	.string = json_string,
	.bytes = json_bytes,
	.boolean = json_boolean,
	.null = json_null,
	.enumeration = json_enumeration,
	.number_text = json_number_text,
};

int
hd_decode_json(const HdDecoder *decoder, const uint8_t *msg, size_t len,
			   HdJsonBuffer *buf, HdError *err)
{
	int			rc;

	hd_json_reset(buf);
	if (!reserve(buf, 0))
		return hd_error(err, HD_ERR_NOMEM, 0, "out of memory writing JSON");
	buf->data[0] = '\0';
	rc = hd_decode(decoder, msg, len, &hd_json_visitor, buf, err);
	if (rc == HD_ERR_VISITOR && buf->failed)
		return hd_error(err, HD_ERR_NOMEM, 0, "out of memory writing JSON");
	return rc;
}
