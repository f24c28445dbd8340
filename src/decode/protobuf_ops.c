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

/* The .proto name of a leaf's type */
static const char *
pb_leaf_type(const HdNode *node)
{
	static const char *const names[] = {
		[PB_TYPE_DOUBLE] = "double",[PB_TYPE_FLOAT] = "float",
		[PB_TYPE_INT64] = "int64",[PB_TYPE_UINT64] = "uint64",
		[PB_TYPE_INT32] = "int32",[PB_TYPE_FIXED64] = "fixed64",
		[PB_TYPE_FIXED32] = "fixed32",[PB_TYPE_BOOL] = "bool",
		[PB_TYPE_STRING] = "string",[PB_TYPE_GROUP] = "group",
		[PB_TYPE_MESSAGE] = "message",[PB_TYPE_BYTES] = "bytes",
		[PB_TYPE_UINT32] = "uint32",[PB_TYPE_ENUM] = "enum",
		[PB_TYPE_SFIXED32] = "sfixed32",[PB_TYPE_SFIXED64] = "sfixed64",
		[PB_TYPE_SINT32] = "sint32",[PB_TYPE_SINT64] = "sint64",
	};
	const PbField *f = node->field;

	if (f == NULL || f->type >= sizeof(names) / sizeof(names[0]) ||
		names[f->type] == NULL)
		return NULL;
	return names[f->type];
}

/* The name of value i of an enum leaf, in the order of their numbers */
static const char *
pb_enum_value_name(const HdNode *node, int i)
{
	const PbField *f = node->field;

	if (f == NULL || f->type != PB_TYPE_ENUM || f->enumeration == NULL ||
		i < 0 || i >= f->enumeration->nvalues)
		return NULL;
	return f->enumeration->values[i].name;
}

const HdSchemaOps hd_protobuf_schema_ops = {
	.root = pb_root,
	.nfields = pb_nfields,
	.field = pb_field,
	.element = pb_element,
	.leaf_type = pb_leaf_type,
	.enum_name = pb_enum_value_name,
	.compile_path = pb_path_compile,
	.extract_paths = pb_paths_extract,
	.free_path = pb_path_free,
};
