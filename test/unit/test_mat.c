/*-------------------------------------------------------------------------
 *
 * test_mat.c
 *	  Unit tests of the MAT builder's one pass (src/mat): columns that
 *	  grow (mb_column_grow), and a topic filled in one pass written byte
 *	  for byte as the two passes write it, whatever its messages do (leaves
 *	  appearing late, rows missing, repetitions growing, booleans, text,
 *	  a leaf turning into a struct), within the budget it is given.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/decode/decode.h"
#include "../../src/mat/mattopic.h"
#include "unit.h"

#define MAT5_HEADER_TEXT 116	/* the header's text holds the date */

static HdDecoder *json;
static char path[64];
static char failure[256];		/* why export() failed */

/* ---- columns that grow --------------------------------------------------------- */

static bool
test_grow_double(void)
{
	MbColumn	c;
	MbError		err;

	CHECK(mb_column_init(&c, MB_DOUBLE, 2, 2, false, NULL, &err), "init: %s", err.message);
	mb_column_set_double(&c, 0, 0, 1);
	mb_column_set_double(&c, 1, 0, 2);
	mb_column_set_double(&c, 1, 1, 3);
	CHECK(mb_column_grow(&c, 5, 3), "grow failed");
	CHECK(c.cap == 5 && c.width == 3, "shape %zu x %zu", c.cap, c.width);
	CHECK(mb_column_held_bytes(&c) == 5 * 3 * sizeof(double), "held %llu",
		  (unsigned long long) mb_column_held_bytes(&c));
	CHECK(c.d[0] == 1 && c.d[1] == 2 && c.d[5 + 1] == 3, "values moved: %g %g %g",
		  c.d[0], c.d[1], c.d[6]);
	CHECK(isnan(c.d[5]) && isnan(c.d[2]) && isnan(c.d[4]) && isnan(c.d[7]) &&
		  isnan(c.d[9]), "an old absent value or a new row is not NaN");
	for (int i = 10; i < 15; i++)
		CHECK(isnan(c.d[i]), "new column row %d is %g", i - 10, c.d[i]);
	CHECK(mb_column_grow(&c, 3, 1) && c.cap == 5 && c.width == 3, "a column shrank");
	mb_column_free(&c);
	return true;
}

static bool
test_grow_logical_and_cell(void)
{
	MbColumn	l;
	MbColumn	s;
	MbError		err;

	CHECK(mb_column_init(&l, MB_LOGICAL, 1, 1, false, NULL, &err), "init: %s", err.message);
	mb_column_set_logical(&l, 0, 0, true);
	CHECK(mb_column_grow(&l, 3, 2), "grow failed");
	CHECK(l.l[0] == 1 && l.l[1] == 0 && l.l[2] == 0 && l.l[3] == 0 && l.l[5] == 0,
		  "logical padding is not false");
	mb_column_free(&l);

	CHECK(mb_column_init(&s, MB_CELL, 2, 1, false, NULL, &err), "init: %s", err.message);
	CHECK(mb_column_set_string(&s, 1, 0, "ab", 2), "set failed");
	CHECK(mb_column_grow(&s, 4, 2), "grow failed");
	CHECK(s.s[0] == NULL && s.s[1] != NULL && s.slen[1] == 2 && s.s[1][1] == 'b',
		  "the text did not keep its row");
	for (int i = 2; i < 8; i++)
		CHECK(s.s[i] == NULL && s.slen[i] == 0, "new cell %d is not ''", i);
	mb_column_free(&s);
	return true;
}

static bool
test_to_logical(void)
{
	MbColumn	c;
	MbError		err;

	CHECK(mb_column_init(&c, MB_DOUBLE, 3, 1, false, NULL, &err), "init: %s", err.message);
	mb_column_set_double(&c, 0, 0, 1);
	mb_column_set_double(&c, 1, 0, 0);
	mb_column_set_double(&c, 2, 0, 1);
	CHECK(mb_column_to_logical(&c), "conversion failed");
	CHECK(c.cls == MB_LOGICAL && c.d == NULL && c.l[0] == 1 && c.l[1] == 0 && c.l[2] == 1,
		  "values %d %d %d", c.l[0], c.l[1], c.l[2]);
	mb_column_free(&c);
	return true;
}

