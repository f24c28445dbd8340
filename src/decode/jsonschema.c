/*-------------------------------------------------------------------------
 *
 * jsonschema.c
 *	  Compiling the JSON schema of a json channel, for checking signal
 *	  paths.
 *
 * JSON messages are decoded without their schema; the schema only tells
 * which member names and kinds of values a path may name.  It is read with
 * the same JSON walk as messages, into a small tree, of which "type",
 * "properties", "additionalProperties" and "items" are used.  An object
 * schema that lists properties admits only those names unless
 * additionalProperties is true or a schema; anything the schema leaves
 * open ($ref, anyOf, no type, an empty schema) admits any path.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "formats.h"
#include "json_int.h"

#define MAX_SCHEMA_DEPTH 32

/* ----------
 * The schema's JSON as a tree
 * ----------
 */
typedef struct Dom
{
	char		type;			/* 'o'bject 'a'rray 's'tring 'n'umber 'b'ool 'z' null */
	bool		truth;
	const char *key;			/* member name, inside an object */
	size_t		key_len;
	const char *str;
	size_t		len;
	struct Dom *first;
	struct Dom *last;
	struct Dom *next;
} Dom;

typedef struct DomBuilder
{
	HdArena    *arena;
	Dom		   *stack[HD_MAX_DEPTH + 1];
	int			depth;
	Dom		   *root;
	const char *key;
	size_t		key_len;
} DomBuilder;

static Dom *
dom_add(DomBuilder *b, char type)
{
	Dom		   *n = hd_arena_zalloc(b->arena, sizeof(Dom));

	if (n == NULL)
		return NULL;
	n->type = type;
	if (b->depth == 0)
		b->root = n;
	else
	{
		Dom		   *parent = b->stack[b->depth - 1];

		n->key = b->key;
		n->key_len = b->key_len;
		if (parent->last)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
	}
	b->key = NULL;
	return n;
}

static int
dom_scalar(DomBuilder *b, char type)
{
	return dom_add(b, type) ? HD_CONTINUE : HD_ABORT;
}

static int
dom_open(void *ctx, char type)
{
	DomBuilder *b = ctx;
	Dom		   *n = dom_add(b, type);

	if (n == NULL || b->depth >= HD_MAX_DEPTH)
		return HD_ABORT;
	b->stack[b->depth++] = n;
	return HD_CONTINUE;
}

static int
dom_begin_object(void *ctx)
{
	return dom_open(ctx, 'o');
}

static int
dom_begin_array(void *ctx, int64_t count)
{
	(void) count;
	return dom_open(ctx, 'a');
}

static int
dom_close(void *ctx)
{
	((DomBuilder *) ctx)->depth--;
	return HD_CONTINUE;
}

static int
dom_field(void *ctx, const char *name, size_t len)
{
	DomBuilder *b = ctx;

	b->key = hd_arena_strndup(b->arena, name, len);
	b->key_len = len;
	return b->key ? HD_CONTINUE : HD_ABORT;
}

static int
dom_string(void *ctx, const char *s, size_t len)
{
	DomBuilder *b = ctx;
	Dom		   *n = dom_add(b, 's');

	if (n == NULL || (n->str = hd_arena_strndup(b->arena, s, len)) == NULL)
		return HD_ABORT;
	n->len = len;
	return HD_CONTINUE;
}

static int
dom_int64(void *ctx, int64_t v)
{
	(void) v;
	return dom_scalar(ctx, 'n');
}

static int
dom_uint64(void *ctx, uint64_t v)
{
	(void) v;
	return dom_scalar(ctx, 'n');
}

static int
dom_float64(void *ctx, double v, bool f32)
{
	(void) v;
	(void) f32;
	return dom_scalar(ctx, 'n');
}

static int
dom_boolean(void *ctx, bool v)
{
	DomBuilder *b = ctx;
	Dom		   *n = dom_add(b, 'b');

	if (n == NULL)
		return HD_ABORT;
	n->truth = v;
	return HD_CONTINUE;
}

static int
dom_null(void *ctx)
{
	return dom_scalar(ctx, 'z');
}

static const HdVisitor dom_visitor = {
	.begin_object = dom_begin_object,
	.end_object = dom_close,
	.begin_array = dom_begin_array,
	.end_array = dom_close,
	.field = dom_field,
	.int64 = dom_int64,
	.uint64 = dom_uint64,
	.float64 = dom_float64,
	.string = dom_string,
	.boolean = dom_boolean,
	.null = dom_null,
};

static const Dom *
dom_member(const Dom *obj, const char *name)
{
	const Dom  *m;

	if (obj == NULL || obj->type != 'o')
		return NULL;
	for (m = obj->first; m != NULL; m = m->next)
		if (strcmp(m->key, name) == 0)
			return m;
	return NULL;
}

/* ----------
 * From the tree to JsNodes
 * ----------
 */
static const JsNode any_node = {HD_NODE_ANY, true, 0, NULL, NULL, NULL};

static HdNodeKind
kind_of_type_name(const Dom *t)
{
	static const struct
	{
		const char *name;
		HdNodeKind	kind;
	}			names[] = {
		{"object", HD_NODE_OBJECT},
		{"array", HD_NODE_ARRAY},
		{"number", HD_NODE_NUMBER},
		{"integer", HD_NODE_NUMBER},
		{"boolean", HD_NODE_NUMBER},
		{"string", HD_NODE_OTHER},
	};
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(t->str, names[i].name) == 0)
			return names[i].kind;
	return HD_NODE_ANY;
}

