/*-------------------------------------------------------------------------
 *
 * mattopic.c
 *	  A topic's messages as one MATLAB struct variable (see mattopic.h):
 *	  a decoder visitor that learns the field tree (pass 1) and fills
 *	  per-leaf column buffers (pass 2), then the variable written whole
 *	  (v5, v7) or put together from streamed columns (v7.3).
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
#include "mattopic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum NodeKind
{
	NK_NONE,					/* no value seen (null, empty array) */
	NK_STRUCT,
	NK_NUMBER,
	NK_BOOL,
	NK_STRING
} NodeKind;

typedef struct Node
{
	char	   *raw;			/* the field's name in the message */
	size_t		rawlen;
	char		name[MB_NAME_MAX + 1];	/* its MATLAB name */
	char		enum_name[MB_NAME_MAX + 1]; /* topic layout: its enum table */
	NodeKind	kind;
	bool		is_enum;
	struct Node **children;
	int			nchildren;
	int			capchildren;
	int			cursor;			/* where the next field is looked for first */

	/* learnt by pass 1 */
	uint64_t	rows;			/* messages holding the leaf */
	size_t		width;			/* most values in one message */
	uint64_t	chars;			/* bytes of text, for the size estimate */
	int32_t    *enum_values;
	char	  **enum_names;
	int			nenums;
	int			capenums;

	/* the current message */
	uint64_t	serial;
	size_t		occ;
	int64_t		local;			/* its row in the column buffers */

	/* pass 2 */
	MbColumn	data;
	MbColumn	time;			/* leaf layout, when rows < messages */
	bool		own_time;
	uint64_t	filled;			/* leaf layout: rows begun */
} Node;

/* A scalar as the walk reports it. */
typedef struct Value
{
	NodeKind	kind;
	double		number;
	const char *text;			/* strings; enum names (may be NULL) */
	size_t		len;
} Value;

struct MbTopic
{
	char		name[MB_NAME_MAX + 1];
	MbLayout	layout;
	Node		root;
	uint64_t	messages;		/* pass 1 */
	uint64_t	filled;			/* pass 2 */
	uint64_t	serial;
	int			pass;
	MbFile	   *file;
	MbColumn	time;			/* every message's time */
	int64_t		time_local;
	double		now;
	bool		failed;
	MbError		error;

	/* the walk */
	Node	   *stack[HD_MAX_DEPTH + 2];
	bool		in_array[HD_MAX_DEPTH + 2];
	int			depth;
	Node	   *pending;		/* announced by field(), awaiting its value */
};

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
	free(t);
}

uint64_t
mb_topic_messages(const MbTopic *t)
{
	return t->messages;
}

/* Note a failure; message may be t->error.message already. */
static bool
set_failed(MbTopic *t, const char *message)
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
	if (t->pass != 1)
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
	v->enum_values = n->enum_values;
	v->enum_names = n->enum_names;
	v->nenums = n->nenums;
	v->capenums = n->capenums;
	v->serial = n->serial;
	v->occ = n->occ;
	n->enum_values = NULL;
	n->enum_names = NULL;
	n->nenums = n->capenums = 0;
	n->kind = NK_STRUCT;
	return true;
}

static bool
add_enum(Node *n, int32_t number, const char *name)
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
		return t->pass == 1 ? HD_ABORT : HD_SKIP;
	if (t->pass == 1 && !make_struct(t, n))
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
		return t->pass == 1 ? HD_ABORT : HD_SKIP;
	return push(t, n, true);
}

static int
v_field(void *ctx, const char *name, size_t len)
{
	MbTopic    *t = ctx;
	Node	   *top;

	if (t->depth == 0)
		return HD_SKIP;
	top = t->stack[t->depth - 1];
	t->pending = child(t, top, name, len);
	if (t->pending == NULL)
		return t->pass == 1 ? HD_ABORT : HD_SKIP;
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
	}
	if (++n->occ > n->width)
		n->width = n->occ;
	if (v->kind == NK_STRING)
		n->chars += v->len;
	if (n->is_enum && v->text != NULL && !add_enum(n, (int32_t) v->number, v->text))
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
		return set_failed(t, t->error.message);
	if (n->own_time)
	{
		int64_t		local = mb_column_reach(&n->time, t->file, row, &t->error);

		if (local < 0)
			return set_failed(t, t->error.message);
		mb_column_set_double(&n->time, (size_t) local, 0, t->now);
	}
	return true;
}

