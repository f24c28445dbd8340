/*-------------------------------------------------------------------------
 *
 * fields.c
 *	  The leaves of a decoder's schema (hd_fields), for hdaq.fields: every
 *	  path a signal can be read from, with its type, whether it is inside
 *	  an array, and an enum's value names.  The walk goes through the same
 *	  schema operations (HdSchemaOps) that signal paths are checked
 *	  against, so a path listed here compiles as written.
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
