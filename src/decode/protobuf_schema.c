/*-------------------------------------------------------------------------
 *
 * protobuf_schema.c
 *	  Compiling a serialized google.protobuf.FileDescriptorSet into the
 *	  message types that protobuf.c walks.
 *
 * The descriptor set is itself protobuf, read here with the same wire
 * primitives.  First every message and enum of every file is indexed by
 * its full name (a byte range of the descriptor, nothing decoded yet); then
 * the requested message and the types it reaches are compiled into the
 * decoder's arena, resolving type names the way protoc does (absolute
 * ".pkg.Type", or relative to the enclosing scopes).  Only reachable types
 * are kept, so a decoder's size follows its message, not the whole set.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "protobuf_int.h"

/* Field numbers of descriptor.proto */
#define FDS_FILE				1
#define FILE_PACKAGE			2
#define FILE_MESSAGE_TYPE		4
#define FILE_ENUM_TYPE			5
#define MSG_NAME				1
#define MSG_FIELD				2
#define MSG_NESTED_TYPE			3
#define MSG_ENUM_TYPE			4
#define MSG_OPTIONS				7
#define MSG_ONEOF_DECL			8
#define MSGOPT_MAP_ENTRY		7
#define FIELD_NAME				1
#define FIELD_NUMBER			3
#define FIELD_LABEL				4
#define FIELD_TYPE				5
#define FIELD_TYPE_NAME			6
#define FIELD_DEFAULT_VALUE		7
#define FIELD_ONEOF_INDEX		9
#define ENUM_NAME				1
#define ENUM_VALUE				2
#define ENUMVAL_NAME			1
#define ENUMVAL_NUMBER			2

#define LABEL_REPEATED			3
#define MAX_SCOPE_DEPTH			32

/* One field of a descriptor being read: its number, and value */
typedef struct DescField
{
	uint32_t	number;
	int			wire_type;
	uint64_t	varint;			/* PB_WT_VARINT */
	const uint8_t *data;		/* PB_WT_LEN */
	size_t		len;
} DescField;

/* A message or enum found in the set, before compilation */
typedef struct RawType
{
	char	   *full_name;		/* without leading dot */
	bool		is_enum;
	const uint8_t *data;		/* its DescriptorProto / EnumDescriptorProto */
	size_t		len;
	void	   *compiled;		/* PbMessage or PbEnum, once referenced */
} RawType;

typedef struct SchemaBuild
{
	HdArena    *arena;			/* the decoder's */
	HdArena		scratch;		/* freed after compiling */
	RawType    *types;
	size_t		ntypes;
	size_t		cap;
	RawType   **queue;			/* referenced, not yet compiled */
	size_t		nqueue;
	const uint8_t *base;		/* start of the schema, for offsets */
	HdError    *err;
} SchemaBuild;

/*
 * Read the next field of a descriptor message.  Returns 1 with *f filled,
 * 0 at the end, or an error code (schema malformed).
 */
static int
next_desc_field(SchemaBuild *b, const uint8_t **p, const uint8_t *end,
				DescField *f)
{
	uint64_t	tag;
	const uint8_t *start = *p;

	if (*p >= end)
		return 0;
	if (!pb_read_varint(p, end, &tag) || (tag >> 3) == 0 ||
		(tag >> 3) > PB_MAX_FIELD_NUMBER)
		goto malformed;
	f->number = (uint32_t) (tag >> 3);
	f->wire_type = (int) (tag & 7);
	switch (f->wire_type)
	{
		case PB_WT_VARINT:
			if (!pb_read_varint(p, end, &f->varint))
				goto malformed;
			return 1;
		case PB_WT_LEN:
			if (!pb_read_varint(p, end, &f->varint) ||
				f->varint > (uint64_t) (end - *p))
				goto malformed;
			f->data = *p;
			f->len = (size_t) f->varint;
			*p += f->len;
			return 1;
		default:
			if (pb_skip_value(f->number, f->wire_type, p, end) != HD_OK)
				goto malformed;
			return 1;
	}
malformed:
	return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (start - b->base),
					"protobuf schema is not a valid FileDescriptorSet (bad field at byte %zu)",
					(size_t) (start - b->base));
}

static bool
desc_is_string(const DescField *f, uint32_t number)
{
	return f->number == number && f->wire_type == PB_WT_LEN;
}

