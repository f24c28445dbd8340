/*-------------------------------------------------------------------------
 *
 * ros_schema.c
 *	  Building a set of ROS message types, resolving the types fields name,
 *	  and describing the result for signal paths.
 *
 * The .msg parser (ros_msgdef.c) and the IDL parser (ros2idl.c) both add
 * types and fields here with the field types still named; finishing the
 * build resolves the names (adding the builtin types a definition may
 * leave out: builtin_interfaces/Time and Duration, std_msgs/Header, ROS 1's
 * time and duration), rejects recursive types, and computes each type's
 * smallest wire size, which bounds sequence lengths while decoding.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "ros_int.h"

#define MARK_NEW		0
#define MARK_VISITING	1
#define MARK_DONE		2

/* Types a definition may use without including them */
typedef struct RosBuiltin
{
	const char *name;
	int			flavor;			/* 1: ROS 1 only, 2: ROS 2 only, 3: both */
	const char *fields;			/* .msg text */
} RosBuiltin;

static const RosBuiltin builtins[] = {
	{"builtin_interfaces/Time", 3, "int32 sec\nuint32 nanosec\n"},
	{"builtin_interfaces/Duration", 3, "int32 sec\nuint32 nanosec\n"},
	{"std_msgs/Header", 2, "builtin_interfaces/Time stamp\nstring frame_id\n"},
	{"std_msgs/Header", 1, "uint32 seq\ntime stamp\nstring frame_id\n"},
	{"time", 1, "uint32 sec\nuint32 nsec\n"},
	{"duration", 1, "int32 sec\nint32 nsec\n"},
	{"service_msgs/ServiceEventInfo", 2,
	"uint8 event_type\nbuiltin_interfaces/Time stamp\nchar[16] client_gid\nint64 sequence_number\n"},
};

void
ros_build_init(RosBuild *b, HdDecoder *d, bool ros2, HdError *err)
{
	memset(b, 0, sizeof(*b));
	b->arena = &d->arena;
	b->ros2 = ros2;
	b->err = err;
}

void
ros_build_cleanup(RosBuild *b)
{
	free(b->types);
	b->types = NULL;
}

int
ros_nomem(RosBuild *b)
{
	return hd_error(b->err, HD_ERR_NOMEM, 0, "out of memory compiling ROS schema");
}

/*
 * "pkg/msg/Type" and "pkg/Type" both name "pkg/Type".  Returns the length
 * written to out, or -1 when it does not fit.
 */
int
ros_canonical_name(const char *name, size_t len, char *out, size_t outsize)
{
	const char *first = memchr(name, '/', len);
	const char *last = first;
	size_t		n;

	while (last != NULL && memchr(last + 1, '/', len - (size_t) (last + 1 - name)) != NULL)
		last = memchr(last + 1, '/', len - (size_t) (last + 1 - name));
	if (first != NULL && last != first)
	{
		size_t		pkg = (size_t) (first - name);
		size_t		base = len - (size_t) (last + 1 - name);

		if (pkg + 1 + base + 1 > outsize)
			return -1;
		memcpy(out, name, pkg + 1);
		memcpy(out + pkg + 1, last + 1, base);
		n = pkg + 1 + base;
	}
	else
	{
		if (len + 1 > outsize)
			return -1;
		memcpy(out, name, len);
		n = len;
	}
	out[n] = '\0';
	return (int) n;
}

static RosType *
find_type(const RosBuild *b, const char *name)
{
	int			i;

	for (i = 0; i < b->ntypes; i++)
		if (strcmp(b->types[i]->name, name) == 0)
			return b->types[i];
	return NULL;
}

/*
 * A new type named name.  A second definition of a name already known is
 * parsed into a type that is not registered (the first one wins).
 */
RosType *
ros_add_type(RosBuild *b, const char *name, size_t len)
{
	RosType    *t;
	char		canon[256];

	if (ros_canonical_name(name, len, canon, sizeof(canon)) < 0)
	{
		hd_error(b->err, HD_ERR_SCHEMA, 0, "ROS type name too long");
		return NULL;
	}
	t = hd_arena_zalloc(b->arena, sizeof(RosType));
	if (t == NULL || (t->name = hd_arena_strndup(b->arena, canon, strlen(canon))) == NULL)
	{
		ros_nomem(b);
		return NULL;
	}
	if (find_type(b, canon) != NULL)
		return t;
	if (b->ntypes == b->cap)
	{
		int			cap = b->cap ? b->cap * 2 : 16;
		RosType   **types = realloc(b->types, sizeof(RosType *) * cap);

		if (types == NULL)
		{
			ros_nomem(b);
			return NULL;
		}
		b->types = types;
		b->cap = cap;
	}
	b->types[b->ntypes++] = t;
	return t;
}

