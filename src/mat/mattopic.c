/*-------------------------------------------------------------------------
 *
 * mattopic.c
 *	  A topic's messages as one MATLAB struct variable (see mattopic.h):
 *	  a decoder visitor that learns the field tree (pass 1) and fills
 *	  per-leaf column buffers (pass 2), or does both at once (the one
 *	  pass), its columns growing.  Sizing the buffers between the passes,
 *	  shaping the grown ones, and writing the variable are
 *	  mattopic_write.c's.
 *
 * The one pass fills what pass 2 would: in the topic layout a leaf's row
 * is its message's, so the rows of messages without it stay absent; in
 * the leaf layout its rows are the messages holding it, and their times
 * are the topic's first ones until a message lacks it, after which the
 * leaf keeps times of its own.  Columns grow by half again (within the
 * budget while the values fit), and no value changes kind once stored,
 * except a number or boolean that must become text: then the one pass
 * stops (mb_topic_needs_two_passes).
 *
 * Kinds of a leaf: numbers and enums are double; booleans are logical
 * when a leaf has exactly one value in each of its rows, double (1, 0,
 * NaN) otherwise; strings and bytes (base64) are cells of char.  A leaf
 * that holds values of several kinds takes the widest: number over
 * boolean, text over both (numbers as their shortest text).  A field that
 * is sometimes an object and sometimes a scalar keeps the scalars in a
 * field "value" of its struct.
 *
 *-------------------------------------------------------------------------
 */
#include "mattopic_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
mb_parse_layout(const char *text, MbLayout *layout)
{
	if (strcmp(text, "leaf") == 0)
		*layout = MB_LAYOUT_LEAF;
	else if (strcmp(text, "topic") == 0)
		*layout = MB_LAYOUT_TOPIC;
	else
		return false;
	return true;
}

/* ---- the tree ------------------------------------------------------------------ */

static void
free_node(Node *n)
{
	for (int i = 0; i < n->nchildren; i++)
	{
		free_node(n->children[i]);
		free(n->children[i]);
	}
	for (int i = 0; i < n->nenums; i++)
		free(n->enum_names[i]);
	free(n->enum_names);
	free(n->enum_values);
	free(n->children);
	free(n->raw);
	free(n->unit);
	mb_column_free(&n->data);
	mb_column_free(&n->time);
}