static bool
desc_is_varint(const DescField *f, uint32_t number)
{
	return f->number == number && f->wire_type == PB_WT_VARINT;
}

/* "prefix.name" (or "name" when prefix is empty), in the scratch arena */
static char *
join_name(SchemaBuild *b, const char *prefix, const uint8_t *name, size_t len)
{
	size_t		plen = strlen(prefix);
	char	   *s = hd_arena_alloc(&b->scratch, plen + len + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, prefix, plen);
	if (plen > 0)
		s[plen++] = '.';
	memcpy(s + plen, name, len);
	s[plen + len] = '\0';
	return s;
}

static int
nomem(HdError *err)
{
	return hd_error(err, HD_ERR_NOMEM, 0, "out of memory compiling protobuf schema");
}

static int
add_raw_type(SchemaBuild *b, char *full_name, bool is_enum,
			 const uint8_t *data, size_t len)
{
	if (b->ntypes == b->cap)
	{
		size_t		cap = b->cap ? b->cap * 2 : 64;
		RawType    *types = realloc(b->types, cap * sizeof(RawType));

		if (types == NULL)
			return nomem(b->err);
		b->types = types;
		b->cap = cap;
	}
	b->types[b->ntypes].full_name = full_name;
	b->types[b->ntypes].is_enum = is_enum;
	b->types[b->ntypes].data = data;
	b->types[b->ntypes].len = len;
	b->types[b->ntypes].compiled = NULL;
	b->ntypes++;
	return HD_OK;
}

/* Find the "name" field (number 1) of a descriptor */
static int
read_desc_name(SchemaBuild *b, const uint8_t *data, size_t len,
			   const uint8_t **name, size_t *name_len)
{
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	DescField	f;
	int			rc;

	*name = NULL;
	*name_len = 0;
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, 1))
		{
			*name = f.data;
			*name_len = f.len;
		}
	}
	if (rc != 0)
		return rc;
	if (*name == NULL || *name_len == 0)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (data - b->base),
						"protobuf schema has a message or enum without a name");
	return HD_OK;
}

static int	index_message(SchemaBuild *b, const char *scope,
						  const uint8_t *data, size_t len, int depth);

static int
index_enum(SchemaBuild *b, const char *scope, const uint8_t *data, size_t len)
{
	const uint8_t *name;
	size_t		name_len;
	char	   *full;
	int			rc;

	if ((rc = read_desc_name(b, data, len, &name, &name_len)) != HD_OK)
		return rc;
	if ((full = join_name(b, scope, name, name_len)) == NULL)
		return nomem(b->err);
	return add_raw_type(b, full, true, data, len);
}

static int	index_message(SchemaBuild *b, const char *scope,
						  const uint8_t *data, size_t len, int depth);

/*
 * Index the message and enum types a descriptor declares (fields msg_tag
 * and enum_tag of a FileDescriptorProto or a DescriptorProto) in scope.
 */
static int
index_types(SchemaBuild *b, const char *scope, const uint8_t *data,
			size_t len, uint32_t msg_tag, uint32_t enum_tag, int depth)
{
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	DescField	f;
	int			rc;

	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, msg_tag))
			rc = index_message(b, scope, f.data, f.len, depth);
		else if (desc_is_string(&f, enum_tag))
			rc = index_enum(b, scope, f.data, f.len);
		else
			continue;
		if (rc != HD_OK)
			return rc;
	}
	return rc;
}

/* Index a DescriptorProto and, recursively, its nested types */
static int
index_message(SchemaBuild *b, const char *scope, const uint8_t *data,
			  size_t len, int depth)
{
	const uint8_t *name;
	size_t		name_len;
	char	   *full;
	int			rc;

	if (depth > MAX_SCOPE_DEPTH)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (data - b->base),
						"protobuf schema nests message definitions too deeply");
	if ((rc = read_desc_name(b, data, len, &name, &name_len)) != HD_OK)
		return rc;
	if ((full = join_name(b, scope, name, name_len)) == NULL)
		return nomem(b->err);
	if ((rc = add_raw_type(b, full, false, data, len)) != HD_OK)
		return rc;
	return index_types(b, full, data, len, MSG_NESTED_TYPE, MSG_ENUM_TYPE,
					   depth + 1);
}