RosField *
ros_add_field(RosBuild *b, RosType *t)
{
	RosField   *f;

	if (t->nfields == t->cap)
	{
		int			cap = t->cap ? t->cap * 2 : 8;
		RosField   *fields = hd_arena_alloc(b->arena, sizeof(RosField) * cap);

		if (fields == NULL)
		{
			ros_nomem(b);
			return NULL;
		}
		if (t->nfields > 0)
			memcpy(fields, t->fields, sizeof(RosField) * t->nfields);
		t->fields = fields;
		t->cap = cap;
	}
	f = &t->fields[t->nfields++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* The primitive a .msg type name stands for */
bool
ros_primitive(const char *name, size_t len, bool ros2, RosPrim *prim)
{
	static const struct
	{
		const char *name;
		RosPrim		prim;
	}			prims[] = {
		{"bool", ROS_BOOL}, {"int8", ROS_INT8}, {"uint8", ROS_UINT8},
		{"char", ROS_UINT8}, {"int16", ROS_INT16}, {"uint16", ROS_UINT16},
		{"int32", ROS_INT32}, {"uint32", ROS_UINT32}, {"int64", ROS_INT64},
		{"uint64", ROS_UINT64}, {"float32", ROS_FLOAT32},
		{"float64", ROS_FLOAT64}, {"string", ROS_STRING},
	};
	size_t		i;

	/* byte is an octet in ROS 2, a signed byte in ROS 1 */
	if (len == 4 && memcmp(name, "byte", 4) == 0)
	{
		*prim = ros2 ? ROS_UINT8 : ROS_INT8;
		return true;
	}
	if (ros2 && len == 7 && memcmp(name, "wstring", 7) == 0)
	{
		*prim = ROS_WSTRING;
		return true;
	}
	for (i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
	{
		if (strlen(prims[i].name) == len && memcmp(prims[i].name, name, len) == 0)
		{
			*prim = prims[i].prim;
			return true;
		}
	}
	return false;
}

static const RosBuiltin *
builtin_for(const RosBuild *b, const char *name)
{
	size_t		i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if ((builtins[i].flavor & (b->ros2 ? 2 : 1)) && strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/* A type named by a bare name ("Type"), when one package has it */
static RosType *
find_type_by_base(const RosBuild *b, const char *base)
{
	RosType    *found = NULL;
	size_t		blen = strlen(base);
	int			i;

	for (i = 0; i < b->ntypes; i++)
	{
		const char *n = b->types[i]->name;
		size_t		len = strlen(n);

		if (len > blen && n[len - blen - 1] == '/' && strcmp(n + len - blen, base) == 0)
		{
			if (found != NULL)
				return NULL;	/* ambiguous */
			found = b->types[i];
		}
	}
	return found;
}

static int	resolve_type(RosBuild *b, RosType *t, int depth);

static RosType *
lookup_or_builtin(RosBuild *b, const char *name)
{
	RosType    *t = find_type(b, name);
	const RosBuiltin *bi;

	if (t != NULL)
		return t;
	if ((bi = builtin_for(b, name)) != NULL)
	{
		t = ros_add_type(b, bi->name, strlen(bi->name));
		if (t == NULL ||
			ros_parse_msg_fields(b, t, "", bi->fields, strlen(bi->fields)) != HD_OK)
			return NULL;
		return t;
	}
	/* "Type", or "pkg/Type" defined under another package: a unique match */
	if (strchr(name, '/') == NULL)
		return find_type_by_base(b, name);
	return find_type_by_base(b, strrchr(name, '/') + 1);
}

static size_t
add_saturated(size_t a, size_t b)
{
	return a > SIZE_MAX / 4 - b ? SIZE_MAX / 4 : a + b;
}

static size_t
mul_saturated(size_t a, size_t n)
{
	if (n != 0 && a > (SIZE_MAX / 4) / n)
		return SIZE_MAX / 4;
	return a * n;
}

/* Bytes of a fixed-size primitive on the wire; 0 for strings and types */
size_t
ros_primitive_size(RosPrim prim)
{
	switch (prim)
	{
		case ROS_BOOL:
		case ROS_INT8:
		case ROS_UINT8:
			return 1;
		case ROS_INT16:
		case ROS_UINT16:
			return 2;
		case ROS_INT32:
		case ROS_UINT32:
		case ROS_FLOAT32:
			return 4;
		case ROS_INT64:
		case ROS_UINT64:
		case ROS_FLOAT64:
			return 8;
		case ROS_STRING:
		case ROS_WSTRING:
		case ROS_COMPLEX:
			break;
	}
	return 0;
}

/* Resolve the fields of t (and the types they use); compute min_size */
static int
resolve_type(RosBuild *b, RosType *t, int depth)
{
	size_t		size = 0;
	int			i,
				rc;

	if (t->mark == MARK_DONE)
		return HD_OK;
	if (t->mark == MARK_VISITING || depth > HD_MAX_DEPTH)
		return hd_error(b->err, HD_ERR_SCHEMA, 0,
						"ROS type \"%s\" contains itself", t->name);
	t->mark = MARK_VISITING;
	for (i = 0; i < t->nfields; i++)
	{
		RosField   *f = &t->fields[i];
		size_t		elem;

		if (f->prim == ROS_COMPLEX)
		{
			RosType    *ft = lookup_or_builtin(b, f->type_name);

			if (ft == NULL)
			{
				if (b->err == NULL || b->err->code != HD_ERR_NOMEM)
					return hd_error(b->err, HD_ERR_SCHEMA, 0,
									"ROS type \"%s\" (field \"%s\" of \"%s\") is not defined in the schema",
									f->type_name, f->name, t->name);
				return HD_ERR_NOMEM;
			}
			if ((rc = resolve_type(b, ft, depth + 1)) != HD_OK)
				return rc;
			f->type = ft;
			elem = ft->min_size;
		}
		else if (f->prim == ROS_STRING || f->prim == ROS_WSTRING)
			elem = 4;			/* the length */
		else
			elem = ros_primitive_size(f->prim);
		f->element_min_size = elem;
		if (f->array == ROS_FIXED)
			elem = mul_saturated(elem, f->length);
		else if (f->array == ROS_SEQUENCE)
			elem = 4;
		size = add_saturated(size, elem);
	}
	/* an empty ROS 2 message still holds one (dummy) byte */
	if (t->nfields == 0 && b->ros2)
		size = 1;
	t->min_size = size;
	t->mark = MARK_DONE;
	return HD_OK;
}

int
ros_build_finish(RosBuild *b, HdDecoder *d, const char *root_name)
{
	char		canon[256];
	RosType    *root;
	int			rc;

	if (ros_canonical_name(root_name, strlen(root_name), canon, sizeof(canon)) < 0)
		return hd_error(b->err, HD_ERR_SCHEMA, 0, "ROS type name too long");
	root = find_type(b, canon);
	if (root == NULL)
		return hd_error(b->err, HD_ERR_SCHEMA, 0,
						"ROS type \"%s\" is not defined in the schema", root_name);
	if ((rc = resolve_type(b, root, 0)) != HD_OK)
		return rc;
	d->root = root;
	return HD_OK;
}

/* ----------
 * Introspection for signal paths
 * ----------
 */
static void
set_value_node(HdNode *out, const RosField *f)
{
	out->open = false;
	out->field = f;
	out->type = f->type;
	if (f->prim == ROS_COMPLEX)
		out->kind = HD_NODE_OBJECT;
	else if (f->prim == ROS_STRING || f->prim == ROS_WSTRING)
		out->kind = HD_NODE_OTHER;
	else
		out->kind = HD_NODE_NUMBER;
}

static void
ros_root(const HdDecoder *d, HdNode *out)
{
	out->kind = HD_NODE_OBJECT;
	out->open = false;
	out->type = d->root;
	out->field = NULL;
}

static int
ros_nfields(const HdNode *node)
{
	return ((const RosType *) node->type)->nfields;
}

static const char *
ros_field(const HdNode *node, int i, HdNode *child)
{
	const RosField *f = &((const RosType *) node->type)->fields[i];

	if (f->array != ROS_SCALAR)
	{
		child->kind = HD_NODE_ARRAY;
		child->open = false;
		child->type = f->type;
		child->field = f;
	}
	else
		set_value_node(child, f);
	return f->name;
}

static void
ros_element(const HdNode *node, HdNode *child)
{
	set_value_node(child, node->field);
}

const HdSchemaOps hd_ros_schema_ops = {
	.root = ros_root,
	.nfields = ros_nfields,
	.field = ros_field,
	.element = ros_element,
};