static int
fill_value(MbTopic *t, Node *n, const Value *v)
{
	char		text[HD_NUMBER_TEXT_SIZE];
	size_t		col;

	if (!begin_row(t, n))
		return t->failed ? HD_ABORT : HD_CONTINUE;
	col = n->occ++;
	if (col >= n->width)
		return HD_CONTINUE;
	if (n->data.cls != MB_CELL)
	{
		if (v->kind != NK_STRING)
			mb_column_set_double(&n->data, (size_t) n->local, col, v->number);
		return HD_CONTINUE;
	}
	if (v->kind == NK_STRING || v->text != NULL)
		return mb_column_set_string(&n->data, (size_t) n->local, col, v->text, v->len)
			? HD_CONTINUE : HD_ABORT;
	if (v->kind == NK_BOOL)
		return mb_column_set_string(&n->data, (size_t) n->local, col,
									v->number != 0 ? "true" : "false",
									v->number != 0 ? 4 : 5) ? HD_CONTINUE : HD_ABORT;
	return mb_column_set_string(&n->data, (size_t) n->local, col, text,
								hd_format_double(text, v->number, false))
		? HD_CONTINUE : HD_ABORT;
}

static int
put(MbTopic *t, const Value *v, bool is_enum)
{
	Node	   *n = value_target(t);

	if (n != NULL && n->kind == NK_STRUCT)
		n = child(t, n, "value", 5);
	if (n == NULL)
		return t->pass == 1 ? HD_ABORT : HD_CONTINUE;
	if (t->pass == 1)
	{
		n->is_enum |= is_enum;
		return learn_value(t, n, v);
	}
	return fill_value(t, n, v);
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

int
mb_topic_learn(MbTopic *t, const HdDecoder *decoder, const uint8_t *msg,
			   size_t len, HdError *err)
{
	t->pass = 1;
	t->messages++;
	return walk(t, decoder, msg, len, err);
}

/* ---- between the passes ------------------------------------------------------- */

static bool
is_leaf(const Node *n)
{
	return n->kind != NK_STRUCT;
}

static MbClass
leaf_class(const MbTopic *t, const Node *n)
{
	if (n->kind == NK_STRING)
		return MB_CELL;
	if (n->kind == NK_BOOL && n->width == 1 &&
		(t->layout == MB_LAYOUT_LEAF || n->rows == t->messages))
		return MB_LOGICAL;
	return MB_DOUBLE;
}

static uint64_t
leaf_rows(const MbTopic *t, const Node *n)
{
	return t->layout == MB_LAYOUT_LEAF ? n->rows : t->messages;
}

static uint64_t
node_bytes(const MbTopic *t, const Node *n)
{
	uint64_t	bytes = 128;

	if (!is_leaf(n))
	{
		for (int i = 0; i < n->nchildren; i++)
			bytes += 64 + node_bytes(t, n->children[i]);
		return bytes;
	}
	bytes += mb_column_bytes(leaf_class(t, n), leaf_rows(t, n), n->width);
	bytes += 2 * n->chars;
	if (t->layout == MB_LAYOUT_LEAF)
		bytes += mb_column_bytes(MB_DOUBLE, n->rows, 1);
	for (int i = 0; i < n->nenums; i++)
		bytes += 128 + 2 * strlen(n->enum_names[i]);
	return bytes;
}

uint64_t
mb_topic_bytes(const MbTopic *t)
{
	return node_bytes(t, &t->root) + mb_column_bytes(MB_DOUBLE, t->messages, 1);
}

static size_t
rows_held(MbTopic *t, uint64_t rows, size_t batch_rows)
{
	if (mb_streams(t->file) && rows > batch_rows)
		return batch_rows;
	return (size_t) rows;
}

/* Name the fields of a struct node and allocate its leaves' columns. */
static bool
prepare_node(MbTopic *t, Node *n, size_t batch_rows, MbError *err)
{
	MbNameSet	names;
	bool		ok = true;

	mb_nameset_init(&names);
	if (n == &t->root && t->layout == MB_LAYOUT_TOPIC)
		ok = mb_unique_name(&names, "Timestamp", 9, n->name);
	for (int i = 0; i < n->nchildren && ok; i++)
	{
		Node	   *c = n->children[i];

		ok = mb_unique_name(&names, c->raw, c->rawlen, c->name);
		if (ok && is_leaf(c) && c->nenums > 0 && t->layout == MB_LAYOUT_TOPIC)
		{
			char		tmp[MB_NAME_MAX + 8];

			snprintf(tmp, sizeof(tmp), "%s_Enum", c->name);
			ok = mb_unique_name(&names, tmp, strlen(tmp), c->enum_name);
		}
	}
	mb_nameset_free(&names);
	if (!ok)
		return set_failed(t, "out of memory");
	for (int i = 0; i < n->nchildren; i++)
	{
		Node	   *c = n->children[i];
		uint64_t	rows = leaf_rows(t, c);
		MbClass		cls = leaf_class(t, c);

		if (!is_leaf(c))
		{
			if (!prepare_node(t, c, batch_rows, err))
				return false;
			continue;
		}
		if (!mb_column_init(&c->data, cls, rows_held(t, rows, batch_rows),
							c->width, rows > 0, t->file, err))
			return false;
		c->own_time = t->layout == MB_LAYOUT_LEAF && c->rows < t->messages;
		if (c->own_time &&
			!mb_column_init(&c->time, MB_DOUBLE,
							rows_held(t, rows, batch_rows),
							1, rows > 0, t->file, err))
			return false;
		c->serial = 0;
	}
	n->serial = 0;
	return true;
}

bool
mb_topic_prepare(MbTopic *t, MbFile *f, size_t batch_rows, MbError *err)
{
	t->file = f;
	if (batch_rows == 0)
		batch_rows = 1;
	t->serial = 0;
	t->filled = 0;
	if (!mb_column_init(&t->time, MB_DOUBLE,
						rows_held(t, t->messages, batch_rows), 1,
						t->messages > 0, f, err))
		return false;
	if (!prepare_node(t, &t->root, batch_rows, err))
	{
		if (t->failed)
			*err = t->error;
		return false;
	}
	return true;
}

int
mb_topic_fill(MbTopic *t, const HdDecoder *decoder, double time,
			  const uint8_t *msg, size_t len, HdError *err)
{
	t->pass = 2;
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

/* ---- writing: whole variables (v5, v7) ------------------------------------------ */

static matvar_t *
enum_table(const Node *n, const char *name)
{
	size_t		dims[2] = {(size_t) n->nenums, 1};
	double	   *values = malloc(sizeof(double) * (n->nenums > 0 ? n->nenums : 1));
	matvar_t   *fields[2];
	matvar_t   *names;

	if (values == NULL)
		return NULL;
	for (int i = 0; i < n->nenums; i++)
		values[i] = n->enum_values[i];
	fields[0] = Mat_VarCreate("Values", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims,
							  values, 0);
	free(values);
	names = Mat_VarCreate("Names", MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);
	if (fields[0] == NULL || names == NULL)
	{
		Mat_VarFree(fields[0]);
		Mat_VarFree(names);
		return NULL;
	}
	for (int i = 0; i < n->nenums; i++)
	{
		matvar_t   *s = mb_char_var(NULL, n->enum_names[i]);

		if (s == NULL)
		{
			Mat_VarFree(fields[0]);
			Mat_VarFree(names);
			return NULL;
		}
		Mat_VarSetCell(names, i, s);
	}
	fields[1] = names;
	return mb_struct_var(name, fields, 2);
}

static matvar_t *struct_var(MbTopic *t, Node *n, const char *name);

/* Leaf layout: the struct {Data, Timestamp[, Enum]} of a leaf. */
static matvar_t *
leaf_struct(MbTopic *t, Node *n)
{
	matvar_t   *fields[3];
	int			nfields = 2;
	MbColumn   *time = n->own_time ? &n->time : &t->time;

	fields[0] = mb_column_var(&n->data, "Data", (size_t) n->rows);
	fields[1] = mb_column_var(time, "Timestamp", (size_t) n->rows);
	if (n->nenums > 0)
		fields[nfields++] = enum_table(n, "Enum");
	for (int i = 0; i < nfields; i++)
		if (fields[i] == NULL)
		{
			for (int j = 0; j < nfields; j++)
				Mat_VarFree(fields[j]);
			return NULL;
		}
	return mb_struct_var(n->name, fields, nfields);
}

static matvar_t *
struct_var(MbTopic *t, Node *n, const char *name)
{
	int			cap = 2 * n->nchildren + 1;
	matvar_t  **fields = calloc(cap, sizeof(matvar_t *));
	int			nfields = 0;
	bool		ok = fields != NULL;
	matvar_t   *var = NULL;

	if (ok && n == &t->root && t->layout == MB_LAYOUT_TOPIC)
		ok = (fields[nfields++] = mb_column_var(&t->time, "Timestamp",
												(size_t) t->messages)) != NULL;
	for (int i = 0; i < n->nchildren && ok; i++)
	{
		Node	   *c = n->children[i];

		if (!is_leaf(c))
			fields[nfields] = struct_var(t, c, c->name);
		else if (t->layout == MB_LAYOUT_LEAF)
			fields[nfields] = leaf_struct(t, c);
		else
			fields[nfields] = mb_column_var(&c->data, c->name, (size_t) t->messages);
		ok = fields[nfields++] != NULL;
		if (ok && is_leaf(c) && c->nenums > 0 && t->layout == MB_LAYOUT_TOPIC)
			ok = (fields[nfields++] = enum_table(c, c->enum_name)) != NULL;
	}
	if (ok)
		var = mb_struct_var(name, fields, nfields);
	else if (fields != NULL)
		for (int i = 0; i < nfields; i++)
			Mat_VarFree(fields[i]);
	free(fields);
	return var;
}

/* ---- writing: streamed (v7.3) ------------------------------------------------------ */

static bool
plan_fields(MbTopic *t, Node *n, const char *path, MbError *err)
{
	char	  **names = calloc(2 * n->nchildren + 1, sizeof(char *));
	int			count = 0;
	bool		ok;

	if (names == NULL)
		return set_failed(t, "out of memory");
	if (n == &t->root && t->layout == MB_LAYOUT_TOPIC)
		names[count++] = "Timestamp";
	for (int i = 0; i < n->nchildren; i++)
	{
		names[count++] = n->children[i]->name;
		if (is_leaf(n->children[i]) && n->children[i]->nenums > 0 &&
			t->layout == MB_LAYOUT_TOPIC)
			names[count++] = n->children[i]->enum_name;
	}
	ok = mb_plan_struct(t->file, path, names, count, err);
	free(names);
	return ok;
}

static bool
place_leaf(MbTopic *t, Node *n, const char *path, const char *time_path,
		   MbError *err)
{
	char	   *sub = malloc(strlen(path) + 16);
	char	   *fields[3] = {"Data", "Timestamp", "Enum"};
	bool		ok;

	if (sub == NULL)
		return set_failed(t, "out of memory");
	if (t->layout == MB_LAYOUT_TOPIC)
	{
		ok = mb_column_place(&n->data, t->file, (size_t) t->messages, path, err);
		free(sub);
		return ok;
	}
	ok = mb_plan_struct(t->file, path, fields, n->nenums > 0 ? 3 : 2, err);
	sprintf(sub, "%s/Data", path);
	ok = ok && mb_column_place(&n->data, t->file, (size_t) n->rows, sub, err);
	sprintf(sub, "%s/Timestamp", path);
	if (n->own_time)
		ok = ok && mb_column_place(&n->time, t->file, (size_t) n->rows, sub, err);
	else
		ok = ok && mb_plan_link(t->file, time_path, sub, err);
	sprintf(sub, "%s/Enum", path);
	if (ok && n->nenums > 0)
		ok = mb_place_var(t->file, enum_table(n, NULL), sub, err);
	free(sub);
	return ok;
}

static bool
place_node(MbTopic *t, Node *n, const char *path, const char *time_path,
		   MbError *err)
{
	bool		ok = plan_fields(t, n, path, err);

	for (int i = 0; i < n->nchildren && ok; i++)
	{
		Node	   *c = n->children[i];
		char	   *sub = malloc(strlen(path) + strlen(c->name) + strlen(c->enum_name) + 2);

		if (sub == NULL)
			return set_failed(t, "out of memory");
		sprintf(sub, "%s/%s", path, c->name);
		if (!is_leaf(c))
			ok = place_node(t, c, sub, time_path, err);
		else
			ok = place_leaf(t, c, sub, time_path, err);
		if (ok && is_leaf(c) && c->nenums > 0 && t->layout == MB_LAYOUT_TOPIC)
		{
			sprintf(sub, "%s/%s", path, c->enum_name);
			ok = mb_place_var(t->file, enum_table(c, NULL), sub, err);
		}
		free(sub);
	}
	return ok;
}

static bool
place_topic(MbTopic *t, MbError *err)
{
	char		path[MB_NAME_MAX + 2];
	char		time_path[MB_NAME_MAX + 16];

	snprintf(path, sizeof(path), "/%s", t->name);
	if (t->layout == MB_LAYOUT_TOPIC)
	{
		snprintf(time_path, sizeof(time_path), "%s/Timestamp", path);
		return place_node(t, &t->root, path, NULL, err) &&
			mb_column_place(&t->time, t->file, (size_t) t->messages, time_path, err);
	}
	/* leaves holding every message link to one dataset of times */
	if (!mb_column_finish(&t->time, t->file, (size_t) t->messages, err))
		return false;
	snprintf(time_path, sizeof(time_path), "/%s", t->time.tmpname);
	return place_node(t, &t->root, path, time_path, err) &&
		mb_plan_delete(t->file, time_path, err);
}

bool
mb_topic_write(MbTopic *t, MbError *err)
{
	bool		ok;

	if (mb_streams(t->file))
		ok = place_topic(t, err);
	else
		ok = mb_write(t->file, struct_var(t, &t->root, t->name), err);
	if (!ok && t->failed)
		*err = t->error;
	return ok;
}
