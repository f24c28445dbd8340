/*-------------------------------------------------------------------------
 *
 * json.c
 *	  A small JSON reader: parses a document into a tree of values, for
 *	  the commands that present JSON built elsewhere (the info the MCAP
 *	  core describes a file with).
 *
 * Numbers keep the text they were written with, so that 64-bit integers
 * (nanosecond times) are read back exactly.  Strings are decoded to UTF-8,
 * \u escapes and surrogate pairs included.  Nesting is limited, so that a
 * hostile document cannot exhaust the stack.
 *
 *-------------------------------------------------------------------------
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 100

typedef struct Parser
{
	const char *p;
	const char *end;
	const char *start;
	char	   *err;
	size_t		errlen;
	bool		failed;
} Parser;

static bool parse_value(Parser *ps, JsonValue *out, int depth);

static bool
fail(Parser *ps, const char *what)
{
	if (!ps->failed)
		snprintf(ps->err, ps->errlen, "invalid JSON at offset %zu: %s",
				 (size_t) (ps->p - ps->start), what);
	ps->failed = true;
	return false;
}

static void
skip_space(Parser *ps)
{
	while (ps->p < ps->end &&
		   (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool
match_word(Parser *ps, const char *word)
{
	size_t		len = strlen(word);

	if ((size_t) (ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
		return false;
	ps->p += len;
	return true;
}

/* ----------------------------------------------------------------
 * Strings
 * ----------------------------------------------------------------
 */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
read_hex4(Parser *ps, unsigned *out)
{
	unsigned	v = 0;

	if (ps->end - ps->p < 4)
		return fail(ps, "short \\u escape");
	for (int i = 0; i < 4; i++)
	{
		int			h = hex_value(ps->p[i]);

		if (h < 0)
			return fail(ps, "bad \\u escape");
		v = v * 16 + (unsigned) h;
	}
	ps->p += 4;
	*out = v;
	return true;
}