/* ---- one pass against two --------------------------------------------------------- */

/* The messages of a case: JSON documents, separated by '\n'. */
typedef struct Case
{
	const char *name;
	const char *messages;
} Case;

static int
split(const char *text, const char **msg, size_t *len, int max)
{
	int			n = 0;
	const char *p = text;

	while (*p != '\0' && n < max)
	{
		const char *end = strchr(p, '\n');

		msg[n] = p;
		len[n] = end ? (size_t) (end - p) : strlen(p);
		n++;
		p += len[n - 1] + (end ? 1 : 0);
	}
	return n;
}

/* The bytes of a MAT file, its dated header text blanked; NULL if unreadable. */
static unsigned char *
read_masked(size_t *size)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *b;
	long		n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n > 0 ? n : 1);
	if (b == NULL || fread(b, 1, n, f) != (size_t) n)
	{
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (n >= MAT5_HEADER_TEXT)
		memset(b, ' ', MAT5_HEADER_TEXT);
	*size = (size_t) n;
	return b;
}

/*
 * Write the messages as one topic, in one pass or two, and read the file
 * back; NULL (with why) on a failure, or when the one pass asks for two.
 */
static unsigned char *
export(const char *messages, MbLayout layout, MbFormat format, bool one_pass,
	   size_t *size, bool *two_passes)
{
	const char *msg[512];
	size_t		len[512];
	int			n = split(messages, msg, len, 512);
	MbTopic    *t = mb_topic_new("topic", layout);
	MbFile	   *f;
	MbError		merr;
	HdError		err;
	bool		ok = true;

	mb_topic_set_budget(t, UINT64_MAX);
	for (int i = 0; i < n && ok; i++)
		ok = (one_pass ? mb_topic_add(t, json, 0.5 * i, (const uint8_t *) msg[i], len[i], &err)
			  : mb_topic_learn(t, json, (const uint8_t *) msg[i], len[i], &err)) == HD_OK;
	*two_passes = mb_topic_needs_two_passes(t);
	if (!ok || *two_passes)
	{
		snprintf(failure, sizeof(failure), "adding a message: %.200s",
				 ok ? "needs two passes" : err.message);
		mb_topic_free(t);
		return NULL;
	}
	f = mb_create(path, format, &merr);
	ok = f != NULL && mb_topic_prepare(t, f, 4, &merr);
	for (int i = 0; i < n && ok && !one_pass; i++)
		ok = mb_topic_fill(t, json, 0.5 * i, (const uint8_t *) msg[i], len[i], &err) == HD_OK;
	ok = ok && mb_topic_write(t, &merr);
	mb_topic_free(t);
	if (f != NULL && !(ok ? mb_finish(f, &merr) : (mb_discard(f), false)))
		ok = false;
	if (!ok)
	{
		snprintf(failure, sizeof(failure), "writing: %.200s", merr.message);
		return NULL;
	}
	return read_masked(size);
}

static const Case cases[] = {
	{"leaves appearing late and missing",
	"{\"a\":1}\n{\"a\":2,\"b\":3}\n{\"b\":4}\n{\"a\":5,\"c\":[1,2,3]}\n{\"c\":[4]}\n{}\n{\"d\":{\"e\":7}}"},
	{"repetitions growing late",
	"{\"r\":[1]}\n{\"r\":[]}\n{\"r\":[1,2]}\n{\"r\":[3,4,5,6,7]}\n{\"r\":9}"},
	{"booleans: logical, mixed with numbers, repeated, missing",
	"{\"f\":true,\"g\":true,\"h\":[true],\"k\":false}\n{\"f\":false,\"g\":2,\"h\":[false,true]}\n{\"f\":true,\"g\":false,\"h\":[]}"},
	{"text, and numbers and booleans after it",
	"{\"s\":\"x\",\"t\":null}\n{\"s\":5.25}\n{\"s\":true,\"t\":\"\\u00e9\"}\n{\"u\":\"late\"}"},
	{"a leaf that becomes a struct",
	"{\"o\":1}\n{\"o\":{\"p\":2}}\n{\"o\":3}\n{\"o\":[4,{\"p\":5,\"q\":true}]}"},
	{"repeated messages",
	"{\"w\":[{\"v\":1},{\"v\":2,\"u\":\"q\"}]}\n{\"w\":[{\"v\":3}]}\n{\"w\":[]}\n{\"w\":[{\"u\":\"z\"},{},{\"v\":4}]}"},
	{"documents that are not objects", "5\n{\"a\":1}\n[1,2]\n7"},
	{"names that clean to the same MATLAB name",
	"{\"a b\":1,\"a_b\":2,\"1x\":3,\"end\":4}\n{\"a-b\":5}"},
};