static int
index_file(SchemaBuild *b, const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	const char *package = "";
	DescField	f;
	int			rc;

	/* the package first: it may come after the types */
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, FILE_PACKAGE))
		{
			package = hd_arena_strndup(&b->scratch, (const char *) f.data, f.len);
			if (package == NULL)
				return nomem(b->err);
		}
	}
	if (rc != 0)
		return rc;
	return index_types(b, package, data, len, FILE_MESSAGE_TYPE,
					   FILE_ENUM_TYPE, 0);
}

static int
compare_raw_names(const void *a, const void *b)
{
	return strcmp(((const RawType *) a)->full_name,
				  ((const RawType *) b)->full_name);
}

static RawType *
find_raw_type(SchemaBuild *b, const char *full_name)
{
	size_t		lo = 0,
				hi = b->ntypes;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		int			c = strcmp(b->types[mid].full_name, full_name);

		if (c == 0)
			return &b->types[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Resolve a field's type_name: ".a.b.T" is absolute; "T" or "b.T" is looked
 * up in the field's message scope, then each enclosing scope outwards.
 */
static RawType *
resolve_type_name(SchemaBuild *b, const char *scope, const char *name)
{
	char	   *buf;
	size_t		slen;

	if (name[0] == '.')
		return find_raw_type(b, name + 1);
	slen = strlen(scope);
	buf = hd_arena_alloc(&b->scratch, slen + strlen(name) + 2);
	if (buf == NULL)
		return NULL;
	for (;;)
	{
		RawType    *t;

		memcpy(buf, scope, slen);
		if (slen > 0)
			buf[slen++] = '.';
		strcpy(buf + slen, name);
		if ((t = find_raw_type(b, buf)) != NULL)
			return t;
		if (slen == 0)
			return NULL;
		slen--;					/* drop the '.', then the last component */
		while (slen > 0 && scope[slen - 1] != '.')
			slen--;
		if (slen > 0)
			slen--;
	}
}

/* The compiled type of a raw type, allocating it and queueing it if new */
static void *
reference_type(SchemaBuild *b, RawType *t)
{
	if (t->compiled != NULL)
		return t->compiled;
	t->compiled = hd_arena_zalloc(b->arena, t->is_enum ? sizeof(PbEnum) : sizeof(PbMessage));
	if (t->compiled == NULL)
		return NULL;
	b->queue[b->nqueue++] = t;
	return t->compiled;
}

/* ----------
 * Enums
 * ----------
 */
/* An enum value with its declaration position, for a stable sort */
typedef struct OrderedValue
{
	PbEnumValue value;
	int			order;
} OrderedValue;

static int
compare_enum_values(const void *a, const void *b)
{
	const OrderedValue *x = a;
	const OrderedValue *y = b;

	if (x->value.number != y->value.number)
		return x->value.number < y->value.number ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int
read_enum_value(SchemaBuild *b, const DescField *vf, PbEnumValue *out)
{
	const uint8_t *p = vf->data;
	const uint8_t *end = vf->data + vf->len;
	DescField	f;
	int			rc;

	out->number = 0;
	out->name = NULL;
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, ENUMVAL_NAME))
		{
			out->name = hd_arena_strndup(b->arena, (const char *) f.data, f.len);
			if (out->name == NULL)
				return nomem(b->err);
		}
		else if (desc_is_varint(&f, ENUMVAL_NUMBER))
			out->number = (int32_t) f.varint;
	}
	if (rc != 0)
		return rc;
	if (out->name == NULL)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (vf->data - b->base),
						"protobuf schema has an enum value without a name");
	return HD_OK;
}

