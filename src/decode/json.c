/*-------------------------------------------------------------------------
 *
 * json.c
 *	  Walking a JSON message (RFC 8259, strict) and reporting it to a
 *	  visitor.
 *
 * The text is checked as it is walked: UTF-8, escapes, numbers, nesting
 * (at most HD_MAX_DEPTH), and nothing but white space after the value.
 * Integers that fit int64 or uint64 are reported as such, other numbers as
 * doubles, or as their text when the visitor has number_text.  Strings without escapes are passed to the visitor in place;
 * an escaped string is unescaped into a buffer on the stack, or, when
 * longer than that, into one heap buffer freed before returning.
 * A skipped value is still checked, but not reported.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "json_int.h"

#define STACK_STRING_SIZE 1024
#define MAX_NUMBER_TEXT 1024

typedef struct JsWalk
{
	const uint8_t *p;
	const uint8_t *start;
	const uint8_t *end;
	const HdVisitor *v;
	void	   *ctx;
	HdError    *err;
	int			depth;
	char	   *heap;			/* unescaping buffer for long strings */
	size_t		heap_size;
} JsWalk;

static int	walk_value(JsWalk *w, bool emit);

static int
js_error(JsWalk *w, HdErrorCode code, const char *what)
{
	size_t		offset = (size_t) (w->p - w->start);

	return hd_error(w->err, code, offset, "JSON message %s at byte %zu", what, offset);
}

static int
js_unexpected(JsWalk *w, const char *expected)
{
	if (w->p >= w->end)
		return js_error(w, HD_ERR_TRUNCATED, "ends early");
	return hd_error(w->err, HD_ERR_MALFORMED, (size_t) (w->p - w->start),
					"JSON message malformed: expected %s at byte %zu",
					expected, (size_t) (w->p - w->start));
}

static void
skip_space(JsWalk *w)
{
	while (w->p < w->end &&
		   (*w->p == ' ' || *w->p == '\t' || *w->p == '\n' || *w->p == '\r'))
		w->p++;
}

static int
expect_literal(JsWalk *w, const char *lit)
{
	size_t		n = strlen(lit);

	if ((size_t) (w->end - w->p) < n || memcmp(w->p, lit, n) != 0)
		return js_unexpected(w, "a value");
	w->p += n;
	return HD_OK;
}

/* ----------
 * Strings
 * ----------
 */
static int
hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits after "\u" at p */
static bool
read_hex4(const uint8_t *p, const uint8_t *end, uint32_t *out)
{
	int			i;

	if (end - p < 4)
		return false;
	*out = 0;
	for (i = 0; i < 4; i++)
	{
		int			d = hex_digit(p[i]);

		if (d < 0)
			return false;
		*out = (*out << 4) | (uint32_t) d;
	}
	return true;
}

/*
 * Scan a string starting after its opening quote: check it, find its end,
 * and tell whether it holds escapes.  *close is left on the closing quote.
 */
