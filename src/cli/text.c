/*-------------------------------------------------------------------------
 *
 * text.c
 *	  Formatting sizes and durations for people, quoting values for the
 *	  server (JSON strings, text[] literals), and the clock.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hd_json.h"

/* "512 B", "1.5 kB", "12.3 MB", "4.20 GB" (powers of 1000, like du --si). */
void
cli_format_bytes(uint64_t bytes, char *buf, size_t buflen)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double		v = (double) bytes;
	int			u = 0;

	if (bytes < 1000)
	{
		snprintf(buf, buflen, "%llu B", (unsigned long long) bytes);
		return;
	}
	while (v >= 1000.0 && u < 5)
	{
		v /= 1000.0;
		u++;
	}
	snprintf(buf, buflen, v < 10.0 ? "%.2f %s" : v < 100.0 ? "%.1f %s" : "%.0f %s",
			 v, units[u]);
}

/* "0.35 s", "12.4 s", "3 min 20 s", "2 h 05 min". */
void
cli_format_duration(double seconds, char *buf, size_t buflen)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 10)
		snprintf(buf, buflen, "%.2f s", seconds);
	else if (seconds < 60)
		snprintf(buf, buflen, "%.1f s", seconds);
	else if (seconds < 3600)
		snprintf(buf, buflen, "%d min %02d s", (int) seconds / 60,
				 (int) seconds % 60);
	else
		snprintf(buf, buflen, "%d h %02d min", (int) seconds / 3600,
				 ((int) seconds % 3600) / 60);
}

/* A growable string, for the quoting functions below. */
typedef struct Text
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Text;

static void
text_putc(Text *t, char c)
{
	if (t->len + 2 > t->cap)
	{
		t->cap = t->cap ? 2 * t->cap : 64;
		t->data = cli_realloc(t->data, t->cap);
	}
	t->data[t->len++] = c;
	t->data[t->len] = '\0';
}

/* A Text as the sink of hd_json_string */
static bool
append_to_text(void *sink, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		text_putc(sink, data[i]);
	return true;
}

/* s as a JSON string literal, quotes included.  Caller frees. */
char *
cli_json_string(const char *s)
{
	Text		t = {0};

	hd_json_string(s, strlen(s), HD_JSON_BYTES_AS_IS, append_to_text, &t);
	return t.data;
}

/*
 * Split a comma-separated list ("A, B,C") into its elements, each trimmed
 * of the white space around it; empty elements are dropped.  *count is set
 * to the number of elements.  Caller frees with cli_free_list().
 */
char	  **
cli_split_list(const char *list, int *count)
{
	char	  **items = NULL;
	int			n = 0;
	const char *p = list;

	for (;;)
	{
		const char *end = strchr(p, ',');
		const char *b = p;
		const char *e = end ? end : p + strlen(p);

		while (b < e && isspace((unsigned char) *b))
			b++;
		while (e > b && isspace((unsigned char) e[-1]))
			e--;
		if (e > b)
		{
			items = cli_realloc(items, (size_t) (n + 2) * sizeof(char *));
			items[n] = cli_malloc((size_t) (e - b) + 1);
			memcpy(items[n], b, (size_t) (e - b));
			items[n][e - b] = '\0';
			n++;
			items[n] = NULL;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	*count = n;
	return items;
}

void
cli_free_list(char **items, int count)
{
	for (int i = 0; i < count; i++)
		free(items[i]);
	free(items);
}

/*
 * Elements as a text[] literal ({"A","B"}), each quoted so that spaces,
 * braces and quotes in topic names survive.  Caller frees.
 */
char *
cli_text_array(char *const *items, int count)
{
	Text		t = {0};

	text_putc(&t, '{');
	for (int i = 0; i < count; i++)
	{
		if (i > 0)
			text_putc(&t, ',');
		text_putc(&t, '"');
		for (const char *p = items[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				text_putc(&t, '\\');
			text_putc(&t, *p);
		}
		text_putc(&t, '"');
	}
	text_putc(&t, '}');
	return t.data;
}

/* Seconds on a monotonic clock. */
double
cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Append to a growable string (CliText, zero-initialised). */
void
cli_text_printf(CliText *t, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t) n + 1 > t->cap)
	{
		t->cap = (t->len + (size_t) n + 1) * 2;
		t->data = cli_realloc(t->data, t->cap);
	}
	va_start(ap, fmt);
	vsnprintf(t->data + t->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t) n;
}

/* Add "key=value" to the JSON object being built in *json. */
bool
cli_add_tag(char **json, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char	   *key;
	char	   *qkey;
	char	   *qvalue;
	size_t		len;

	if (eq == NULL || eq == arg)
		return false;
	key = cli_malloc((size_t) (eq - arg) + 1);
	memcpy(key, arg, (size_t) (eq - arg));
	key[eq - arg] = '\0';
	qkey = cli_json_string(key);
	qvalue = cli_json_string(eq + 1);
	len = strlen(*json);
	*json = cli_realloc(*json, len + strlen(qkey) + strlen(qvalue) + 4);
	/* replace the closing brace */
	sprintf(*json + len - 1, "%s%s:%s}", len > 2 ? "," : "", qkey, qvalue);
	free(key);
	free(qkey);
	free(qvalue);
	return true;
}