static int
compile_enum(SchemaBuild *b, RawType *t)
{
	PbEnum	   *e = t->compiled;
	const uint8_t *p = t->data;
	const uint8_t *end = t->data + t->len;
	OrderedValue *ordered;
	DescField	f;
	int			n = 0,
				i,
				kept,
				rc;

	e->full_name = hd_arena_strndup(b->arena, t->full_name, strlen(t->full_name));
	if (e->full_name == NULL)
		return nomem(b->err);
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
		if (desc_is_string(&f, ENUM_VALUE))
			n++;
	if (rc != 0)
		return rc;
	e->values = hd_arena_alloc(b->arena, sizeof(PbEnumValue) * (n > 0 ? n : 1));
	ordered = hd_arena_alloc(&b->scratch, sizeof(OrderedValue) * (n > 0 ? n : 1));
	if (e->values == NULL || ordered == NULL)
		return nomem(b->err);
	p = t->data;
	n = 0;
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (!desc_is_string(&f, ENUM_VALUE))
			continue;
		if ((rc = read_enum_value(b, &f, &ordered[n].value)) != HD_OK)
			return rc;
		ordered[n].order = n;
		if (n == 0)
			e->first_number = ordered[0].value.number;
		n++;
	}
	if (rc != 0)
		return rc;

	/* by number; of aliases (same number), the first declared is kept */
	qsort(ordered, n, sizeof(OrderedValue), compare_enum_values);
	kept = 0;
	for (i = 0; i < n; i++)
	{
		if (kept > 0 && e->values[kept - 1].number == ordered[i].value.number)
			continue;
		e->values[kept++] = ordered[i].value;
	}
	e->nvalues = kept;
	return HD_OK;
}

const char *
pb_enum_name(const PbEnum *e, int32_t number)
{
	int			lo = 0,
				hi = e->nvalues - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (e->values[mid].number == number)
			return e->values[mid].name;
		if (e->values[mid].number < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static bool
enum_number_of(const PbEnum *e, const char *name, int32_t *number)
{
	int			i;

	for (i = 0; i < e->nvalues; i++)
	{
		if (strcmp(e->values[i].name, name) == 0)
		{
			*number = e->values[i].number;
			return true;
		}
	}
	return false;
}

/* ----------
 * Messages
 * ----------
 */

/* What a FieldDescriptorProto says, before resolution */
typedef struct RawField
{
	const uint8_t *name;
	size_t		name_len;
	uint64_t	number;
	uint64_t	label;
	uint64_t	type;
	const uint8_t *type_name;
	size_t		type_name_len;
	const uint8_t *default_value;
	size_t		default_len;
	bool		has_default;
	int64_t		oneof;
} RawField;

static int
read_raw_field(SchemaBuild *b, const DescField *ff, RawField *rf)
{
	const uint8_t *p = ff->data;
	const uint8_t *end = ff->data + ff->len;
	DescField	f;
	int			rc;

	memset(rf, 0, sizeof(*rf));
	rf->oneof = -1;
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, FIELD_NAME))
		{
			rf->name = f.data;
			rf->name_len = f.len;
		}
		else if (desc_is_varint(&f, FIELD_NUMBER))
			rf->number = f.varint;
		else if (desc_is_varint(&f, FIELD_LABEL))
			rf->label = f.varint;
		else if (desc_is_varint(&f, FIELD_TYPE))
			rf->type = f.varint;
		else if (desc_is_string(&f, FIELD_TYPE_NAME))
		{
			rf->type_name = f.data;
			rf->type_name_len = f.len;
		}
		else if (desc_is_string(&f, FIELD_DEFAULT_VALUE))
		{
			rf->default_value = f.data;
			rf->default_len = f.len;
			rf->has_default = true;
		}
		else if (desc_is_varint(&f, FIELD_ONEOF_INDEX))
			rf->oneof = (int64_t) (int32_t) f.varint;
	}
	if (rc != 0)
		return rc;
	if (rf->name == NULL || rf->name_len == 0)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (ff->data - b->base),
						"protobuf schema has a field without a name");
	if (rf->number == 0 || rf->number > PB_MAX_FIELD_NUMBER)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (ff->data - b->base),
						"protobuf field \"%.*s\" has invalid number %llu",
						(int) rf->name_len, (const char *) rf->name,
						(unsigned long long) rf->number);
	if (rf->type > PB_TYPE_SINT64)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (ff->data - b->base),
						"protobuf field \"%.*s\" has unknown type %llu",
						(int) rf->name_len, (const char *) rf->name,
						(unsigned long long) rf->type);
	return HD_OK;
}

static bool
type_is_packable(int type)
{
	return type != PB_TYPE_STRING && type != PB_TYPE_BYTES &&
		type != PB_TYPE_MESSAGE && type != PB_TYPE_GROUP;
}

