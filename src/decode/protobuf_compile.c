/*-------------------------------------------------------------------------
 *
 * protobuf_compile.c
 *	  Compiling one message or enum type of a protobuf descriptor set into
 *	  the decoder's arena: fields with their types resolved, defaults,
 *	  maps, and the index of fields by number.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "protobuf_schema_int.h"

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
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, ENUMVAL_NAME))
		{
			out->name = hd_arena_strndup(b->arena, (const char *) f.data, f.len);
			if (out->name == NULL)
				return pb_schema_nomem(b->err);
		}
		else if (pb_desc_is_varint(&f, ENUMVAL_NUMBER))
			out->number = (int32_t) f.varint;
	}
	if (rc != 0)
		return rc;
	if (out->name == NULL)
		return hd_error(b->err, HD_ERR_SCHEMA, (size_t) (vf->data - b->base),
						"protobuf schema has an enum value without a name");
	return HD_OK;
}

int
pb_compile_enum(SchemaBuild *b, RawType *t)
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
		return pb_schema_nomem(b->err);
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
		if (pb_desc_is_string(&f, ENUM_VALUE))
			n++;
	if (rc != 0)
		return rc;
	e->values = hd_arena_alloc(b->arena, sizeof(PbEnumValue) * (n > 0 ? n : 1));
	ordered = hd_arena_alloc(&b->scratch, sizeof(OrderedValue) * (n > 0 ? n : 1));
	if (e->values == NULL || ordered == NULL)
		return pb_schema_nomem(b->err);
	p = t->data;
	n = 0;
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (!pb_desc_is_string(&f, ENUM_VALUE))
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
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, FIELD_NAME))
		{
			rf->name = f.data;
			rf->name_len = f.len;
		}
		else if (pb_desc_is_varint(&f, FIELD_NUMBER))
			rf->number = f.varint;
		else if (pb_desc_is_varint(&f, FIELD_LABEL))
			rf->label = f.varint;
		else if (pb_desc_is_varint(&f, FIELD_TYPE))
			rf->type = f.varint;
		else if (pb_desc_is_string(&f, FIELD_TYPE_NAME))
		{
			rf->type_name = f.data;
			rf->type_name_len = f.len;
		}
		else if (pb_desc_is_string(&f, FIELD_DEFAULT_VALUE))
		{
			rf->default_value = f.data;
			rf->default_len = f.len;
			rf->has_default = true;
		}
		else if (pb_desc_is_varint(&f, FIELD_ONEOF_INDEX))
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
		return pb_schema_nomem(b->err);
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
			/* the enum may not be compiled yet: resolved in pb_finish_message */
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
		return pb_schema_nomem(b->err);
	t = pb_resolve_type_name(b, scope, tname);
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
	if ((compiled = pb_reference_type(b, t)) == NULL)
		return pb_schema_nomem(b->err);
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
		return pb_schema_nomem(b->err);
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
		return pb_schema_nomem(b->err);
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

	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
		if (pb_desc_is_varint(&f, MSGOPT_MAP_ENTRY))
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

int
pb_compile_message(SchemaBuild *b, RawType *t)
{
	PbMessage  *m = t->compiled;
	const uint8_t *p = t->data;
	const uint8_t *end = t->data + t->len;
	DescField	f;
	int			n = 0,
				rc;

	m->full_name = hd_arena_strndup(b->arena, t->full_name, strlen(t->full_name));
	if (m->full_name == NULL)
		return pb_schema_nomem(b->err);
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, MSG_FIELD))
			n++;
		else if (pb_desc_is_string(&f, MSG_OPTIONS) &&
				 (rc = read_message_options(b, &f, m)) != 0)
			return rc;
	}
	if (rc != 0)
		return rc;
	m->fields = hd_arena_alloc(b->arena, sizeof(PbField) * (n > 0 ? n : 1));
	if (m->fields == NULL)
		return pb_schema_nomem(b->err);
	p = t->data;
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (!pb_desc_is_string(&f, MSG_FIELD))
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
int
pb_finish_message(SchemaBuild *b, PbMessage *m)
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
