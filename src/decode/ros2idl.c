/*-------------------------------------------------------------------------
 *
 * ros2idl.c
 *	  Parsing ROS 2 IDL definitions (ros2idl schemas) into ROS types.
 *
 * The schema holds the main type's IDL and its dependencies', each section
 * after a line of '=' and an "IDL: pkg/msg/Type" line.  Those lines are
 * dropped and the rest is read as one IDL text: the subset rosidl
 * generates, that is modules, structs, typedefs (rosidl spells fixed arrays
 * as typedefs), constants (skipped), enums (read as uint32), annotations
 * (skipped), the IDL primitive types, string<N>, wstring<N>,
 * sequence<T> and sequence<T, N>, and arrays T name[N].  Preprocessor lines
 * and comments are ignored.  Struct "a::b::T" becomes type "a/T", as in
 * .msg schemas.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "ros2idl_int.h"

/* ----------
 * Names
 * ----------
 */

/* Read a (possibly scoped) name "a::b::c" into out */
static int
read_scoped_name(IdlParser *ip, char *out, size_t outsize)
{
	size_t		n = 0;

	if (idl_tok_is(ip, "::"))
		idl_next_token(ip);
	for (;;)
	{
		if (ip->tok.kind != TOK_IDENT)
			return idl_error(ip, "expected a name");
		if (n + ip->tok.len + 3 > outsize)
			return idl_error(ip, "name too long");
		memcpy(out + n, ip->tok.s, ip->tok.len);
		n += ip->tok.len;
		idl_next_token(ip);
		if (!idl_tok_is(ip, "::"))
			break;
		memcpy(out + n, "::", 2);
		n += 2;
		idl_next_token(ip);
	}
	out[n] = '\0';
	return HD_OK;
}

/* "scope::name" for the current scope, or a prefix of it (levels kept) */
static int
scoped(IdlParser *ip, int levels, const char *name, char *out, size_t outsize)
{
	size_t		n = 0;
	int			i;

	for (i = 0; i < levels; i++)
	{
		if (n + ip->scope_len[i] + 3 > outsize)
			return -1;
		memcpy(out + n, ip->scope[i], ip->scope_len[i]);
		n += ip->scope_len[i];
		memcpy(out + n, "::", 2);
		n += 2;
	}
	if (n + strlen(name) + 1 > outsize)
		return -1;
	strcpy(out + n, name);
	return (int) (n + strlen(name));
}

/* "a::b::T" -> canonical ROS name "a/T" */
static int
ros_name_of(IdlParser *ip, const char *scoped_name, char *out, size_t outsize)
{
	char		slashed[MAX_IDL_NAME * 2];
	size_t		n = 0;
	const char *s;

	for (s = scoped_name; *s && n + 1 < sizeof(slashed); s++)
	{
		if (s[0] == ':' && s[1] == ':')
		{
			slashed[n++] = '/';
			s++;
		}
		else
			slashed[n++] = *s;
	}
	slashed[n] = '\0';
	if (ros_canonical_name(slashed, n, out, outsize) < 0)
		return idl_error(ip, "name too long");
	return HD_OK;
}

static const Typedef *
find_typedef(const IdlParser *ip, const char *name)
{
	int			i;

	for (i = 0; i < ip->ntypedefs; i++)
		if (strcmp(ip->typedefs[i].name, name) == 0)
			return &ip->typedefs[i];
	return NULL;
}

/* A typedef visible from the current scope under name */
static const Typedef *
lookup_typedef(IdlParser *ip, const char *name)
{
	char		full[MAX_IDL_NAME * 2];
	int			levels;

	for (levels = ip->depth; levels >= 0; levels--)
	{
		const Typedef *t;

		if (scoped(ip, levels, name, full, sizeof(full)) < 0)
			return NULL;
		if ((t = find_typedef(ip, full)) != NULL)
			return t;
	}
	return NULL;
}

/* ----------
 * Types
 * ----------
 */