/* Decode a C-escaped default of a bytes field (\n, \123, \x7f, ...) */
static size_t
unescape_bytes(const char *s, size_t len, char *out)
{
	size_t		i = 0,
				n = 0;

	while (i < len)
	{
		char		c = s[i++];

		if (c != '\\' || i >= len)
		{
			out[n++] = c;
			continue;
		}
		c = s[i++];
		if (c >= '0' && c <= '7')
		{
			int			v = c - '0',
						k;

			for (k = 0; k < 2 && i < len && s[i] >= '0' && s[i] <= '7'; k++)
				v = v * 8 + (s[i++] - '0');
			out[n++] = (char) v;
		}
		else if (c == 'x')
		{
			int			v = 0,
						k;

			for (k = 0; k < 2 && i < len && strchr("0123456789abcdefABCDEF", s[i]) && s[i]; k++)
			{
				char		h = s[i++];

				v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
			}
			out[n++] = (char) v;
		}
		else
		{
			switch (c)
			{
				case 'n':
					out[n++] = '\n';
					break;
				case 'r':
					out[n++] = '\r';
					break;
				case 't':
					out[n++] = '\t';
					break;
				case 'a':
					out[n++] = '\a';
					break;
				case 'b':
					out[n++] = '\b';
					break;
				case 'f':
					out[n++] = '\f';
					break;
				case 'v':
					out[n++] = '\v';
					break;
				default:
					out[n++] = c;
					break;
			}
		}
	}
	return n;
}

/* Parse a proto2 [default = ...] into field->def */
static int
parse_default(SchemaBuild *b, const RawField *rf, PbField *field)
{
	char	   *text = hd_arena_strndup(b->arena, (const char *) rf->default_value,
										rf->default_len);

	if (text == NULL)
		return nomem(b->err);
	switch (field->type)
	{
		case PB_TYPE_STRING:
			field->def.str = text;
			field->def.str_len = rf->default_len;
			break;
		case PB_TYPE_BYTES:
			field->def.str_len = unescape_bytes(text, rf->default_len, text);
			field->def.str = text;
			break;
		case PB_TYPE_BOOL:
			field->def.num.u = strcmp(text, "true") == 0;
			break;
		case PB_TYPE_FLOAT:
		case PB_TYPE_DOUBLE:
			if (strcmp(text, "inf") == 0)
				field->def.num.d = INFINITY;
			else if (strcmp(text, "-inf") == 0)
				field->def.num.d = -INFINITY;
			else if (strcmp(text, "nan") == 0)
				field->def.num.d = NAN;
			else
				field->def.num.d = strtod(text, NULL);
			if (field->type == PB_TYPE_FLOAT)
				field->def.num.d = (float) field->def.num.d;
			break;
		case PB_TYPE_UINT32:
		case PB_TYPE_UINT64:
		case PB_TYPE_FIXED32:
		case PB_TYPE_FIXED64:
			field->def.num.u = strtoull(text, NULL, 0);
			break;
		case PB_TYPE_ENUM:
			/* the enum may not be compiled yet: resolved in finish_message */
			field->def.str = text;
			field->def.str_len = rf->default_len;
			break;
		default:
			field->def.num.i = strtoll(text, NULL, 0);
			break;
	}
	return HD_OK;
}

static int
compare_fields(const void *a, const void *b)
{
	const PbField *x = a;
	const PbField *y = b;

	return x->number < y->number ? -1 : (x->number > y->number);
}

static int
resolve_field_type(SchemaBuild *b, const char *scope, const RawField *rf,
				   PbField *field)
{
	char	   *tname;
	RawType    *t;
	void	   *compiled;

	tname = hd_arena_strndup(&b->scratch, (const char *) rf->type_name,
							 rf->type_name_len);
	if (tname == NULL)
		return nomem(b->err);
	t = resolve_type_name(b, scope, tname);
	if (t == NULL)
		return hd_error(b->err, HD_ERR_SCHEMA, 0,
						"protobuf type \"%s\" of field \"%s.%s\" is not in the schema",
						tname, scope, field->name);
	if (field->type == 0)
		field->type = t->is_enum ? PB_TYPE_ENUM : PB_TYPE_MESSAGE;
	if (t->is_enum != (field->type == PB_TYPE_ENUM))
		return hd_error(b->err, HD_ERR_SCHEMA, 0,
						"protobuf field \"%s.%s\" refers to \"%s\", which is %s",
						scope, field->name, tname,
						t->is_enum ? "an enum" : "a message");
	if ((compiled = reference_type(b, t)) == NULL)
		return nomem(b->err);
	if (t->is_enum)
		field->enumeration = compiled;
	else
		field->message = compiled;
	return HD_OK;
}