static bool
same_files(const char *messages, const char *what)
{
	static const MbFormat formats[] = {MB_FORMAT_V5, MB_FORMAT_V7};
	static const MbLayout layouts[] = {MB_LAYOUT_LEAF, MB_LAYOUT_TOPIC};

	for (int f = 0; f < 2; f++)
		for (int l = 0; l < 2; l++)
		{
			size_t		n1,
						n2;
			bool		two;
			unsigned char *a = export(messages, layouts[l], formats[f], false, &n1, &two);
			unsigned char *b;
			bool		same;

			CHECK(a != NULL, "%.100s, two passes: %s", what, failure);
			b = export(messages, layouts[l], formats[f], true, &n2, &two);
			if (b == NULL)
				free(a);
			CHECK(b != NULL, "%.100s, one pass: %s", what, failure);
			same = n1 == n2 && memcmp(a, b, n1) == 0;
			free(a);
			free(b);
			CHECK(same, "%.100s: %s %s files differ (%zu and %zu bytes)", what,
				  f == 0 ? "v5" : "v7", l == 0 ? "leaf" : "topic", n1, n2);
		}
	return true;
}

static bool
test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!same_files(cases[i].messages, cases[i].name))
			return false;
	return true;
}

/* Many messages, so that columns grow several times, with gaps and repetitions. */
static char *
long_case(int n)
{
	char	   *text = malloc((size_t) n * 96);
	size_t		at = 0;

	for (int i = 0; i < n; i++)
	{
		at += sprintf(text + at, "{\"x\":%d", i);
		if (i % 3 == 0)
			at += sprintf(text + at, ",\"y\":%d.5", i);
		if (i >= n / 2)
			at += sprintf(text + at, ",\"late\":true");
		at += sprintf(text + at, ",\"z\":[");
		for (int k = 0; k < i % 5; k++)
			at += sprintf(text + at, "%s%d", k ? "," : "", k);
		at += sprintf(text + at, "]}\n");
	}
	text[at > 0 ? at - 1 : 0] = '\0';
	return text;
}

static bool
test_long(void)
{
	char	   *text = long_case(500);
	bool		ok = same_files(text, "500 messages");

	free(text);
	return ok;
}

static bool
test_text_after_numbers(void)
{
	size_t		n;
	bool		two;
	unsigned char *b = export("{\"s\":1}\n{\"s\":\"x\"}", MB_LAYOUT_TOPIC, MB_FORMAT_V5, true,
							  &n, &two);

	free(b);
	CHECK(b == NULL && two, "the one pass filled a leaf whose numbers turn to text");
	return same_files("{\"s\":\"x\"}\n{\"s\":1}", "text, then numbers");
}

/* With no room to spare, columns grow by the rows they need and no more. */
static bool
test_budget(void)
{
	MbTopic    *t = mb_topic_new("topic", MB_LAYOUT_TOPIC);
	uint64_t	tree;
	HdError		err;

	mb_topic_set_budget(t, 0);
	for (int i = 0; i < 1000; i++)
		CHECK(mb_topic_add(t, json, i, (const uint8_t *) "{\"x\":1}", 7, &err) == HD_OK,
			  "add: %.200s", err.message);
	tree = mb_topic_tree_bytes(t);
	CHECK(mb_topic_held_bytes(t) == tree + 2 * 1000 * sizeof(double),
		  "held %llu, not the tree and two columns of 1000 rows",
		  (unsigned long long) mb_topic_held_bytes(t));
	mb_topic_free(t);

	t = mb_topic_new("topic", MB_LAYOUT_TOPIC);
	mb_topic_set_budget(t, 64 * 1024);
	for (int i = 0; i < 3000; i++)
	{
		CHECK(mb_topic_add(t, json, i, (const uint8_t *) "{\"x\":1}", 7, &err) == HD_OK,
			  "add: %.200s", err.message);
		CHECK(mb_topic_held_bytes(t) <= 64 * 1024 ||
			  mb_topic_held_bytes(t) == mb_topic_tree_bytes(t) + 2 * (i + 1) * sizeof(double),
			  "message %d: holds %llu, past the budget with room to spare", i,
			  (unsigned long long) mb_topic_held_bytes(t));
	}
	mb_topic_free(t);
	return true;
}