MbTopic *
mb_topic_new(const char *name, MbLayout layout)
{
	MbTopic    *t = calloc(1, sizeof(MbTopic));

	if (t == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->layout = layout;
	t->root.kind = NK_STRUCT;
	return t;
}

void
mb_topic_free(MbTopic *t)
{
	if (t == NULL)
		return;
	free_node(&t->root);
	mb_column_free(&t->time);
	free(t->owners);
	for (int i = 0; i < t->next; i++)
		free(t->ext_paths[i]);
	free(t->ext_paths);
	free(t->ext_from);
	free(t->ext_bool);
	free(t->ext_nodes);
	free(t);
}

uint64_t
mb_topic_messages(const MbTopic *t)
{
	return t->messages;
}

uint64_t
mb_topic_fields(const MbTopic *t)
{
	return t->nodes;
}

uint64_t
mb_topic_tree_bytes(const MbTopic *t)
{
	return sizeof(MbTopic) + t->tree_bytes;
}

/* Note a failure; message may be t->error.message already. */
bool
mb_topic_fail(MbTopic *t, const char *message)
{
	t->failed = true;
	if (message != t->error.message)
		snprintf(t->error.message, sizeof(t->error.message), "%s", message);
	return false;
}

/* The child of n named name; created in pass 1 when missing (NULL if not). */
static Node *
child(MbTopic *t, Node *n, const char *name, size_t len)
{
	Node	   *c;

	for (int k = 0; k < n->nchildren; k++)
	{
		int			i = (n->cursor + k) % n->nchildren;

		c = n->children[i];
		if (c->rawlen == len && memcmp(c->raw, name, len) == 0)
		{
			n->cursor = i + 1;
			return c;
		}
	}
	if (t->pass == MB_PASS_FILL)
		return NULL;
	if (n->nchildren == n->capchildren)
	{
		int			cap = n->capchildren ? n->capchildren * 2 : 8;
		Node	  **grown = realloc(n->children, sizeof(Node *) * cap);

		if (grown == NULL)
			return NULL;
		n->children = grown;
		n->capchildren = cap;
	}
	c = calloc(1, sizeof(Node));
	if (c == NULL || (c->raw = malloc(len + 1)) == NULL)
	{
		free(c);
		return NULL;
	}
	memcpy(c->raw, name, len);
	c->raw[len] = '\0';
	c->rawlen = len;
	t->tree_bytes += sizeof(Node) + sizeof(Node *) + len + 1;
	t->nodes++;
	n->children[n->nchildren++] = c;
	n->cursor = n->nchildren;
	return c;
}

/*
 * A leaf that turns out to hold objects too: it becomes a struct and what
 * it held moves to its field "value".
 */
static bool
make_struct(MbTopic *t, Node *n)
{
	Node	   *v;

	if (n->kind == NK_STRUCT)
		return true;
	if (n->kind == NK_NONE)
	{
		n->kind = NK_STRUCT;
		return true;
	}
	v = child(t, n, "value", 5);
	if (v == NULL)
		return false;
	v->kind = n->kind;
	v->is_enum = n->is_enum;
	v->rows = n->rows;
	v->width = n->width;
	v->chars = n->chars;
	v->presence[0] = n->presence[0];
	v->presence[1] = n->presence[1];
	v->enum_values = n->enum_values;
	v->enum_names = n->enum_names;
	v->nenums = n->nenums;
	v->capenums = n->capenums;
	v->serial = n->serial;
	v->occ = n->occ;
	/* the one pass: what it filled moves too */
	v->data = n->data;
	v->time = n->time;
	memset(&n->data, 0, sizeof(MbColumn));
	memset(&n->time, 0, sizeof(MbColumn));
	n->enum_values = NULL;
	n->enum_names = NULL;
	n->nenums = n->capenums = 0;
	n->kind = NK_STRUCT;
	return true;
}

static bool
add_enum(MbTopic *t, Node *n, int32_t number, const char *name)
{
	for (int i = 0; i < n->nenums; i++)
		if (n->enum_values[i] == number)
			return true;
	if (n->nenums == n->capenums)
	{
		int			cap = n->capenums ? n->capenums * 2 : 8;
		int32_t    *values = realloc(n->enum_values, sizeof(int32_t) * cap);
		char	  **names;

		if (values == NULL)
			return false;
		n->enum_values = values;
		names = realloc(n->enum_names, sizeof(char *) * cap);
		if (names == NULL)
			return false;
		n->enum_names = names;
		n->capenums = cap;
	}
	n->enum_names[n->nenums] = strdup(name);
	if (n->enum_names[n->nenums] == NULL)
		return false;
	n->enum_values[n->nenums++] = number;
	t->tree_bytes += sizeof(int32_t) + sizeof(char *) + strlen(name) + 1;
	return true;
}

static NodeKind
merge_kind(NodeKind have, NodeKind seen)
{
	if (have == NK_NONE || have == seen)
		return seen;
	if (have == NK_STRING || seen == NK_STRING)
		return NK_STRING;
	return NK_NUMBER;			/* number and boolean */
}

/* ---- the walk ------------------------------------------------------------------ */

/*
 * Where a value goes: the field just announced, the array it is an
 * element of, or (a document that is not an object) the root's "value".
 */
static Node *
value_target(MbTopic *t)
{
	Node	   *n = t->pending;

	t->pending = NULL;
	if (n != NULL)
		return n;
	if (t->depth == 0)
		return child(t, &t->root, "value", 5);
	if (t->in_array[t->depth - 1])
		return t->stack[t->depth - 1];
	return NULL;
}

static int
push(MbTopic *t, Node *n, bool array)
{
	if (t->depth >= HD_MAX_DEPTH + 1)
		return HD_SKIP;
	t->stack[t->depth] = n;
	t->in_array[t->depth] = array;
	t->depth++;
	return HD_CONTINUE;
}

static int
pop(void *ctx)
{
	MbTopic    *t = ctx;

	if (t->depth > 0)
		t->depth--;
	return HD_CONTINUE;
}

static int
v_begin_object(void *ctx)
{
	MbTopic    *t = ctx;
	Node	   *n;

	if (t->depth == 0 && t->pending == NULL)
		n = &t->root;
	else
		n = value_target(t);
	if (n == NULL)
		return t->pass != MB_PASS_FILL ? HD_ABORT : HD_SKIP;
	if (t->pass != MB_PASS_FILL && !make_struct(t, n))
		return HD_ABORT;
	if (n->kind != NK_STRUCT)
		return HD_SKIP;
	return push(t, n, false);
}

static int
v_begin_array(void *ctx, int64_t count)
{
	MbTopic    *t = ctx;
	Node	   *n = value_target(t);

	(void) count;
	if (n == NULL)
		return t->pass != MB_PASS_FILL ? HD_ABORT : HD_SKIP;
	return push(t, n, true);
}

/* ---- leaves given by the caller ------------------------------------------- */

static int
compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * A leaf just created under the top of the stack, named name: whether it
 * is one of the caller's (its path, the fields' names joined by '.', not
 * inside an array); it then takes its kind from the caller.
 */