static int
compile_field(SchemaBuild *b, const char *scope, const DescField *ff,
			  PbField *field)
{
	RawField	rf;
	int			rc;

	if ((rc = read_raw_field(b, ff, &rf)) != HD_OK)
		return rc;
	memset(field, 0, sizeof(*field));
	field->name = hd_arena_strndup(b->arena, (const char *) rf.name, rf.name_len);
	if (field->name == NULL)
		return nomem(b->err);
	field->name_len = rf.name_len;
	field->number = (uint32_t) rf.number;
	field->type = (uint8_t) rf.type;
	field->repeated = rf.label == LABEL_REPEATED;
	field->oneof = (int32_t) rf.oneof;
	if (rf.type_name != NULL &&
		(rf.type == 0 || rf.type == PB_TYPE_MESSAGE || rf.type == PB_TYPE_ENUM ||
		 rf.type == PB_TYPE_GROUP))
	{
		if (rf.type == PB_TYPE_GROUP)
			return HD_OK;		/* groups are skipped: type not needed */
		if ((rc = resolve_field_type(b, scope, &rf, field)) != HD_OK)
			return rc;
	}
	else if (rf.type == 0 || rf.type == PB_TYPE_MESSAGE || rf.type == PB_TYPE_ENUM)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (ff->data - b->base),
						"protobuf field \"%s.%s\" has no type", scope, field->name);
	field->packable = field->repeated && type_is_packable(field->type);
	if (rf.has_default && !field->repeated)
		return parse_default(b, &rf, field);
	return HD_OK;
}

static int
build_number_index(SchemaBuild *b, PbMessage *m)
{
	uint32_t	limit;
	uint32_t	i;

	if (m->nfields == 0)
		return HD_OK;
	/* a dense table when numbers are small; binary search otherwise */
	limit = m->fields[m->nfields - 1].number + 1;
	if (limit > 64 && limit > 4 * (uint32_t) m->nfields)
		return HD_OK;
	m->index_by_number = hd_arena_alloc(b->arena, sizeof(int32_t) * limit);
	if (m->index_by_number == NULL)
		return nomem(b->err);
	for (i = 0; i < limit; i++)
		m->index_by_number[i] = -1;
	for (i = 0; i < (uint32_t) m->nfields; i++)
		m->index_by_number[m->fields[i].number] = (int32_t) i;
	m->index_limit = limit;
	return HD_OK;
}

static int
read_message_options(SchemaBuild *b, const DescField *of, PbMessage *m)
{
	const uint8_t *p = of->data;
	const uint8_t *end = of->data + of->len;
	DescField	f;
	int			rc;

	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
		if (desc_is_varint(&f, MSGOPT_MAP_ENTRY))
			m->map_entry = f.varint != 0;
	return rc;
}

static int
check_fields(SchemaBuild *b, PbMessage *m)
{
	int			i;

	for (i = 1; i < m->nfields; i++)
		if (m->fields[i].number == m->fields[i - 1].number)
			return hd_error(b->err, HD_ERR_SCHEMA, 0,
							"protobuf message \"%s\" has two fields numbered %u",
							m->full_name, m->fields[i].number);
	return HD_OK;
}

