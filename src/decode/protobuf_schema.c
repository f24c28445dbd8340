/*-------------------------------------------------------------------------
 *
 * protobuf_schema.c
 *	  Compiling a serialized google.protobuf.FileDescriptorSet into the
 *	  message types that protobuf.c walks: reading descriptors, the index
 *	  of the types a set declares, and resolving type names.
 *
 * The descriptor set is itself protobuf, read here with the same wire
 * primitives.  First every message and enum of every file is indexed by
 * its full name (a byte range of the descriptor, nothing decoded yet); then
 * the requested message and the types it reaches are compiled into the
 * decoder's arena, resolving type names the way protoc does (absolute
 * ".pkg.Type", or relative to the enclosing scopes).  Only reachable types
 * are kept, so a decoder's size follows its message, not the whole set.
 * Compiling one message or enum is protobuf_compile.c's.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "protobuf_schema_int.h"

/*
 * Read the next field of a descriptor message.  Returns 1 with *f filled,
 * 0 at the end, or an error code (schema malformed).
 */
int
pb_desc_next_field(SchemaBuild *b, const uint8_t **p, const uint8_t *end,
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
add_raw_type(SchemaBuild *b, char *full_name, bool is_enum,
			 const uint8_t *data, size_t len)
{
	if (b->ntypes == b->cap)
	{
		size_t		cap = b->cap ? b->cap * 2 : 64;
		RawType    *types = realloc(b->types, cap * sizeof(RawType));

		if (types == NULL)
			return pb_schema_nomem(b->err);
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
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, 1))
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
		return pb_schema_nomem(b->err);
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

	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, msg_tag))
			rc = index_message(b, scope, f.data, f.len, depth);
		else if (pb_desc_is_string(&f, enum_tag))
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
		return pb_schema_nomem(b->err);
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
	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, FILE_PACKAGE))
		{
			package = hd_arena_strndup(&b->scratch, (const char *) f.data, f.len);
			if (package == NULL)
				return pb_schema_nomem(b->err);
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
RawType *
pb_resolve_type_name(SchemaBuild *b, const char *scope, const char *name)
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
void *
pb_reference_type(SchemaBuild *b, RawType *t)
{
	if (t->compiled != NULL)
		return t->compiled;
	t->compiled = hd_arena_zalloc(b->arena, t->is_enum ? sizeof(PbEnum) : sizeof(PbMessage));
	if (t->compiled == NULL)
		return NULL;
	b->queue[b->nqueue++] = t;
	return t->compiled;
}

static int
index_set(SchemaBuild *b, const uint8_t *data, size_t len)
{
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	DescField	f;
	int			rc;

	while ((rc = pb_desc_next_field(b, &p, end, &f)) == 1)
	{
		if (pb_desc_is_string(&f, FDS_FILE) &&
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
		return pb_schema_nomem(b->err);
	if (pb_reference_type(b, root) == NULL)
		return pb_schema_nomem(b->err);
	while (done < b->nqueue)
	{
		RawType    *t = b->queue[done++];

		rc = t->is_enum ? pb_compile_enum(b, t) : pb_compile_message(b, t);
		if (rc != HD_OK)
			return rc;
	}
	for (i = 0; i < b->nqueue; i++)
	{
		if (!b->queue[i]->is_enum &&
			(rc = pb_finish_message(b, b->queue[i]->compiled)) != HD_OK)
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