static void
mark_external(MbTopic *t, Node *n, const char *name, size_t len)
{
	char		path[4096];
	size_t		used = 0;
	char	   *key = path;
	char	  **found;

	for (int d = 0; d < t->depth; d++)
	{
		const Node *level = t->stack[d];

		if (t->in_array[d])
			return;
		if (d == 0)
			continue;			/* the root */
		if (used + level->rawlen + 1 >= sizeof(path))
			return;
		memcpy(path + used, level->raw, level->rawlen);
		used += level->rawlen;
		path[used++] = '.';
	}
	if (used + len + 1 > sizeof(path))
		return;
	memcpy(path + used, name, len);
	path[used + len] = '\0';
	found = bsearch(&key, t->ext_paths, t->next, sizeof(char *), compare_paths);
	if (found == NULL)
		return;
	n->external = true;
	n->kind = t->ext_bool[found - t->ext_paths] ? NK_BOOL : NK_NUMBER;
	t->ext_nodes[found - t->ext_paths] = n;
}

/* A caller's leaf and its index in the caller's order, for sorting. */
typedef struct ExtPath
{
	const char *path;
	int			from;
} ExtPath;

bool
mb_topic_set_external(MbTopic *t, const char *const *paths, const bool *is_bool,
					  int n)
{
	ExtPath    *sorted;

	if (n <= 0)
		return true;
	t->ext_paths = calloc(n, sizeof(char *));
	t->ext_from = calloc(n, sizeof(int));
	t->ext_bool = calloc(n, sizeof(bool));
	t->ext_nodes = calloc(n, sizeof(Node *));
	sorted = malloc(sizeof(ExtPath) * n);
	if (t->ext_paths == NULL || t->ext_from == NULL || t->ext_bool == NULL ||
		t->ext_nodes == NULL || sorted == NULL)
	{
		free(sorted);
		return false;
	}
	/* sorted for the walk to find them, each with where it came from */
	for (int i = 0; i < n; i++)
	{
		sorted[i].path = paths[i];
		sorted[i].from = i;
	}
	qsort(sorted, n, sizeof(ExtPath), compare_paths);
	for (int i = 0; i < n; i++)
	{
		t->ext_from[i] = sorted[i].from;
		t->ext_bool[i] = is_bool[sorted[i].from];
		t->ext_paths[i] = strdup(sorted[i].path);
		if (t->ext_paths[i] == NULL)
		{
			free(sorted);
			return false;
		}
		t->next = i + 1;
	}
	free(sorted);
	return true;
}

/* Whether every leaf under n is the caller's. */
static bool
only_external(const Node *n)
{
	if (n->kind != NK_STRUCT)
		return n->external;
	for (int i = 0; i < n->nchildren; i++)
		if (!only_external(n->children[i]))
			return false;
	return true;
}