static int
scan_string(JsWalk *w, const uint8_t **close, bool *escaped)
{
	const uint8_t *p = w->p;

	*escaped = false;
	while (p < w->end && *p != '"')
	{
		if (*p == '\\')
		{
			*escaped = true;
			if (w->end - p < 2)
				break;
			if (p[1] == 'u')
			{
				uint32_t	cp;

				if (!read_hex4(p + 2, w->end, &cp))
				{
					w->p = p;
					return js_unexpected(w, "four hex digits after \\u");
				}
				p += 6;
			}
			else if (strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0')
				p += 2;
			else
			{
				w->p = p;
				return js_unexpected(w, "a valid escape");
			}
		}
		else if (*p < 0x20)
		{
			w->p = p;
			return js_unexpected(w, "no control character in a string");
		}
		else if (*p < 0x80)
			p++;
		else
		{
			size_t		n = hd_utf8_sequence_length(p, (size_t) (w->end - p));

			if (n == 0)
			{
				w->p = p;
				return js_error(w, HD_ERR_MALFORMED, "has invalid UTF-8");
			}
			p += n;
		}
	}
	if (p >= w->end)
	{
		w->p = p;
		return js_error(w, HD_ERR_TRUNCATED, "ends inside a string");
	}
	*close = p;
	return HD_OK;
}

/* Unescape a checked string [p, close) into out (big enough: close - p) */
static size_t
unescape(const uint8_t *p, const uint8_t *close, char *out)
{
	size_t		n = 0;

	while (p < close)
	{
		uint32_t	cp,
					low;

		if (*p != '\\')
		{
			out[n++] = (char) *p++;
			continue;
		}
		switch (p[1])
		{
			case 'b':
				cp = '\b';
				break;
			case 'f':
				cp = '\f';
				break;
			case 'n':
				cp = '\n';
				break;
			case 'r':
				cp = '\r';
				break;
			case 't':
				cp = '\t';
				break;
			case 'u':
				read_hex4(p + 2, close, &cp);
				p += 4;
				if (cp >= 0xd800 && cp <= 0xdbff && close - p >= 8 &&
					p[2] == '\\' && p[3] == 'u' && read_hex4(p + 4, close, &low) &&
					low >= 0xdc00 && low <= 0xdfff)
				{
					cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
					p += 6;
				}
				else if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0xfffd;	/* lone surrogate */
				break;
			default:
				cp = p[1];
				break;
		}
		p += 2;
		n += hd_utf8_encode(out + n, cp);
	}
	return n;
}

/*
 * Read a string at w->p (on its opening quote) and, when emit, pass it to
 * the field or string callback.  *action receives the visitor's answer.
 */
static int
walk_string(JsWalk *w, bool emit, bool is_key, int *action)
{
	const uint8_t *close = NULL;
	const char *text;
	char		stack[STACK_STRING_SIZE];
	size_t		len;
	bool		escaped;
	int			rc;

	*action = HD_CONTINUE;
	w->p++;
	if ((rc = scan_string(w, &close, &escaped)) != HD_OK)
		return rc;
	if (emit)
	{
		len = (size_t) (close - w->p);
		text = (const char *) w->p;
		if (escaped)
		{
			char	   *buf = stack;

			if (len > sizeof(stack))
			{
				if (len > w->heap_size)
				{
					free(w->heap);
					w->heap_size = 0;
					if ((w->heap = malloc(len)) == NULL)
						return hd_error(w->err, HD_ERR_NOMEM, 0, "out of memory");
					w->heap_size = len;
				}
				buf = w->heap;
			}
			len = unescape(w->p, close, buf);
			text = buf;
		}
		if (is_key)
			*action = HD_VISIT(w->v, field, w->ctx, text, len);
		else
			*action = HD_VISIT(w->v, string, w->ctx, text, len);
	}
	w->p = close + 1;
	return HD_OK;
}

/* ----------
 * Numbers
 * ----------
 */
static const uint8_t *
scan_digits(const uint8_t *p, const uint8_t *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

static int
walk_number(JsWalk *w, bool emit)
{
	const uint8_t *p = w->p;
	const uint8_t *digits;
	bool		integer = true;
	char		text[MAX_NUMBER_TEXT + 1];
	size_t		len;
	int			a;

	if (p < w->end && *p == '-')
		p++;
	digits = p;
	if (p < w->end && *p == '0')
		p++;
	else
		p = scan_digits(p, w->end);
	if (p == digits)
		return js_unexpected(w, "a value");
	if (p < w->end && *p == '.')
	{
		const uint8_t *frac = ++p;

		integer = false;
		if ((p = scan_digits(p, w->end)) == frac)
		{
			w->p = p;
			return js_unexpected(w, "digits after '.'");
		}
	}
	if (p < w->end && (*p == 'e' || *p == 'E'))
	{
		const uint8_t *exp;

		integer = false;
		p++;
		if (p < w->end && (*p == '+' || *p == '-'))
			p++;
		exp = p;
		if ((p = scan_digits(p, w->end)) == exp)
		{
			w->p = p;
			return js_unexpected(w, "exponent digits");
		}
	}
	len = (size_t) (p - w->p);
	if (len > MAX_NUMBER_TEXT)
		return js_error(w, HD_ERR_MALFORMED, "has a number longer than 1024 characters");
	w->p = p;
	if (!emit)
		return HD_OK;
	memcpy(text, p - len, len);
	text[len] = '\0';
	errno = 0;
	if (integer && text[0] == '-')
	{
		long long	v = strtoll(text, NULL, 10);

		if (errno == 0)
			return hd_visit_result(HD_VISIT(w->v, int64, w->ctx, (int64_t) v), w->err);
	}
	else if (integer)
	{
		unsigned long long v = strtoull(text, NULL, 10);

		if (errno == 0)
		{
			if (v <= INT64_MAX)
				a = HD_VISIT(w->v, int64, w->ctx, (int64_t) v);
			else
				a = HD_VISIT(w->v, uint64, w->ctx, (uint64_t) v);
			return hd_visit_result(a, w->err);
		}
	}
	if (w->v->number_text != NULL)
		a = w->v->number_text(w->ctx, text, len, strtod(text, NULL));
	else
		a = HD_VISIT(w->v, float64, w->ctx, strtod(text, NULL), false);
	return hd_visit_result(a, w->err);
}

/* ----------
 * Containers
 * ----------
 */
static int
enter(JsWalk *w)
{
	if (w->depth >= HD_MAX_DEPTH)
		return js_error(w, HD_ERR_DEPTH, "nests deeper than the limit");
	w->depth++;
	w->p++;
	skip_space(w);
	return HD_OK;
}

/*
 * After a member or element: a comma (true in *more) or the closing
 * character (consumed).
 */
static int
after_item(JsWalk *w, char close, bool *more)
{
	skip_space(w);
	if (w->p < w->end && *w->p == ',')
	{
		w->p++;
		*more = true;
		return HD_OK;
	}
	if (w->p < w->end && *w->p == close)
	{
		w->p++;
		*more = false;
		return HD_OK;
	}
	return js_unexpected(w, close == '}' ? "',' or '}'" : "',' or ']'");
}

static int
walk_member(JsWalk *w, bool emit)
{
	int			action,
				rc;

	skip_space(w);
	if (w->p >= w->end || *w->p != '"')
		return js_unexpected(w, "a member name");
	if ((rc = walk_string(w, emit, true, &action)) != HD_OK)
		return rc;
	if (action != HD_SKIP && (rc = hd_visit_result(action, w->err)) != HD_OK)
		return rc;
	skip_space(w);
	if (w->p >= w->end || *w->p != ':')
		return js_unexpected(w, "':'");
	w->p++;
	return walk_value(w, emit && action != HD_SKIP);
}

/*
 * An object or an array, its opening bracket consumed: members or values up
 * to the closing one, told to the visitor unless it skipped the container.
 */
static int
walk_container(JsWalk *w, bool emit, bool object)
{
	char		close = object ? '}' : ']';
	bool		more = true;
	int			rc;

	if (emit)
	{
		int			a = object ? HD_VISIT(w->v, begin_object, w->ctx)
			: HD_VISIT(w->v, begin_array, w->ctx, -1);

		if (a == HD_SKIP)
			emit = false;
		else if ((rc = hd_visit_result(a, w->err)) != HD_OK)
			return rc;
	}
	if ((rc = enter(w)) != HD_OK)
		return rc;
	if (w->p < w->end && *w->p == close)
	{
		w->p++;
		more = false;
	}
	while (more)
	{
		rc = object ? walk_member(w, emit) : walk_value(w, emit);
		if (rc != HD_OK || (rc = after_item(w, close, &more)) != HD_OK)
			return rc;
	}
	w->depth--;
	if (!emit)
		return HD_OK;
	return hd_visit_result(object ? HD_VISIT(w->v, end_object, w->ctx)
						   : HD_VISIT(w->v, end_array, w->ctx), w->err);
}

static int
walk_value(JsWalk *w, bool emit)
{
	int			action,
				rc;

	skip_space(w);
	if (w->p >= w->end)
		return js_error(w, HD_ERR_TRUNCATED, "ends where a value was expected");
	switch (*w->p)
	{
		case '{':
			return walk_container(w, emit, true);
		case '[':
			return walk_container(w, emit, false);
		case '"':
			if ((rc = walk_string(w, emit, false, &action)) != HD_OK)
				return rc;
			return hd_visit_result(action, w->err);
		case 't':
			if ((rc = expect_literal(w, "true")) != HD_OK || !emit)
				return rc;
			return hd_visit_result(HD_VISIT(w->v, boolean, w->ctx, true), w->err);
		case 'f':
			if ((rc = expect_literal(w, "false")) != HD_OK || !emit)
				return rc;
			return hd_visit_result(HD_VISIT(w->v, boolean, w->ctx, false), w->err);
		case 'n':
			if ((rc = expect_literal(w, "null")) != HD_OK || !emit)
				return rc;
			return hd_visit_result(HD_VISIT(w->v, null, w->ctx), w->err);
		default:
			return walk_number(w, emit);
	}
}

int
hd_json_walk(const uint8_t *text, size_t len, const HdVisitor *v, void *ctx,
			 HdError *err)
{
	JsWalk		w;
	int			rc;

	memset(&w, 0, sizeof(w));
	w.p = w.start = text;
	w.end = text + len;
	w.v = v;
	w.ctx = ctx;
	w.err = err;
	rc = walk_value(&w, true);
	if (rc == HD_OK)
	{
		skip_space(&w);
		if (w.p != w.end)
			rc = js_unexpected(&w, "the end of the message");
	}
	free(w.heap);
	return rc;
}

int
hd_json_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
			   const HdVisitor *v, void *ctx, HdError *err)
{
	(void) d;
	return hd_json_walk(msg, len, v, ctx, err);
}
