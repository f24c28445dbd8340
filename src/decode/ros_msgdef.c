/*-------------------------------------------------------------------------
 *
 * ros_msgdef.c
 *	  Parsing ROS .msg definitions, as MCAP stores them for ros1msg and
 *	  ros2msg schemas.
 *
 * The schema is the main type's definition followed by its dependencies,
 * each after a line of '=' and a "MSG: pkg/Type" line.  A definition has
 * one field per line, "type name [default]"; constants ("type NAME=value"),
 * defaults and comments are ignored.  Types are primitives, "pkg/Type",
 * "pkg/msg/Type", or a bare "Type" of the same package ("Header" is
 * std_msgs/Header in ROS 1); arrays are T[N], T[] and T[<=N]; strings may
 * be bounded (string<=N).  ROS 1 and ROS 2 share all of it except a few
 * type names (see ros_primitive).
 *
 * A ROS 2 service event (schema "pkg/srv/Name_Event" whose text is the
 * .srv: request, "---", response) is expanded to what rosbag2 records:
 * service_msgs/ServiceEventInfo info, Name_Request[<=1] request,
 * Name_Response[<=1] response.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "ros_int.h"

#define MAX_NAME 256

typedef struct Line
{
	const char *s;
	size_t		len;
} Line;

/* The next line of [*p, end), without its newline; false at the end */
static bool
next_line(const char **p, const char *end, Line *line)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t) (end - *p));
	line->s = *p;
	line->len = (size_t) ((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

/* Strip a comment and surrounding white space */
static void
trim_line(Line *line)
{
	const char *hash = memchr(line->s, '#', line->len);

	if (hash != NULL)
		line->len = (size_t) (hash - line->s);
	while (line->len > 0 && ros_is_space(line->s[0]))
	{
		line->s++;
		line->len--;
	}
	while (line->len > 0 && ros_is_space(line->s[line->len - 1]))
		line->len--;
}

static bool
line_is(const Line *line, const char *text)
{
	return line->len == strlen(text) && memcmp(line->s, text, line->len) == 0;
}

/* A separator between definitions: a line of three or more '=' */
static bool
is_separator(const Line *line)
{
	size_t		i;

	if (line->len < 3)
		return false;
	for (i = 0; i < line->len; i++)
		if (line->s[i] != '=')
			return false;
	return true;
}

static int
schema_error(RosBuild *b, const char *what, const Line *line)
{
	int			n = (int) (line->len > 80 ? 80 : line->len);

	return hd_error(b->err, HD_ERR_SCHEMA, 0, "ROS message definition: %s: \"%.*s\"",
					what, n, line->s);
}

/* Parse an unsigned decimal of [s, s+len) */
static bool
parse_count(const char *s, size_t len, uint32_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t) (s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t) v;
	return true;
}

/* "[N]", "[]" or "[<=N]" at the end of a type token */
static bool
parse_array_suffix(const char *s, size_t len, RosField *f)
{
	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return false;
	s++;
	len -= 2;
	if (len == 0)
	{
		f->array = ROS_SEQUENCE;
		return true;
	}
	if (len > 2 && s[0] == '<' && s[1] == '=')
	{
		f->array = ROS_SEQUENCE;
		return parse_count(s + 2, len - 2, &f->length);
	}
	f->array = ROS_FIXED;
	return parse_count(s, len, &f->length) && f->length <= ROS_MAX_FIXED_LENGTH;
}

/* The full name of a complex type used in a definition of package */
static int
qualify_type(RosBuild *b, const char *package, const char *base, size_t len,
			 RosField *f)
{
	char		name[MAX_NAME];
	int			n;

	if (memchr(base, '/', len) != NULL)
		n = ros_canonical_name(base, len, name, sizeof(name));
	else if (!b->ros2 && len == 6 && memcmp(base, "Header", 6) == 0)
		n = snprintf(name, sizeof(name), "std_msgs/Header");
	else if (!b->ros2 && ((len == 4 && memcmp(base, "time", 4) == 0) ||
						  (len == 8 && memcmp(base, "duration", 8) == 0)))
		n = snprintf(name, sizeof(name), "%.*s", (int) len, base);
	else if (package[0] != '\0')
		n = snprintf(name, sizeof(name), "%s/%.*s", package, (int) len, base);
	else
		n = snprintf(name, sizeof(name), "%.*s", (int) len, base);
	if (n < 0 || n >= (int) sizeof(name))
		return hd_error(b->err, HD_ERR_SCHEMA, 0, "ROS type name too long");
	f->prim = ROS_COMPLEX;
	f->type_name = hd_arena_strndup(b->arena, name, (size_t) n);
	return f->type_name ? HD_OK : ros_nomem(b);
}

/* The type token of a field line: base type, array suffix, string bound */
static int
parse_type_token(RosBuild *b, const char *package, const char *s, size_t len,
				 RosField *f, const Line *line)
{
	const char *bracket = memchr(s, '[', len);
	size_t		base_len = bracket ? (size_t) (bracket - s) : len;
	const char *bound;

	f->array = ROS_SCALAR;
	if (bracket != NULL && !parse_array_suffix(bracket, len - base_len, f))
		return schema_error(b, "bad array size", line);
	/* string<=N: the bound does not change the wire format */
	bound = base_len > 2 ? memchr(s, '<', base_len) : NULL;
	if (bound != NULL)
	{
		uint32_t	n;

		if (bound + 1 >= s + base_len || bound[1] != '=' ||
			!parse_count(bound + 2, (size_t) (s + base_len - bound - 2), &n))
			return schema_error(b, "bad string bound", line);
		base_len = (size_t) (bound - s);
		if (!(base_len == 6 && memcmp(s, "string", 6) == 0) &&
			!(base_len == 7 && memcmp(s, "wstring", 7) == 0))
			return schema_error(b, "only strings can be bounded", line);
	}
	if (base_len == 0)
		return schema_error(b, "missing type", line);
	if (ros_primitive(s, base_len, b->ros2, &f->prim))
		return HD_OK;
	return qualify_type(b, package, s, base_len, f);
}

/* One field line, or a constant line (ignored) */
static int
parse_field_line(RosBuild *b, RosType *t, const char *package, const Line *line)
{
	const char *p = line->s;
	const char *end = line->s + line->len;
	const char *type_start,
			   *name_start;
	size_t		type_len,
				name_len;
	RosField   *f;
	int			rc;

	type_start = p;
	while (p < end && !ros_is_space(*p))
		p++;
	type_len = (size_t) (p - type_start);
	while (p < end && ros_is_space(*p))
		p++;
	name_start = p;
	while (p < end && ros_is_ident(*p))
		p++;
	name_len = (size_t) (p - name_start);
	if (type_len == 0 || name_len == 0 || (p < end && !ros_is_space(*p) && *p != '='))
		return schema_error(b, "expected \"type name\"", line);
	while (p < end && ros_is_space(*p))
		p++;
	if (p < end && *p == '=')
		return HD_OK;			/* a constant */
	if ((f = ros_add_field(b, t)) == NULL)
		return HD_ERR_NOMEM;
	f->name = hd_arena_strndup(b->arena, name_start, name_len);
	if (f->name == NULL)
		return ros_nomem(b);
	f->name_len = name_len;
	rc = parse_type_token(b, package, type_start, type_len, f, line);
	return rc;
}

int
ros_parse_msg_fields(RosBuild *b, RosType *t, const char *package,
					 const char *text, size_t len)
{
	const char *p = text;
	const char *end = text + len;
	Line		line;
	int			rc;

	while (next_line(&p, end, &line))
	{
		trim_line(&line);
		if (line.len == 0)
			continue;
		if (line_is(&line, "---"))
			return schema_error(b, "service or action definitions are not messages", &line);
		if ((rc = parse_field_line(b, t, package, &line)) != HD_OK)
			return rc;
	}
	return HD_OK;
}

/* The package of "pkg/Type" or "pkg/msg/Type" ("" when none) */
static void
package_of(const char *name, size_t len, char *out, size_t outsize)
{
	const char *slash = memchr(name, '/', len);
	size_t		n = slash ? (size_t) (slash - name) : 0;

	if (n >= outsize)
		n = 0;
	memcpy(out, name, n);
	out[n] = '\0';
}

/* Find the "---" line of a .srv text; false when there is none */
static bool
find_service_split(const char *text, size_t len, size_t *at, size_t *after)
{
	const char *p = text;
	const char *end = text + len;
	Line		line;

	while (next_line(&p, end, &line))
	{
		Line		trimmed = line;

		trim_line(&trimmed);
		if (line_is(&trimmed, "---"))
		{
			*at = (size_t) (line.s - text);
			*after = (size_t) (p - text);
			return true;
		}
	}
	return false;
}

/* Request, response and event types of a service event schema */
static int
parse_service_event(RosBuild *b, const char *name, const char *package,
					const char *text, size_t len, size_t split, size_t after)
{
	const char *base = strrchr(name, '/');
	size_t		base_len;
	char		buf[3 * MAX_NAME + 128];
	char		type_name[MAX_NAME + 16];
	RosType    *t;
	int			n,
				rc;

	base = base ? base + 1 : name;
	base_len = strlen(base);
	if (base_len <= 6 || strcmp(base + base_len - 6, "_Event") != 0)
		return hd_error(b->err, HD_ERR_UNSUPPORTED, 0,
						"ROS schema \"%s\" is a service definition; only service events (_Event) can be decoded",
						name);
	base_len -= 6;
	if (base_len > MAX_NAME || strlen(package) > MAX_NAME)
		return hd_error(b->err, HD_ERR_SCHEMA, 0, "ROS type name too long");

	snprintf(type_name, sizeof(type_name), "%s/%.*s_Request", package, (int) base_len, base);
	if ((t = ros_add_type(b, type_name, strlen(type_name))) == NULL ||
		(rc = ros_parse_msg_fields(b, t, package, text, split)) != HD_OK)
		return t ? rc : HD_ERR_NOMEM;
	snprintf(type_name, sizeof(type_name), "%s/%.*s_Response", package, (int) base_len, base);
	if ((t = ros_add_type(b, type_name, strlen(type_name))) == NULL ||
		(rc = ros_parse_msg_fields(b, t, package, text + after, len - after)) != HD_OK)
		return t ? rc : HD_ERR_NOMEM;

	n = snprintf(buf, sizeof(buf),
				 "service_msgs/ServiceEventInfo info\n"
				 "%s/%.*s_Request[<=1] request\n"
				 "%s/%.*s_Response[<=1] response\n",
				 package, (int) base_len, base, package, (int) base_len, base);
	if ((t = ros_add_type(b, name, strlen(name))) == NULL)
		return HD_ERR_NOMEM;
	return ros_parse_msg_fields(b, t, package, buf, (size_t) n);
}

/* The main definition (the first section) */
static int
parse_main_section(RosBuild *b, const char *name, const char *text, size_t len)
{
	char		package[MAX_NAME];
	size_t		split,
				after;
	RosType    *t;

	package_of(name, strlen(name), package, sizeof(package));
	if (b->ros2 && find_service_split(text, len, &split, &after))
		return parse_service_event(b, name, package, text, len, split, after);
	if ((t = ros_add_type(b, name, strlen(name))) == NULL)
		return b->err ? b->err->code : HD_ERR_NOMEM;
	return ros_parse_msg_fields(b, t, package, text, len);
}

/* A dependency section: "MSG: pkg/Type" then the definition */
static int
parse_dependency_section(RosBuild *b, const char *text, size_t len)
{
	const char *p = text;
	const char *end = text + len;
	char		package[MAX_NAME];
	Line		line;
	RosType    *t;

	while (next_line(&p, end, &line))
	{
		trim_line(&line);
		if (line.len == 0)
			continue;
		if (line.len < 5 || memcmp(line.s, "MSG:", 4) != 0)
			return schema_error(b, "expected \"MSG: pkg/Type\" after a separator", &line);
		line.s += 4;
		line.len -= 4;
		trim_line(&line);
		if (line.len == 0)
			return schema_error(b, "expected \"MSG: pkg/Type\" after a separator", &line);
		package_of(line.s, line.len, package, sizeof(package));
		if ((t = ros_add_type(b, line.s, line.len)) == NULL)
			return b->err ? b->err->code : HD_ERR_NOMEM;
		return ros_parse_msg_fields(b, t, package, p, (size_t) (end - p));
	}
	return HD_OK;				/* an empty section */
}

int
ros_msgdef_compile(HdDecoder *d, bool ros2, const char *name,
				   const uint8_t *data, size_t len, HdError *err)
{
	const char *text = (const char *) data;
	const char *p = text;
	const char *end = text + len;
	const char *section = text;
	bool		first = true;
	RosBuild	b;
	Line		line;
	int			rc = HD_OK;

	if (name[0] == '\0')
		return hd_error(err, HD_ERR_SCHEMA, 0, "ROS schema has no name");
	if (memchr(data, '\0', len) != NULL)
		return hd_error(err, HD_ERR_SCHEMA, 0, "ROS message definition contains a NUL byte");
	ros_build_init(&b, d, ros2, err);
	for (;;)
	{
		const char *line_start = p;
		bool		more = next_line(&p, end, &line);
		Line		trimmed = line;

		if (more)
			trim_line(&trimmed);
		if (more && !is_separator(&trimmed))
			continue;
		/* a section ends here: at a separator, or at the end */
		if (first)
			rc = parse_main_section(&b, name, section,
									(size_t) ((more ? line_start : end) - section));
		else
			rc = parse_dependency_section(&b, section,
										  (size_t) ((more ? line_start : end) - section));
		first = false;
		if (rc != HD_OK || !more)
			break;
		section = p;
	}
	if (rc == HD_OK)
		rc = ros_build_finish(&b, d, name);
	ros_build_cleanup(&b);
	return rc;
}

int
hd_ros2msg_compile(HdDecoder *d, const char *name, const uint8_t *data,
				   size_t len, HdError *err)
{
	return ros_msgdef_compile(d, true, name, data, len, err);
}

int
hd_ros1msg_compile(HdDecoder *d, const char *name, const uint8_t *data,
				   size_t len, HdError *err)
{
	return ros_msgdef_compile(d, false, name, data, len, err);
}