bool
mb_topic_only_external(const MbTopic *t)
{
	for (int i = 0; i < t->next; i++)
		if (t->ext_nodes[i] == NULL)
			return false;
	return only_external(&t->root);
}

static int
v_field(void *ctx, const char *name, size_t len)
{
	MbTopic    *t = ctx;
	Node	   *top;
	int			had;

	if (t->depth == 0)
		return HD_SKIP;
	top = t->stack[t->depth - 1];
	had = top->nchildren;
	t->pending = child(t, top, name, len);
	if (t->pending == NULL)
		return t->pass != MB_PASS_FILL ? HD_ABORT : HD_SKIP;
	if (t->next > 0 && top->nchildren > had)
		mark_external(t, t->pending, name, len);
	if (t->pending->external)
	{
		t->pending = NULL;
		return HD_SKIP;
	}
	return HD_CONTINUE;
}

/* Pass 1: count the value. */
static int
learn_value(MbTopic *t, Node *n, const Value *v)
{
	n->kind = merge_kind(n->kind, v->kind);
	if (n->serial != t->serial)
	{
		n->serial = t->serial;
		n->occ = 0;
		n->rows++;
		/* two independent hashes of the serials of the messages holding it */
		n->presence[0] = (n->presence[0] ^ t->serial) * 0x100000001B3ULL;
		n->presence[1] = n->presence[1] * 0x9E3779B97F4A7C15ULL + 2 * t->serial + 1;
	}
	if (++n->occ > n->width)
		n->width = n->occ;
	if (v->kind == NK_STRING)
		n->chars += v->len;
	if (n->is_enum && v->text != NULL && !add_enum(t, n, (int32_t) v->number, v->text))
		return HD_ABORT;
	return HD_CONTINUE;
}

/* Pass 2: the row of the leaf for this message, in memory; false to skip. */
static bool
begin_row(MbTopic *t, Node *n)
{
	uint64_t	row;

	if (n->serial == t->serial)
		return true;
	n->serial = t->serial;
	n->occ = 0;
	if (t->layout == MB_LAYOUT_LEAF)
	{
		if (n->filled >= n->rows)
			return false;
		row = n->filled++;
	}
	else
		row = t->filled - 1;
	n->local = mb_column_reach(&n->data, t->file, row, &t->error);
	if (n->local < 0)
		return mb_topic_fail(t, t->error.message);
	if (n->time_of == n)
	{
		int64_t		local = mb_column_reach(&n->time, t->file, row, &t->error);

		if (local < 0)
			return mb_topic_fail(t, t->error.message);
		mb_column_set_double(&n->time, (size_t) local, 0, t->now);
	}
	return true;
}

/* A text value of a cell column; false when out of memory. */
static bool
store_text(MbTopic *t, MbColumn *c, size_t row, size_t col, const char *text,
		   size_t len)
{
	if (!mb_column_set_string(c, row, col, text, len))
		return false;
	t->held += 2 * (uint64_t) c->slen[col * c->cap + row];
	return true;
}

/* A value into the column's row (in memory) and column, as its class takes it. */
static int
store_value(MbTopic *t, Node *n, size_t row, size_t col, const Value *v)
{
	char		text[HD_NUMBER_TEXT_SIZE];
	bool		ok;

	if (n->data.cls != MB_CELL)
	{
		if (v->kind != NK_STRING)
			mb_column_set_double(&n->data, row, col, v->number);
		return HD_CONTINUE;
	}
	if (v->kind == NK_STRING || v->text != NULL)
		ok = store_text(t, &n->data, row, col, v->text, v->len);
	else if (v->kind == NK_BOOL)
		ok = store_text(t, &n->data, row, col, v->number != 0 ? "true" : "false",
						v->number != 0 ? 4 : 5);
	else
		ok = store_text(t, &n->data, row, col, text,
						hd_format_double(text, v->number, false));
	return ok ? HD_CONTINUE : HD_ABORT;
}

