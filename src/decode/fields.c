/*-------------------------------------------------------------------------
 *
 * fields.c
 *	  The leaves of a decoder's schema (hd_fields), for hdaq.fields: every
 *	  path a signal can be read from, with its type, whether it is inside
 *	  an array, and an enum's value names; and the lengths of the arrays
 *	  one message holds (hd_array_lengths), for the longest one seen.
 *	  The walk of the leaves goes through the same schema operations
 *	  (HdSchemaOps) that signal paths are checked against, so a path
 *	  listed here compiles as written.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

#define FIELDS_MAX_PATH 4096
#define FIELDS_MAX_ENUM 4096

typedef struct FieldsWalk
{
	const HdDecoder *decoder;
	HdFieldFn	fn;
	void	   *ctx;
	char		path[FIELDS_MAX_PATH];
	const char **enum_names;	/* FIELDS_MAX_ENUM entries */
	bool		stopped;
	/* the message types on the path being walked, outermost first */
	const void *types[HD_FIELDS_MAX_DEPTH + 2];
	int			ntypes;
} FieldsWalk;

/*
 * A message type nested in itself (a tree, a linked list) is followed
 * once: its leaves are listed at its first level of recursion and not
 * again, so that the list stays finite and short.
 */
static bool
recursed_enough(const FieldsWalk *w, const void *type)
{
	int			seen = 0;

	if (type == NULL)
		return false;
	for (int i = 0; i < w->ntypes; i++)
		if (w->types[i] == type)
			seen++;
	return seen >= 2;
}

static const char *
kind_type(HdNodeKind kind)
{
	switch (kind)
	{
		case HD_NODE_NUMBER:
			return "number";
		case HD_NODE_OTHER:
			return "string";
		default:
			return "any";
	}
}

static void
emit_leaf(FieldsWalk *w, const HdNode *node, bool repeated)
{
	const HdSchemaOps *ops = w->decoder->schema_ops;
	HdField		f;
	const char *type = ops->leaf_type ? ops->leaf_type(node) : NULL;

	f.path = w->path;
	f.type = type ? type : kind_type(node->kind);
	f.numeric = node->kind == HD_NODE_NUMBER;
	f.repeated = repeated;
	f.nenum = 0;
	if (ops->enum_name)
		while (f.nenum < FIELDS_MAX_ENUM &&
			   (w->enum_names[f.nenum] = ops->enum_name(node, f.nenum)) != NULL)
			f.nenum++;
	f.enum_names = w->enum_names;
	if (!w->fn(w->ctx, &f))
		w->stopped = true;
}

/* Append text to the path at len; false when it does not fit. */
static bool
append(FieldsWalk *w, size_t len, const char *sep, const char *text)
{
	size_t		a = strlen(sep);
	size_t		b = strlen(text);

	if (len + a + b + 1 > sizeof(w->path))
		return false;
	memcpy(w->path + len, sep, a);
	memcpy(w->path + len + a, text, b + 1);
	return true;
}

static void
walk(FieldsWalk *w, const HdNode *node, size_t len, bool repeated, int depth)
{
	const HdSchemaOps *ops = w->decoder->schema_ops;
	HdNode		child;

	if (w->stopped || depth > HD_FIELDS_MAX_DEPTH)
		return;
	switch (node->kind)
	{
		case HD_NODE_OBJECT:
			if (recursed_enough(w, node->type) ||
				w->ntypes >= HD_FIELDS_MAX_DEPTH + 2)
				break;
			w->types[w->ntypes++] = node->type;
			for (int i = 0; i < ops->nfields(node) && !w->stopped; i++)
			{
				const char *name = ops->field(node, i, &child);

				if (append(w, len, len == 0 ? "" : ".", name))
					walk(w, &child, len + strlen(w->path + len), repeated,
						 depth + 1);
				w->path[len] = '\0';
			}
			w->ntypes--;
			break;
		case HD_NODE_ARRAY:
		case HD_NODE_MAP:
			ops->element(node, &child);
			if (append(w, len, "", node->kind == HD_NODE_ARRAY ? "[0]" : "[\"key\"]"))
				walk(w, &child, len + strlen(w->path + len), true, depth + 1);
			w->path[len] = '\0';
			break;
		case HD_NODE_ANY:
			if (len == 0)
				break;			/* a schema that lists no fields */
			emit_leaf(w, node, repeated);
			break;
		case HD_NODE_NUMBER:
		case HD_NODE_OTHER:
			emit_leaf(w, node, repeated);
			break;
	}
}

int
hd_fields(const HdDecoder *decoder, HdFieldFn fn, void *ctx, HdError *err)
{
	FieldsWalk *w;
	HdNode		root;

	if (decoder == NULL || fn == NULL)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "decoder or callback is NULL");
	w = malloc(sizeof(FieldsWalk));
	if (w != NULL)
		w->enum_names = malloc(sizeof(const char *) * (FIELDS_MAX_ENUM + 1));
	if (w == NULL || w->enum_names == NULL)
	{
		free(w);
		return hd_error(err, HD_ERR_NOMEM, 0, "out of memory");
	}
	w->decoder = decoder;
	w->fn = fn;
	w->ctx = ctx;
	w->path[0] = '\0';
	w->stopped = false;
	w->ntypes = 0;
	decoder->schema_ops->root(decoder, &root);
	walk(w, &root, 0, false, 0);
	free(w->enum_names);
	free(w);
	return HD_OK;
}

/* ----------
 * Array lengths in one message (hd_array_lengths)
 * ----------
 */
#define LENGTHS_MAX_PATH 4096