/*
 * Leaves given by the caller (as leaf blocks give them): the messages of
 * ext_case in one pass, with the numeric leaves a, b.c and b.d (a boolean)
 * given by mb_topic_put_external after the walk, and, when only, every row
 * but the first added without walking (every leaf given), write the same
 * file as the plain one pass.
 */
static const char *const ext_paths[] = {"b.d", "a", "b.c"};
static const bool ext_bool[] = {true, false, false};

static const char *
ext_case(bool with_text)
{
	return with_text ?
		"{\"a\":1,\"s\":\"x\",\"b\":{\"c\":-0.0,\"d\":true},\"r\":[1]}\n"
		"{\"a\":2.5,\"b\":{\"c\":3,\"d\":false},\"r\":[1,2,3]}\n"
		"{\"a\":-7,\"s\":\"yz\",\"b\":{\"c\":1e300,\"d\":true}}" :
		"{\"a\":1,\"b\":{\"c\":-0.0,\"d\":true}}\n"
		"{\"a\":2.5,\"b\":{\"c\":3,\"d\":false}}\n"
		"{\"a\":-7,\"b\":{\"c\":1e300,\"d\":true}}";
}

/* The values of ext_paths in each message of ext_case. */
static const double ext_values[3][3] = {{1, 1, -0.0}, {0, 2.5, 3}, {1, -7, 1e300}};

/*
 * Write a topic read in one pass (when ok) and free it; the file's bytes,
 * or NULL on a failure.
 */
static unsigned char *
write_topic(MbTopic *t, MbFormat format, bool ok, size_t *size)
{
	MbError		merr;
	MbFile	   *f = ok ? mb_create(path, format, &merr) : NULL;

	ok = f != NULL && mb_topic_prepare(t, f, 4, &merr) && mb_topic_write(t, &merr);
	mb_topic_free(t);
	if (f != NULL && !(ok ? mb_finish(f, &merr) : (mb_discard(f), false)))
		ok = false;
	return ok ? read_masked(size) : NULL;
}

static unsigned char *
export_external(const char *messages, MbLayout layout, MbFormat format,
				bool only, size_t *size)
{
	const char *msg[16];
	size_t		len[16];
	int			n = split(messages, msg, len, 16);
	MbTopic    *t = mb_topic_new("topic", layout);
	HdError		err;
	bool		ok = mb_topic_set_external(t, ext_paths, ext_bool, 3);

	mb_topic_set_budget(t, UINT64_MAX);
	for (int i = 0; i < n && ok; i++)
	{
		if (only && i > 0)
			ok = mb_topic_add_row(t, 0.5 * i, &err) == HD_OK;
		else
			ok = mb_topic_add(t, json, 0.5 * i, (const uint8_t *) msg[i], len[i], &err) == HD_OK;
		if (only && i == 0 && !mb_topic_only_external(t))
			ok = false;
	}
	for (int i = 0; i < n && ok; i++)
		ok = mb_topic_put_external(t, i, ext_values[i]);
	ok = ok && !mb_topic_put_external(t, n, ext_values[0]);	/* past the messages */
	return write_topic(t, format, ok, size);
}