/* The kind "type" gives: one name, or a list of names besides "null" */
static HdNodeKind
kind_of(const Dom *schema)
{
	const Dom  *t = dom_member(schema, "type");
	const Dom  *e;
	HdNodeKind	kind = HD_NODE_ANY;
	bool		first = true;

	if (t == NULL)
		return dom_member(schema, "properties") ? HD_NODE_OBJECT : HD_NODE_ANY;
	if (t->type == 's')
		return strcmp(t->str, "null") == 0 ? HD_NODE_OTHER : kind_of_type_name(t);
	if (t->type != 'a')
		return HD_NODE_ANY;
	for (e = t->first; e != NULL; e = e->next)
	{
		HdNodeKind	k;

		if (e->type != 's' || strcmp(e->str, "null") == 0)
			continue;
		k = kind_of_type_name(e);
		if (!first && k != kind)
			return HD_NODE_ANY;
		kind = k;
		first = false;
	}
	return kind;
}

static const JsNode *compile_node(HdArena *arena, const Dom *schema, int depth);

static bool
compile_properties(HdArena *arena, const Dom *props, JsNode *node, int depth)
{
	const Dom  *m;
	int			n = 0;

	for (m = props->first; m != NULL; m = m->next)
		n++;
	node->names = hd_arena_alloc(arena, sizeof(char *) * (n ? n : 1));
	node->props = hd_arena_alloc(arena, sizeof(JsNode *) * (n ? n : 1));
	if (node->names == NULL || node->props == NULL)
		return false;
	for (m = props->first; m != NULL; m = m->next)
	{
		node->names[node->nprops] = hd_arena_strndup(arena, m->key, m->key_len);
		if (node->names[node->nprops] == NULL)
			return false;
		node->props[node->nprops] = compile_node(arena, m, depth + 1);
		if (node->props[node->nprops] == NULL)
			return false;
		node->nprops++;
	}
	return true;
}

static const JsNode *
compile_node(HdArena *arena, const Dom *schema, int depth)
{
	JsNode	   *node;
	const Dom  *props;
	const Dom  *extra;
	const Dom  *items;

	if (schema == NULL || schema->type != 'o' || depth > MAX_SCHEMA_DEPTH)
		return &any_node;
	if ((node = hd_arena_zalloc(arena, sizeof(JsNode))) == NULL)
		return NULL;
	node->kind = kind_of(schema);
	switch (node->kind)
	{
		case HD_NODE_OBJECT:
			props = dom_member(schema, "properties");
			extra = dom_member(schema, "additionalProperties");
			if (props == NULL || props->type != 'o')
			{
				node->kind = HD_NODE_ANY;
				break;
			}
			node->open = extra != NULL &&
				(extra->type == 'o' || (extra->type == 'b' && extra->truth));
			if (!compile_properties(arena, props, node, depth))
				return NULL;
			break;
		case HD_NODE_ARRAY:
			items = dom_member(schema, "items");
			node->items = items ? compile_node(arena, items, depth + 1) : &any_node;
			if (node->items == NULL)
				return NULL;
			break;
		default:
			break;
	}
	return node;
}

int
hd_jsonschema_compile(HdDecoder *d, const uint8_t *data, size_t len,
					  HdError *err)
{
	DomBuilder	b;
	HdArena		scratch = {0};
	HdError		parse_err;
	size_t		i;
	int			rc;

	/* an empty (or blank) schema admits anything */
	for (i = 0; i < len; i++)
		if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
			break;
	if (i == len)
	{
		d->root = &any_node;
		return HD_OK;
	}
	memset(&b, 0, sizeof(b));
	b.arena = &scratch;
	rc = hd_json_walk(data, len, &dom_visitor, &b, &parse_err);
	if (rc == HD_ERR_VISITOR)
		rc = hd_error(err, HD_ERR_NOMEM, 0, "out of memory reading JSON schema");
	else if (rc != HD_OK)
		rc = hd_error(err, HD_ERR_SCHEMA, parse_err.offset,
					  "JSON schema is not valid JSON: %s", parse_err.message);
	else if ((d->root = compile_node(&d->arena, b.root, 0)) == NULL)
		rc = hd_error(err, HD_ERR_NOMEM, 0, "out of memory compiling JSON schema");
	hd_arena_free(&scratch);
	return rc;
}

/* ----------
 * Introspection for signal paths
 * ----------
 */
static void
set_node(HdNode *out, const JsNode *n)
{
	out->kind = n->kind;
	out->open = n->kind == HD_NODE_ANY || n->open;
	out->type = n;
	out->field = NULL;
}

static void
json_root(const HdDecoder *d, HdNode *out)
{
	set_node(out, d->root);
}

static int
json_nfields(const HdNode *node)
{
	return ((const JsNode *) node->type)->nprops;
}

static const char *
json_field(const HdNode *node, int i, HdNode *child)
{
	const JsNode *n = node->type;

	set_node(child, n->props[i]);
	return n->names[i];
}

static void
json_element(const HdNode *node, HdNode *child)
{
	const JsNode *n = node->type;

	set_node(child, n->items ? n->items : &any_node);
}

const HdSchemaOps hd_json_schema_ops = {
	.root = json_root,
	.nfields = json_nfields,
	.field = json_field,
	.element = json_element,
};