typedef struct LengthFrame
{
	bool		is_array;
	size_t		base;			/* path length inside this container */
	size_t		array_path;		/* an array: the length of its own path */
	int64_t		count;			/* an array: elements seen */
} LengthFrame;

typedef struct LengthWalk
{
	HdArrayLengthFn fn;
	void	   *ctx;
	char		path[LENGTHS_MAX_PATH];
	size_t		len;
	LengthFrame frames[HD_MAX_DEPTH + 2];
	int			depth;
	bool		overflow;		/* a path too long: lengths not reported */
} LengthWalk;

/* A value starts: an element of the enclosing array, if it is one. */
static void
value_starts(LengthWalk *w)
{
	LengthFrame *top;

	if (w->depth == 0)
		return;
	top = &w->frames[w->depth - 1];
	if (top->is_array)
	{
		top->count++;
		w->len = top->base;
		w->path[w->len] = '\0';
	}
}

static int
push_frame(LengthWalk *w, bool is_array, size_t array_path)
{
	LengthFrame *f;

	if (w->depth >= HD_MAX_DEPTH + 2)
		return HD_ABORT;
	f = &w->frames[w->depth++];
	f->is_array = is_array;
	f->base = w->len;
	f->array_path = array_path;
	f->count = 0;
	return HD_CONTINUE;
}

static int
lw_begin_object(void *ctx)
{
	LengthWalk *w = ctx;

	value_starts(w);
	return push_frame(w, false, 0);
}

static int
lw_end_object(void *ctx)
{
	LengthWalk *w = ctx;

	if (w->depth == 0)
		return HD_ABORT;
	w->depth--;
	w->len = w->frames[w->depth].base;
	w->path[w->len] = '\0';
	return HD_CONTINUE;
}

static int
lw_begin_array(void *ctx, int64_t count)
{
	LengthWalk *w = ctx;
	size_t		array_path;

	(void) count;
	value_starts(w);
	array_path = w->len;
	if (w->len + 4 > sizeof(w->path))
		w->overflow = true;
	else
	{
		memcpy(w->path + w->len, "[0]", 4);
		w->len += 3;
	}
	return push_frame(w, true, array_path);
}

static int
lw_end_array(void *ctx)
{
	LengthWalk *w = ctx;
	LengthFrame *f;

	if (w->depth == 0)
		return HD_ABORT;
	f = &w->frames[--w->depth];

	w->len = f->array_path;
	w->path[w->len] = '\0';
	if (!w->overflow && !w->fn(w->ctx, w->path, f->count))
		return HD_STOP;
	return HD_CONTINUE;
}

static int
lw_field(void *ctx, const char *name, size_t len)
{
	LengthWalk *w = ctx;
	LengthFrame *top;
	size_t		dot;

	if (w->depth == 0)
		return HD_ABORT;
	top = &w->frames[w->depth - 1];
	dot = top->base > 0 ? 1 : 0;
	w->len = top->base;
	if (w->len + dot + len + 1 > sizeof(w->path))
	{
		w->overflow = true;
		w->path[w->len] = '\0';
		return HD_CONTINUE;
	}
	if (dot)
		w->path[w->len++] = '.';
	memcpy(w->path + w->len, name, len);
	w->len += len;
	w->path[w->len] = '\0';
	return HD_CONTINUE;
}

static int
lw_scalar(void *ctx)
{
	value_starts(ctx);
	return HD_CONTINUE;
}

static int
lw_int64(void *ctx, int64_t v)
{
	(void) v;
	return lw_scalar(ctx);
}

static int
lw_uint64(void *ctx, uint64_t v)
{
	(void) v;
	return lw_scalar(ctx);
}

static int
lw_float64(void *ctx, double v, bool is_float32)
{
	(void) v;
	(void) is_float32;
	return lw_scalar(ctx);
}

static int
lw_string(void *ctx, const char *v, size_t len)
{
	(void) v;
	(void) len;
	return lw_scalar(ctx);
}

static int
lw_bytes(void *ctx, const uint8_t *v, size_t len)
{
	(void) v;
	(void) len;
	return lw_scalar(ctx);
}

static int
lw_boolean(void *ctx, bool v)
{
	(void) v;
	return lw_scalar(ctx);
}

static int
lw_enumeration(void *ctx, int32_t number, const char *name)
{
	(void) number;
	(void) name;
	return lw_scalar(ctx);
}

static const HdVisitor length_visitor = {
	.begin_object = lw_begin_object,
	.end_object = lw_end_object,
	.begin_array = lw_begin_array,
	.end_array = lw_end_array,
	.field = lw_field,
	.int64 = lw_int64,
	.uint64 = lw_uint64,
	.float64 = lw_float64,
	.string = lw_string,
	.bytes = lw_bytes,
	.boolean = lw_boolean,
	.null = lw_scalar,
	.enumeration = lw_enumeration,
};

int
hd_array_lengths(const HdDecoder *decoder, const uint8_t *msg, size_t len,
				 HdArrayLengthFn fn, void *ctx, HdError *err)
{
	LengthWalk *w;
	int			rc;

	if (decoder == NULL || fn == NULL)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "decoder or callback is NULL");
	w = malloc(sizeof(LengthWalk));
	if (w == NULL)
		return hd_error(err, HD_ERR_NOMEM, 0, "out of memory");
	w->fn = fn;
	w->ctx = ctx;
	w->path[0] = '\0';
	w->len = 0;
	w->depth = 0;
	w->overflow = false;
	rc = hd_decode(decoder, msg, len, &length_visitor, w, err);
	free(w);
	return rc;
}