static int
compile_message(SchemaBuild *b, RawType *t)
{
	PbMessage  *m = t->compiled;
	const uint8_t *p = t->data;
	const uint8_t *end = t->data + t->len;
	DescField	f;
	int			n = 0,
				rc;

	m->full_name = hd_arena_strndup(b->arena, t->full_name, strlen(t->full_name));
	if (m->full_name == NULL)
		return nomem(b->err);
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, MSG_FIELD))
			n++;
		else if (desc_is_string(&f, MSG_OPTIONS) &&
				 (rc = read_message_options(b, &f, m)) != 0)
			return rc;
	}
	if (rc != 0)
		return rc;
	m->fields = hd_arena_alloc(b->arena, sizeof(PbField) * (n > 0 ? n : 1));
	if (m->fields == NULL)
		return nomem(b->err);
	p = t->data;
	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (!desc_is_string(&f, MSG_FIELD))
			continue;
		if ((rc = compile_field(b, t->full_name, &f, &m->fields[m->nfields])) != HD_OK)
			return rc;
		if (m->fields[m->nfields].type != PB_TYPE_GROUP)
			m->nfields++;
	}
	if (rc != 0)
		return rc;
	qsort(m->fields, m->nfields, sizeof(PbField), compare_fields);
	if ((rc = check_fields(b, m)) != HD_OK)
		return rc;
	return build_number_index(b, m);
}

/* Second pass over compiled messages: maps, and enum defaults by name */
static int
finish_message(SchemaBuild *b, PbMessage *m)
{
	int			i;

	for (i = 0; i < m->nfields; i++)
	{
		PbField    *field = &m->fields[i];

		if (field->repeated && field->type == PB_TYPE_MESSAGE &&
			field->message->map_entry)
			field->is_map = true;
		if (field->type == PB_TYPE_ENUM)
		{
			const char *name = field->def.str;
			int32_t		number = field->enumeration->first_number;

			field->def.str = NULL;
			if (name != NULL && !enum_number_of(field->enumeration, name, &number))
				return hd_error(b->err, HD_ERR_SCHEMA, 0,
								"protobuf field \"%s.%s\" has default \"%s\", not a value of its enum",
								m->full_name, field->name, name);
			field->def.num.i = number;
		}
	}
	if (m->map_entry &&
		(m->nfields != 2 || m->fields[0].number != 1 || m->fields[1].number != 2 ||
		 m->fields[0].repeated || m->fields[1].repeated))
		return hd_error(b->err, HD_ERR_SCHEMA, 0,
						"protobuf map entry \"%s\" does not have fields key = 1 and value = 2",
						m->full_name);
	return HD_OK;
}

static int
index_set(SchemaBuild *b, const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	DescField	f;
	int			rc;

	while ((rc = next_desc_field(b, &p, end, &f)) == 1)
	{
		if (desc_is_string(&f, FDS_FILE) &&
			(rc = index_file(b, f.data, f.len)) != HD_OK)
			return rc;
	}
	if (rc != 0)
		return rc;
	if (b->ntypes > 1)
		qsort(b->types, b->ntypes, sizeof(RawType), compare_raw_names);
	return HD_OK;
}

static int
compile_reachable(SchemaBuild *b, RawType *root)
{
	size_t		done = 0;
	size_t		i;
	int			rc;

	b->queue = malloc(sizeof(RawType *) * b->ntypes);
	if (b->queue == NULL)
		return nomem(b->err);
	if (reference_type(b, root) == NULL)
		return nomem(b->err);
	while (done < b->nqueue)
	{
		RawType    *t = b->queue[done++];

		rc = t->is_enum ? compile_enum(b, t) : compile_message(b, t);
		if (rc != HD_OK)
			return rc;
	}
	for (i = 0; i < b->nqueue; i++)
	{
		if (!b->queue[i]->is_enum &&
			(rc = finish_message(b, b->queue[i]->compiled)) != HD_OK)
			return rc;
	}
	return HD_OK;
}

int
hd_protobuf_compile(HdDecoder *d, const char *name, const uint8_t *data,
					size_t len, HdError *err)
{
	SchemaBuild b;
	RawType    *root;
	int			rc;

	memset(&b, 0, sizeof(b));
	b.arena = &d->arena;
	b.base = data;
	b.err = err;
	if (name[0] == '.')
		name++;
	rc = index_set(&b, data, len);
	if (rc == HD_OK)
	{
		root = find_raw_type(&b, name);
		if (root == NULL || root->is_enum)
			rc = hd_error(err, HD_ERR_SCHEMA, 0,
						  "protobuf message \"%s\" is not in the schema's FileDescriptorSet (%zu types)",
						  name, b.ntypes);
		else
			rc = compile_reachable(&b, root);
		if (rc == HD_OK)
			d->root = root->compiled;
	}
	free(b.types);
	free(b.queue);
	hd_arena_free(&b.scratch);
	return rc;
}

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