static bool
test_external(void)
{
	for (int c = 0; c < 3; c++)
		for (int l = 0; l < 2; l++)
			for (int fmt = 0; fmt < 2; fmt++)
			{
				MbLayout	layout = l == 0 ? MB_LAYOUT_LEAF : MB_LAYOUT_TOPIC;
				MbFormat	format = fmt == 0 ? MB_FORMAT_V5 : MB_FORMAT_V7;
				const char *messages = ext_case(c == 0);
				size_t		n1,
							n2;
				bool		two;
				unsigned char *a = export(messages, layout, format, true, &n1, &two);
				unsigned char *b = export_external(messages, layout, format, c == 2, &n2);
				bool		same = a != NULL && b != NULL && n1 == n2 && memcmp(a, b, n1) == 0;

				free(a);
				free(b);
				CHECK(same, "%s, %s %s: the leaves given %s differ from the walk's",
					  c == 0 ? "with text and arrays" : "numbers only",
					  fmt == 0 ? "v5" : "v7", l == 0 ? "leaf" : "topic",
					  c == 2 ? "with rows added" : "after the walk");
			}
	return true;
}

/*
 * A leaf added after the messages (as math channels are): the messages
 * without it, then mb_topic_add_leaf, write the file the walk writes of
 * the messages holding it, in every message (both layouts) or with one
 * lacking it, given as NaN (the topic layout, where a missing value is
 * NaN).  A name of a field is refused.
 */
static unsigned char *
export_added(const char *messages, MbLayout layout, MbFormat format,
			 const double *values, size_t *size)
{
	const char *msg[16];
	size_t		len[16];
	int			n = split(messages, msg, len, 16);
	MbTopic    *t = mb_topic_new("topic", layout);
	HdError		err;
	bool		ok = true;

	mb_topic_set_budget(t, UINT64_MAX);
	for (int i = 0; i < n && ok; i++)
		ok = mb_topic_add(t, json, 0.5 * i, (const uint8_t *) msg[i], len[i], &err) == HD_OK;
	ok = ok && !mb_topic_add_leaf(t, "a", NULL, values);	/* a field's name */
	ok = ok && mb_topic_add_leaf(t, "m", NULL, values);
	return write_topic(t, format, ok, size);
}

static bool
test_added_leaf(void)
{
	static const double full[] = {1, 2.5, -7};
	static const double gap[] = {1, NAN, -7};

	for (int c = 0; c < 3; c++)
		for (int fmt = 0; fmt < 2; fmt++)
		{
			MbLayout	layout = c == 0 ? MB_LAYOUT_LEAF : MB_LAYOUT_TOPIC;
			MbFormat	format = fmt == 0 ? MB_FORMAT_V5 : MB_FORMAT_V7;
			size_t		n1,
						n2;
			bool		two;
			unsigned char *a = export(c == 2 ?
									  "{\"a\":1,\"m\":1}\n{\"a\":2}\n{\"a\":3,\"m\":-7}" :
									  "{\"a\":1,\"m\":1}\n{\"a\":2,\"m\":2.5}\n{\"a\":3,\"m\":-7}",
									  layout, format, true, &n1, &two);
			unsigned char *b = export_added("{\"a\":1}\n{\"a\":2}\n{\"a\":3}", layout,
											format, c == 2 ? gap : full, &n2);
			bool		same = a != NULL && b != NULL && n1 == n2 && memcmp(a, b, n1) == 0;

			free(a);
			free(b);
			CHECK(same, "%s %s%s: the added leaf differs from the walk's",
				  fmt == 0 ? "v5" : "v7", c == 0 ? "leaf" : "topic",
				  c == 2 ? " with a message lacking it" : "");
		}
	return true;
}

int
main(void)
{
	HdError		err;

	json = hd_decoder_compile("json", "", "", NULL, 0, &err);
	if (json == NULL)
	{
		fprintf(stderr, "cannot compile the JSON decoder: %.200s\n", err.message);
		return 1;
	}
	snprintf(path, sizeof(path), "/tmp/test_mat_%ld.mat", (long) getpid());
	report("a double column grows, values in place, NaN elsewhere", test_grow_double());
	report("leaves given by the caller write the walk's file", test_external());
	report("a leaf added after the messages writes the walk's file", test_added_leaf());
	report("logical and cell columns grow, padded with false and ''", test_grow_logical_and_cell());
	report("a double column made logical", test_to_logical());
	report("one pass writes what two passes write", test_cases());
	report("one pass over 500 messages writes what two passes write", test_long());
	report("a leaf turning to text after numbers needs two passes", test_text_after_numbers());
	report("the one pass grows within its budget", test_budget());
	unlink(path);
	hd_decoder_free(json);
	return unit_summary();
}
