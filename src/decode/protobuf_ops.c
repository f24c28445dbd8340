/*-------------------------------------------------------------------------
 *
 * protobuf_ops.c
 *	  The schema operations of protobuf decoders (HdSchemaOps): the nodes
 *	  signal paths are checked against, and the compiled form of paths
 *	  (protobuf_path.c).
 *
 *-------------------------------------------------------------------------
 */
#include "formats.h"
#include "protobuf_int.h"

/* ----------
 * Introspection for signal paths
 * ----------
 */
static void
set_message_node(HdNode *out, const PbMessage *m)
{
	out->kind = HD_NODE_OBJECT;
	out->open = false;
	out->type = m;
	out->field = NULL;
}

/* The node of one value of field f (an element, when f is repeated) */
static void
set_value_node(HdNode *out, const PbField *f)
{
	out->open = false;
	out->type = f->message;
	out->field = f;
	if (f->type == PB_TYPE_MESSAGE)
		out->kind = HD_NODE_OBJECT;
	else if (f->type == PB_TYPE_STRING || f->type == PB_TYPE_BYTES)
		out->kind = HD_NODE_OTHER;
	else
		out->kind = HD_NODE_NUMBER;
}

static void
pb_root(const HdDecoder *d, HdNode *out)
{
	set_message_node(out, d->root);
}

static int
pb_nfields(const HdNode *node)
{
	return ((const PbMessage *) node->type)->nfields;
}

static const char *
pb_field(const HdNode *node, int i, HdNode *child)
{
	const PbField *f = &((const PbMessage *) node->type)->fields[i];

	if (f->is_map)
	{
		child->kind = HD_NODE_MAP;
		child->open = false;
		child->type = f->message;
		child->field = f;
	}
	else if (f->repeated)
	{
		child->kind = HD_NODE_ARRAY;
		child->open = false;
		child->type = f->message;
		child->field = f;
	}
	else
		set_value_node(child, f);
	return f->name;
}

static void
pb_element(const HdNode *node, HdNode *child)
{
	const PbField *f = node->field;

	if (node->kind == HD_NODE_MAP)
		set_value_node(child, &f->message->fields[1]);
	else
		set_value_node(child, f);
}

const HdSchemaOps hd_protobuf_schema_ops = {
	.root = pb_root,
	.nfields = pb_nfields,
	.field = pb_field,
	.element = pb_element,
	.compile_path = pb_path_compile,
	.extract_paths = pb_paths_extract,
	.free_path = pb_path_free,
};