static bool
idl_primitive(const char *name, RosPrim *prim)
{
	static const struct
	{
		const char *name;
		RosPrim		prim;
	}			prims[] = {
		{"boolean", ROS_BOOL}, {"octet", ROS_UINT8}, {"char", ROS_UINT8},
		{"wchar", ROS_UINT16}, {"short", ROS_INT16}, {"float", ROS_FLOAT32},
		{"double", ROS_FLOAT64}, {"int8", ROS_INT8}, {"uint8", ROS_UINT8},
		{"int16", ROS_INT16}, {"uint16", ROS_UINT16}, {"int32", ROS_INT32},
		{"uint32", ROS_UINT32}, {"int64", ROS_INT64}, {"uint64", ROS_UINT64},
		{"string", ROS_STRING}, {"wstring", ROS_WSTRING},
	};
	size_t		i;

	for (i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
	{
		if (strcmp(prims[i].name, name) == 0)
		{
			*prim = prims[i].prim;
			return true;
		}
	}
	return false;
}

/* A bound or array size: a number (a named constant gives 0) */
static int
read_count(IdlParser *ip, uint32_t *out, bool required)
{
	uint64_t	v = 0;
	size_t		i;

	*out = 0;
	if (ip->tok.kind == TOK_IDENT && !required)
	{
		char		name[MAX_IDL_NAME];

		return read_scoped_name(ip, name, sizeof(name));
	}
	if (ip->tok.kind != TOK_NUMBER || ip->tok.len > 10)
		return idl_error(ip, "expected a size");
	for (i = 0; i < ip->tok.len; i++)
	{
		if (ip->tok.s[i] < '0' || ip->tok.s[i] > '9')
			return idl_error(ip, "expected a size");
		v = v * 10 + (uint64_t) (ip->tok.s[i] - '0');
	}
	if (v > ROS_MAX_FIXED_LENGTH)
		return idl_error(ip, "size too large");
	*out = (uint32_t) v;
	idl_next_token(ip);
	return HD_OK;
}

/* "unsigned short", "long long", ... : the words of an integer type */
static bool
read_integer_words(IdlParser *ip, RosPrim *prim)
{
	bool		is_unsigned = false;
	int			longs = 0;
	bool		is_short = false;

	if (idl_tok_is(ip, "unsigned"))
	{
		is_unsigned = true;
		idl_next_token(ip);
	}
	while (idl_tok_is(ip, "long") || idl_tok_is(ip, "short"))
	{
		if (idl_tok_is(ip, "short"))
			is_short = true;
		else
			longs++;
		idl_next_token(ip);
	}
	if (is_short)
		*prim = is_unsigned ? ROS_UINT16 : ROS_INT16;
	else if (longs == 1)
		*prim = is_unsigned ? ROS_UINT32 : ROS_INT32;
	else if (longs == 2)
		*prim = is_unsigned ? ROS_UINT64 : ROS_INT64;
	else
		return false;
	return true;
}

static int	read_type_spec(IdlParser *ip, IdlType *out);

/* sequence<T> or sequence<T, N> */
static int
read_sequence(IdlParser *ip, IdlType *out)
{
	uint32_t	bound;
	int			rc;

	idl_next_token(ip);
	if ((rc = idl_expect(ip, "<")) != HD_OK ||
		(rc = read_type_spec(ip, out)) != HD_OK)
		return rc;
	if (out->array != ROS_SCALAR)
		return hd_error(ip->b->err, HD_ERR_UNSUPPORTED, 0,
						"ROS 2 IDL: sequences of arrays are not supported");
	out->array = ROS_SEQUENCE;
	out->length = 0;
	if (idl_tok_is(ip, ","))
	{
		idl_next_token(ip);
		if ((rc = read_count(ip, &bound, false)) != HD_OK)
			return rc;
		out->length = bound;
	}
	return idl_expect(ip, ">");
}

/* A named type: primitive, typedef, or struct */
static int
read_named_type(IdlParser *ip, IdlType *out)
{
	char		name[MAX_IDL_NAME];
	char		canon[MAX_IDL_NAME];
	char		full[MAX_IDL_NAME * 2];
	const Typedef *td;
	int			rc;

	if ((rc = read_scoped_name(ip, name, sizeof(name))) != HD_OK)
		return rc;
	if (idl_primitive(name, &out->prim))
	{
		/* string<N>, wstring<N>: the bound does not change the wire format */
		if ((out->prim == ROS_STRING || out->prim == ROS_WSTRING) && idl_tok_is(ip, "<"))
		{
			uint32_t	bound;

			idl_next_token(ip);
			if ((rc = read_count(ip, &bound, false)) != HD_OK)
				return rc;
			return idl_expect(ip, ">");
		}
		return HD_OK;
	}
	if ((td = lookup_typedef(ip, name)) != NULL)
	{
		*out = td->type;
		return HD_OK;
	}
	/* a struct: qualify a bare name with the current module path */
	if (strstr(name, "::") == NULL && ip->depth > 0)
	{
		if (scoped(ip, ip->depth, name, full, sizeof(full)) < 0)
			return idl_error(ip, "name too long");
	}
	else
		snprintf(full, sizeof(full), "%s", name);
	if ((rc = ros_name_of(ip, full, canon, sizeof(canon))) != HD_OK)
		return rc;
	out->prim = ROS_COMPLEX;
	out->type_name = hd_arena_strndup(ip->b->arena, canon, strlen(canon));
	return out->type_name ? HD_OK : ros_nomem(ip->b);
}

static int
read_type_spec(IdlParser *ip, IdlType *out)
{
	memset(out, 0, sizeof(*out));
	out->array = ROS_SCALAR;
	if (idl_tok_is(ip, "sequence"))
		return read_sequence(ip, out);
	if (idl_tok_is(ip, "unsigned") || idl_tok_is(ip, "long") || idl_tok_is(ip, "short"))
	{
		if (idl_tok_is(ip, "long"))
		{
			const char *save = ip->p;
			Token		tok = ip->tok;

			idl_next_token(ip);
			if (idl_tok_is(ip, "double"))
				return hd_error(ip->b->err, HD_ERR_UNSUPPORTED, 0,
								"ROS 2 IDL: long double is not supported");
			ip->p = save;
			ip->tok = tok;
		}
		if (!read_integer_words(ip, &out->prim))
			return idl_error(ip, "bad integer type");
		return HD_OK;
	}
	return read_named_type(ip, out);
}

/* name, name[N]: the array part of a declarator applied to type */
static int
read_declarator(IdlParser *ip, const IdlType *type, char *name, size_t namesize,
				IdlType *out)
{
	int			rc;

	if (ip->tok.kind != TOK_IDENT || ip->tok.len >= namesize)
		return idl_error(ip, "expected a member name");
	memcpy(name, ip->tok.s, ip->tok.len);
	name[ip->tok.len] = '\0';
	idl_next_token(ip);
	*out = *type;
	if (idl_tok_is(ip, "["))
	{
		if (type->array != ROS_SCALAR)
			return hd_error(ip->b->err, HD_ERR_UNSUPPORTED, 0,
							"ROS 2 IDL: arrays of arrays or sequences are not supported (\"%s\")", name);
		idl_next_token(ip);
		out->array = ROS_FIXED;
		if ((rc = read_count(ip, &out->length, true)) != HD_OK ||
			(rc = idl_expect(ip, "]")) != HD_OK)
			return rc;
		if (idl_tok_is(ip, "["))
			return hd_error(ip->b->err, HD_ERR_UNSUPPORTED, 0,
							"ROS 2 IDL: multi-dimensional arrays are not supported (\"%s\")", name);
	}
	return HD_OK;
}

/* ----------
 * Definitions
 * ----------
 */
static int	read_definitions(IdlParser *ip);

static int
add_member(IdlParser *ip, RosType *t, const char *name, const IdlType *type)
{
	RosField   *f = ros_add_field(ip->b, t);

	if (f == NULL)
		return HD_ERR_NOMEM;
	f->name = hd_arena_strndup(ip->b->arena, name, strlen(name));
	if (f->name == NULL)
		return ros_nomem(ip->b);
	f->name_len = strlen(name);
	f->prim = type->prim;
	f->type_name = type->type_name;
	f->array = type->array;
	f->length = type->length;
	return HD_OK;
}

static int
read_struct(IdlParser *ip)
{
	char		full[MAX_IDL_NAME * 2];
	char		canon[MAX_IDL_NAME];
	char		name[MAX_IDL_NAME];
	RosType    *t;
	int			rc;

	idl_next_token(ip);
	if (ip->tok.kind != TOK_IDENT || ip->tok.len >= sizeof(name))
		return idl_error(ip, "expected a struct name");
	memcpy(name, ip->tok.s, ip->tok.len);
	name[ip->tok.len] = '\0';
	idl_next_token(ip);
	if (idl_tok_is(ip, ";"))
	{
		idl_next_token(ip);			/* a forward declaration */
		return HD_OK;
	}
	if (scoped(ip, ip->depth, name, full, sizeof(full)) < 0)
		return idl_error(ip, "name too long");
	if ((rc = ros_name_of(ip, full, canon, sizeof(canon))) != HD_OK)
		return rc;
	if ((t = ros_add_type(ip->b, canon, strlen(canon))) == NULL)
		return HD_ERR_NOMEM;
	if ((rc = idl_expect(ip, "{")) != HD_OK)
		return rc;
	while (!idl_tok_is(ip, "}"))
	{
		IdlType		type;

		if (ip->tok.kind == TOK_END)
			return idl_error(ip, "unterminated struct");
		if ((rc = idl_skip_annotations(ip)) != HD_OK)
			return rc;
		if (idl_tok_is(ip, "}"))
			break;
		if ((rc = read_type_spec(ip, &type)) != HD_OK)
			return rc;
		for (;;)
		{
			IdlType		member;

			if ((rc = read_declarator(ip, &type, name, sizeof(name), &member)) != HD_OK ||
				(rc = add_member(ip, t, name, &member)) != HD_OK)
				return rc;
			if (!idl_tok_is(ip, ","))
				break;
			idl_next_token(ip);
		}
		if ((rc = idl_expect(ip, ";")) != HD_OK)
			return rc;
	}
	idl_next_token(ip);
	return idl_expect(ip, ";");
}

static int
add_typedef(IdlParser *ip, const char *name, const IdlType *type)
{
	char		full[MAX_IDL_NAME * 2];

	if (scoped(ip, ip->depth, name, full, sizeof(full)) < 0)
		return idl_error(ip, "name too long");
	if (ip->ntypedefs == ip->cap)
	{
		int			cap = ip->cap ? ip->cap * 2 : 16;
		Typedef    *t = realloc(ip->typedefs, sizeof(Typedef) * cap);

		if (t == NULL)
			return ros_nomem(ip->b);
		ip->typedefs = t;
		ip->cap = cap;
	}
	ip->typedefs[ip->ntypedefs].name = hd_arena_strndup(ip->b->arena, full, strlen(full));
	if (ip->typedefs[ip->ntypedefs].name == NULL)
		return ros_nomem(ip->b);
	ip->typedefs[ip->ntypedefs].type = *type;
	ip->ntypedefs++;
	return HD_OK;
}

static int
read_typedef(IdlParser *ip)
{
	char		name[MAX_IDL_NAME];
	IdlType		type,
				declared;
	int			rc;

	idl_next_token(ip);
	if ((rc = read_type_spec(ip, &type)) != HD_OK ||
		(rc = read_declarator(ip, &type, name, sizeof(name), &declared)) != HD_OK ||
		(rc = add_typedef(ip, name, &declared)) != HD_OK)
		return rc;
	return idl_expect(ip, ";");
}

/* enum E { A, B }; read as a uint32 type named E */
static int
read_enum(IdlParser *ip)
{
	char		name[MAX_IDL_NAME];
	IdlType		type;

	idl_next_token(ip);
	if (ip->tok.kind != TOK_IDENT || ip->tok.len >= sizeof(name))
		return idl_error(ip, "expected an enum name");
	memcpy(name, ip->tok.s, ip->tok.len);
	name[ip->tok.len] = '\0';
	memset(&type, 0, sizeof(type));
	type.prim = ROS_UINT32;
	type.array = ROS_SCALAR;
	idl_next_token(ip);
	if (add_typedef(ip, name, &type) != HD_OK)
		return HD_ERR_NOMEM;
	return idl_skip_statement(ip);
}

static int
read_module(IdlParser *ip)
{
	int			rc;

	idl_next_token(ip);
	if (ip->tok.kind != TOK_IDENT)
		return idl_error(ip, "expected a module name");
	if (ip->depth >= MAX_SCOPE)
		return idl_error(ip, "modules nested too deeply");
	ip->scope[ip->depth] = ip->tok.s;
	ip->scope_len[ip->depth] = ip->tok.len;
	ip->depth++;
	idl_next_token(ip);
	if ((rc = idl_expect(ip, "{")) != HD_OK || (rc = read_definitions(ip)) != HD_OK ||
		(rc = idl_expect(ip, "}")) != HD_OK)
		return rc;
	ip->depth--;
	return idl_expect(ip, ";");
}

/* Definitions up to a '}' or the end */
static int
read_definitions(IdlParser *ip)
{
	int			rc;

	while (ip->tok.kind != TOK_END && !idl_tok_is(ip, "}"))
	{
		if ((rc = idl_skip_annotations(ip)) != HD_OK)
			return rc;
		if (idl_tok_is(ip, "module"))
			rc = read_module(ip);
		else if (idl_tok_is(ip, "struct"))
			rc = read_struct(ip);
		else if (idl_tok_is(ip, "typedef"))
			rc = read_typedef(ip);
		else if (idl_tok_is(ip, "enum"))
			rc = read_enum(ip);
		else if (idl_tok_is(ip, "const"))
			rc = idl_skip_statement(ip);
		else if (idl_tok_is(ip, ";"))
		{
			idl_next_token(ip);
			rc = HD_OK;
		}
		else if (idl_tok_is(ip, "union"))
			rc = hd_error(ip->b->err, HD_ERR_UNSUPPORTED, 0, "ROS 2 IDL: unions are not supported");
		else if (ip->tok.kind == TOK_END || idl_tok_is(ip, "}"))
			break;
		else
			rc = idl_error(ip, "expected a definition");
		if (rc != HD_OK)
			return rc;
	}
	return HD_OK;
}

/* Copy the schema without its "====" and "IDL:" lines (caller frees) */
static char *
strip_section_lines(const char *text, size_t len, size_t *outlen)
{
	char	   *out = len < SIZE_MAX - 2 ? malloc(len + 2) : NULL;
	const char *p = text;
	const char *end = text + len;
	size_t		n = 0;

	if (out == NULL)
		return NULL;
	while (p < end)
	{
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		const char *eol = nl ? nl : end;
		const char *s = p;
		bool		drop;

		while (s < eol && ros_is_space(*s))
			s++;
		drop = (eol - s >= 3 && s[0] == '=' && s[1] == '=' && s[2] == '=') ||
			(eol - s >= 4 && memcmp(s, "IDL:", 4) == 0);
		if (!drop)
		{
			memcpy(out + n, p, (size_t) (eol - p));
			n += (size_t) (eol - p);
		}
		out[n++] = '\n';
		p = nl ? nl + 1 : end;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

int
hd_ros2idl_compile(HdDecoder *d, const char *name, const uint8_t *data,
				   size_t len, HdError *err)
{
	RosBuild	b;
	IdlParser	ip;
	size_t		textlen;
	char	   *text;
	int			rc;

	if (name[0] == '\0')
		return hd_error(err, HD_ERR_SCHEMA, 0, "ROS 2 IDL schema has no name");
	ros_build_init(&b, d, true, err);
	memset(&ip, 0, sizeof(ip));
	ip.b = &b;
	text = strip_section_lines((const char *) data, len, &textlen);
	if (text == NULL)
		rc = ros_nomem(&b);
	else
	{
		ip.p = text;
		ip.end = text + textlen;
		idl_next_token(&ip);
		rc = read_definitions(&ip);
		if (rc == HD_OK && ip.tok.kind != TOK_END)
			rc = idl_error(&ip, "unbalanced '}'");
	}
	if (rc == HD_OK)
		rc = ros_build_finish(&b, d, name);
	free(ip.typedefs);
	free(text);
	ros_build_cleanup(&b);
	return rc;
}