static int
fill_value(MbTopic *t, Node *n, const Value *v)
{
	size_t		col;

	if (!begin_row(t, n))
		return t->failed ? HD_ABORT : HD_CONTINUE;
	col = n->occ++;
	if (col >= n->width)
		return HD_CONTINUE;
	return store_value(t, n, (size_t) n->local, col, v);
}

/* ---- the one pass ------------------------------------------------------------ */

/*
 * The capacity a column takes to hold row 'need' - 1: half as much again
 * as it holds, but no more than the budget leaves while 'need' fits.
 */
static size_t
rows_to_hold(const MbTopic *t, const MbColumn *c, size_t need,
			 uint64_t row_bytes)
{
	uint64_t	used = mb_topic_held_bytes(t);
	uint64_t	spare = t->budget > used ? t->budget - used : 0;
	size_t		want = c->cap + c->cap / 2;

	if (want < 64)
		want = 64;
	if (want < need)
		want = need;
	if (row_bytes > 0 && want - c->cap > spare / row_bytes)
		want = c->cap + spare / row_bytes < need ? need : c->cap + spare / row_bytes;
	return want;
}

/* Make a column hold row 'row' of width values; false when out of memory. */
static bool
reach_row(MbTopic *t, MbColumn *c, size_t row, size_t width)
{
	uint64_t	before = mb_column_held_bytes(c);
	size_t		cap = c->cap;

	if (row < c->cap && width <= c->width)
		return true;
	if (row >= c->cap)
		cap = rows_to_hold(t, c, row + 1,
						   mb_column_row_bytes(c->cls, width > c->width ? width : c->width));
	if (!mb_column_grow(c, cap, width))
		return mb_topic_fail(t, "out of memory");
	t->held += mb_column_held_bytes(c) - before;
	return true;
}

/*
 * Leaf layout: the time of a leaf's new row.  While every message so far
 * holds the leaf, its times are the topic's first ones; at the first gap,
 * those are copied into a time column of its own, which takes each row's
 * time from then on.
 */
static bool
note_row_time(MbTopic *t, Node *n, size_t row)
{
	bool		own = n->time.d != NULL;

	if (!own && row == t->messages - 1)
		return true;
	if (!reach_row(t, &n->time, row, 1))
		return false;
	if (!own)
		memcpy(n->time.d, t->time.d, sizeof(double) * row);
	n->time.d[row] = t->now;
	return true;
}

/*
 * Learn a value, as pass 1 does, and store it, as pass 2 would: in the
 * leaf's row for this message, growing its column.
 */
static int
add_value(MbTopic *t, Node *n, const Value *v)
{
	bool		new_row = n->serial != t->serial;
	size_t		row;

	if (v->kind == NK_STRING && n->kind != NK_STRING && n->kind != NK_NONE)
	{
		t->two_passes = true;	/* numbers held that must become text */
		return HD_ABORT;
	}
	if (learn_value(t, n, v) != HD_CONTINUE)
		return HD_ABORT;
	if (n->kind == NK_STRING)
		n->data.cls = MB_CELL;	/* the first value: nothing stored yet */
	row = t->layout == MB_LAYOUT_LEAF ? n->rows - 1 : t->messages - 1;
	if (!reach_row(t, &n->data, row, n->width))
		return HD_ABORT;
	if (new_row && t->layout == MB_LAYOUT_LEAF && !note_row_time(t, n, row))
		return HD_ABORT;
	return store_value(t, n, row, n->occ - 1, v);
}

static int
put(MbTopic *t, const Value *v, bool is_enum)
{
	Node	   *n = value_target(t);

	if (n != NULL && n->kind == NK_STRUCT)
		n = child(t, n, "value", 5);
	if (n == NULL)
		return t->pass != MB_PASS_FILL ? HD_ABORT : HD_CONTINUE;
	if (t->pass == MB_PASS_FILL)
		return fill_value(t, n, v);
	n->is_enum |= is_enum;
	if (t->pass == MB_PASS_ONE)
		return add_value(t, n, v);
	return learn_value(t, n, v);
}

static int
put_number(void *ctx, double value)
{
	Value		v = {NK_NUMBER, value, NULL, 0};

	return put(ctx, &v, false);
}