static size_t
put_utf8(char *dst, unsigned cp)
{
	if (cp < 0x80)
	{
		dst[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		dst[0] = (char) (0xC0 | (cp >> 6));
		dst[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		dst[0] = (char) (0xE0 | (cp >> 12));
		dst[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		dst[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	dst[0] = (char) (0xF0 | (cp >> 18));
	dst[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	dst[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	dst[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/* A \u escape (after the "\u"), with its low surrogate if it needs one. */
static bool
read_unicode_escape(Parser *ps, unsigned *cp)
{
	unsigned	lo;

	if (!read_hex4(ps, cp))
		return false;
	if (*cp >= 0xDC00 && *cp <= 0xDFFF)
		return fail(ps, "lone low surrogate");
	if (*cp < 0xD800 || *cp > 0xDBFF)
		return true;
	if (!match_word(ps, "\\u") || !read_hex4(ps, &lo) ||
		lo < 0xDC00 || lo > 0xDFFF)
		return fail(ps, "high surrogate without its low surrogate");
	*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
	return true;
}

/* A string literal (at its opening quote) into a new NUL-terminated buffer. */
static char *
parse_string(Parser *ps)
{
	/* the decoded text is never longer than the literal */
	const char *q = ps->p + 1;
	char	   *buf;
	size_t		n = 0;

	while (q < ps->end && *q != '"')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	if (q >= ps->end)
	{
		fail(ps, "unterminated string");
		return NULL;
	}
	buf = cli_malloc((size_t) (q - ps->p) + 1);
	ps->p++;
	while (*ps->p != '"')
	{
		unsigned char c = (unsigned char) *ps->p++;
		unsigned	cp;

		if (c < 0x20)
			goto bad;
		if (c != '\\')
		{
			buf[n++] = (char) c;
			continue;
		}
		c = (unsigned char) *ps->p++;
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				buf[n++] = (char) c;
				break;
			case 'b':
				buf[n++] = '\b';
				break;
			case 'f':
				buf[n++] = '\f';
				break;
			case 'n':
				buf[n++] = '\n';
				break;
			case 'r':
				buf[n++] = '\r';
				break;
			case 't':
				buf[n++] = '\t';
				break;
			case 'u':
				if (!read_unicode_escape(ps, &cp))
					goto bad;
				n += put_utf8(buf + n, cp);
				break;
			default:
				goto bad;
		}
	}
	ps->p++;
	buf[n] = '\0';
	return buf;

bad:
	fail(ps, "bad character or escape in string");
	free(buf);
	return NULL;
}

/* ----------------------------------------------------------------
 * Numbers, arrays, objects
 * ----------------------------------------------------------------
 */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
parse_number(Parser *ps, JsonValue *out)
{
	const char *s = ps->p;
	const char *q = s;
	size_t		len;

	if (q < ps->end && *q == '-')
		q++;
	if (q >= ps->end || !is_digit(*q))
		return fail(ps, "bad number");
	if (*q == '0')
		q++;
	else
		while (q < ps->end && is_digit(*q))
			q++;
	if (q < ps->end && *q == '.')
	{
		if (++q >= ps->end || !is_digit(*q))
			return fail(ps, "bad fraction");
		while (q < ps->end && is_digit(*q))
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E'))
	{
		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= ps->end || !is_digit(*q))
			return fail(ps, "bad exponent");
		while (q < ps->end && is_digit(*q))
			q++;
	}
	len = (size_t) (q - s);
	out->type = JSON_NUMBER;
	out->text = cli_malloc(len + 1);
	memcpy(out->text, s, len);
	out->text[len] = '\0';
	out->number = strtod(out->text, NULL);
	ps->p = q;
	return true;
}

/* Append a zeroed item (and, for objects, its key) to a container. */
static JsonValue *
add_item(JsonValue *v, size_t *cap, char *key)
{
	if (v->count == *cap)
	{
		*cap = *cap ? 2 * *cap : 8;
		v->items = cli_realloc(v->items, *cap * sizeof(JsonValue));
		if (v->type == JSON_OBJECT)
			v->keys = cli_realloc(v->keys, *cap * sizeof(char *));
	}
	if (v->type == JSON_OBJECT)
		v->keys[v->count] = key;
	memset(&v->items[v->count], 0, sizeof(JsonValue));
	return &v->items[v->count++];
}

static bool
parse_container(Parser *ps, JsonValue *out, int depth)
{
	bool		object = *ps->p == '{';
	char		close = object ? '}' : ']';
	size_t		cap = 0;

	out->type = object ? JSON_OBJECT : JSON_ARRAY;
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close)
	{
		ps->p++;
		return true;
	}
	for (;;)
	{
		char	   *key = NULL;

		skip_space(ps);
		if (object)
		{
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a member name");
			if ((key = parse_string(ps)) == NULL)
				return false;
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != ':')
			{
				free(key);
				return fail(ps, "expected ':'");
			}
			ps->p++;
		}
		if (!parse_value(ps, add_item(out, &cap, key), depth + 1))
			return false;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close)
		{
			ps->p++;
			return true;
		}
		return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool
parse_value(Parser *ps, JsonValue *out, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(ps, "nested too deeply");
	skip_space(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end");
	switch (*ps->p)
	{
		case '{':
		case '[':
			return parse_container(ps, out, depth);
		case '"':
			out->type = JSON_STRING;
			out->text = parse_string(ps);
			return out->text != NULL;
		case 't':
		case 'f':
			out->type = JSON_BOOL;
			out->boolean = *ps->p == 't';
			return match_word(ps, out->boolean ? "true" : "false") ||
				fail(ps, "bad literal");
		case 'n':
			out->type = JSON_NULL;
			return match_word(ps, "null") || fail(ps, "bad literal");
		default:
			return parse_number(ps, out);
	}
}

/* ----------------------------------------------------------------
 * Public functions
 * ----------------------------------------------------------------
 */
JsonValue *
json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	Parser		ps = {text, text + len, text, err, errlen, false};
	JsonValue  *v = cli_malloc(sizeof(JsonValue));

	memset(v, 0, sizeof(*v));
	if (parse_value(&ps, v, 0))
	{
		skip_space(&ps);
		if (ps.p == ps.end)
			return v;
		fail(&ps, "text after the value");
	}
	json_free(v);
	return NULL;
}

static void
free_contents(JsonValue *v)
{
	for (size_t i = 0; i < v->count; i++)
	{
		free_contents(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->text);
}

void
json_free(JsonValue *v)
{
	if (v == NULL)
		return;
	free_contents(v);
	free(v);
}

/* The member of an object; NULL if v is not an object or lacks it. */
const JsonValue *
json_get(const JsonValue *v, const char *key)
{
	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->count; i++)
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

/* A string member, or fallback if it is absent, null or not a string. */
const char *
json_get_string(const JsonValue *v, const char *key, const char *fallback)
{
	const JsonValue *m = json_get(v, key);

	return m != NULL && m->type == JSON_STRING ? m->text : fallback;
}

/* A number member as written ("1709094215389013938"), or fallback. */
const char *
json_get_number_text(const JsonValue *v, const char *key, const char *fallback)
{
	const JsonValue *m = json_get(v, key);

	return m != NULL && m->type == JSON_NUMBER ? m->text : fallback;
}

/* An unsigned integer member, exactly; 0 if absent or not a number. */
uint64_t
json_get_u64(const JsonValue *v, const char *key)
{
	const JsonValue *m = json_get(v, key);

	return m != NULL && m->type == JSON_NUMBER && m->text[0] != '-' ?
		strtoull(m->text, NULL, 10) : 0;
}

/* A number member as a double; false if absent, null or not a number. */
bool
json_get_double(const JsonValue *v, const char *key, double *out)
{
	const JsonValue *m = json_get(v, key);

	if (m == NULL || m->type != JSON_NUMBER)
		return false;
	*out = m->number;
	return true;
}

bool
json_get_bool(const JsonValue *v, const char *key)
{
	const JsonValue *m = json_get(v, key);

	return m != NULL && m->type == JSON_BOOL && m->boolean;
}

/* An array member's length (0 if it is absent or not an array). */
size_t
json_get_array(const JsonValue *v, const char *key, const JsonValue **items)
{
	const JsonValue *m = json_get(v, key);

	if (m == NULL || m->type != JSON_ARRAY)
	{
		*items = NULL;
		return 0;
	}
	*items = m->items;
	return m->count;
}