static int
v_int64(void *ctx, int64_t value)
{
	return put_number(ctx, (double) value);
}

static int
v_uint64(void *ctx, uint64_t value)
{
	return put_number(ctx, (double) value);
}

static int
v_float64(void *ctx, double value, bool is_float32)
{
	(void) is_float32;			/* a float32 is exact as a double */
	return put_number(ctx, value);
}

static int
v_string(void *ctx, const char *value, size_t len)
{
	Value		v = {NK_STRING, NAN, value, len};

	return put(ctx, &v, false);
}

static const char base64_chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
v_bytes(void *ctx, const uint8_t *value, size_t len)
{
	size_t		n = 0;
	char	   *text = malloc(4 * ((len + 2) / 3) + 1);
	Value		v = {NK_STRING, NAN, NULL, 0};
	int			rc;

	if (text == NULL)
		return HD_ABORT;
	for (size_t i = 0; i < len; i += 3)
	{
		uint32_t	b = (uint32_t) value[i] << 16;

		if (i + 1 < len)
			b |= (uint32_t) value[i + 1] << 8;
		if (i + 2 < len)
			b |= value[i + 2];
		text[n++] = base64_chars[(b >> 18) & 63];
		text[n++] = base64_chars[(b >> 12) & 63];
		text[n++] = i + 1 < len ? base64_chars[(b >> 6) & 63] : '=';
		text[n++] = i + 2 < len ? base64_chars[b & 63] : '=';
	}
	v.text = text;
	v.len = n;
	rc = put(ctx, &v, false);
	free(text);
	return rc;
}

static int
v_boolean(void *ctx, bool value)
{
	Value		v = {NK_BOOL, value ? 1.0 : 0.0, NULL, 0};

	return put(ctx, &v, false);
}

static int
v_null(void *ctx)
{
	MbTopic    *t = ctx;

	(void) value_target(t);		/* the field is known, and absent here */
	return HD_CONTINUE;
}

static int
v_enumeration(void *ctx, int32_t number, const char *name)
{
	Value		v = {NK_NUMBER, number, name, name ? strlen(name) : 0};

	return put(ctx, &v, true);
}

static const HdVisitor mat_visitor = {
	.begin_object = v_begin_object,
	.end_object = pop,
	.begin_array = v_begin_array,
	.end_array = pop,
	.field = v_field,
	.int64 = v_int64,
	.uint64 = v_uint64,
	.float64 = v_float64,
	.string = v_string,
	.bytes = v_bytes,
	.boolean = v_boolean,
	.null = v_null,
	.enumeration = v_enumeration,
};

static int
walk(MbTopic *t, const HdDecoder *decoder, const uint8_t *msg, size_t len,
	 HdError *err)
{
	int			rc;

	t->serial++;
	t->depth = 0;
	t->pending = NULL;
	rc = hd_decode(decoder, msg, len, &mat_visitor, t, err);
	if (rc == HD_ERR_VISITOR)
		snprintf(err->message, sizeof(err->message), "%s",
				 t->failed ? t->error.message : "out of memory");
	return rc;
}

/* The one pass: a message's row of the topic's times (and of nothing else). */
static bool
add_message_row(MbTopic *t, double time, HdError *err)
{
	t->pass = MB_PASS_ONE;
	t->grown = true;
	t->messages++;
	t->now = time;
	if (!reach_row(t, &t->time, t->messages - 1, 1))
	{
		err->code = HD_ERR_VISITOR;
		snprintf(err->message, sizeof(err->message), "%s", t->error.message);
		return false;
	}
	t->time.d[t->messages - 1] = time;
	return true;
}

int
mb_topic_add(MbTopic *t, const HdDecoder *decoder, double time,
			 const uint8_t *msg, size_t len, HdError *err)
{
	int			rc;

	if (t->two_passes)
		return HD_OK;
	if (!add_message_row(t, time, err))
		return HD_ERR_VISITOR;
	rc = walk(t, decoder, msg, len, err);
	return rc == HD_ERR_VISITOR && t->two_passes ? HD_OK : rc;
}

int
mb_topic_add_row(MbTopic *t, double time, HdError *err)
{
	if (!add_message_row(t, time, err))
		return HD_ERR_VISITOR;
	t->serial++;				/* as the walk of the message would */
	return HD_OK;
}

/*
 * The value of a leaf every message holds once, in the message added
 * row-th: learnt as learn_value would for the message of serial row + 1,
 * and stored in the leaf's row (its times are the topic's, as
 * note_row_time leaves them).
 */
static bool
put_value_in_row(MbTopic *t, Node *n, uint64_t row, double value)
{
	Value		v = {n->kind, value, NULL, 0};

	n->serial = row + 1;
	n->occ = 1;
	n->rows++;
	n->presence[0] = (n->presence[0] ^ n->serial) * 0x100000001B3ULL;
	n->presence[1] = n->presence[1] * 0x9E3779B97F4A7C15ULL + 2 * n->serial + 1;
	if (n->width < 1)
		n->width = 1;
	if (!reach_row(t, &n->data, (size_t) row, 1))
		return false;
	store_value(t, n, (size_t) row, 0, &v);
	return true;
}

bool
mb_topic_put_external(MbTopic *t, uint64_t row, const double *values)
{
	if (row >= t->messages)
		return mb_topic_fail(t, "more values of a leaf than messages");
	for (int i = 0; i < t->next; i++)
	{
		Node	   *n = t->ext_nodes[i];

		if (n == NULL)
			continue;			/* the walk did not meet it: it filled it */
		if (!put_value_in_row(t, n, row, values[t->ext_from[i]]))
			return false;
	}
	return true;
}

bool
mb_topic_add_leaf(MbTopic *t, const char *name, const char *unit,
				  const double *values)
{
	size_t		len = strlen(name);
	Node	   *n;

	if (t->pass != MB_PASS_ONE || t->two_passes)
		return mb_topic_fail(t, "a leaf added to a topic not read in one pass");
	for (int i = 0; i < t->root.nchildren; i++)
		if (t->root.children[i]->rawlen == len &&
			memcmp(t->root.children[i]->raw, name, len) == 0)
			return mb_topic_fail(t, "an added leaf has the name of a field");
	n = child(t, &t->root, name, len);
	if (n == NULL || (unit != NULL && (n->unit = strdup(unit)) == NULL))
		return mb_topic_fail(t, "out of memory");
	n->kind = NK_NUMBER;
	n->external = true;
	for (uint64_t row = 0; row < t->messages; row++)
		if (!put_value_in_row(t, n, row, values[row]))
			return false;
	return true;
}

const char *
mb_topic_error(const MbTopic *t)
{
	return t->error.message;
}

void
mb_topic_set_budget(MbTopic *t, uint64_t bytes)
{
	t->budget = bytes;
}

uint64_t
mb_topic_held_bytes(const MbTopic *t)
{
	return mb_topic_tree_bytes(t) + t->held;
}

bool
mb_topic_needs_two_passes(const MbTopic *t)
{
	return t->two_passes;
}

int
mb_topic_learn(MbTopic *t, const HdDecoder *decoder, const uint8_t *msg,
			   size_t len, HdError *err)
{
	t->pass = MB_PASS_LEARN;
	t->messages++;
	return walk(t, decoder, msg, len, err);
}

int
mb_topic_fill(MbTopic *t, const HdDecoder *decoder, double time,
			  const uint8_t *msg, size_t len, HdError *err)
{
	t->pass = MB_PASS_FILL;
	if (t->filled >= t->messages)
		return HD_OK;			/* more than pass 1 saw: not possible */
	t->filled++;
	t->now = time;
	t->time_local = mb_column_reach(&t->time, t->file, t->filled - 1, &t->error);
	if (t->time_local < 0)
	{
		err->code = HD_ERR_VISITOR;
		snprintf(err->message, sizeof(err->message), "%s", t->error.message);
		return HD_ERR_VISITOR;
	}
	mb_column_set_double(&t->time, (size_t) t->time_local, 0, time);
	return walk(t, decoder, msg, len, err);
}
