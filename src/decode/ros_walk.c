/*-------------------------------------------------------------------------
 *
 * ros_walk.c
 *	  Walking a serialized ROS message (ROS 1, or ROS 2's CDR) and
 *	  reporting it to a visitor.
 *
 * Both formats lay fields out in declaration order with no tags: numbers
 * in their size, strings and sequences after a uint32 length.  ROS 1 is
 * little endian and packed, with strings not NUL-terminated.  CDR (XCDR1,
 * what ROS 2 writes) aligns each primitive to its size, counted from the
 * end of the 4-byte encapsulation header, may be big endian, ends strings
 * with a NUL included in their length, and gives an empty message one
 * dummy byte.  Every length is checked against the bytes left before it
 * is used; skipped arrays of numbers are stepped over in one move.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "ros_int.h"

#define WSTRING_STACK 1024

typedef struct RosWalk
{
	const uint8_t *msg;			/* start of the message (error offsets) */
	const uint8_t *origin;		/* CDR alignment origin */
	const uint8_t *p;
	const uint8_t *end;
	bool		cdr;
	bool		big_endian;
	const HdVisitor *v;
	void	   *ctx;
	HdError    *err;
	int			depth;
	size_t		budget;			/* values left to report */
} RosWalk;

static int	walk_type(RosWalk *w, const RosType *t, bool emit);

/*
 * Most values one message may report.  Every ROS value takes at least a
 * byte on the wire except an empty struct (ROS 1) and the structs holding
 * only such, so a message of len bytes holds about len values, times the
 * nesting of its structs; a schema that declares fixed arrays of empty
 * structs cannot make a few bytes stand for millions of values.
 */
static size_t
ros_value_budget(size_t len)
{
	const size_t floor = 4096;
	const size_t per_byte = 64;

	if (len > (SIZE_MAX - floor) / per_byte)
		return SIZE_MAX;
	return floor + per_byte * len;
}

static int
truncated(RosWalk *w, const char *what)
{
	size_t		offset = (size_t) (w->p - w->msg);

	return hd_error(w->err, HD_ERR_TRUNCATED, offset,
					"%s message truncated in %s at byte %zu",
					w->cdr ? "CDR" : "ROS 1", what, offset);
}

static size_t
left(const RosWalk *w)
{
	return (size_t) (w->end - w->p);
}

/* Step to a multiple of n from the CDR origin */
static int
align_to(RosWalk *w, size_t n)
{
	size_t		pad;

	if (!w->cdr || n <= 1)
		return HD_OK;
	pad = (n - (size_t) (w->p - w->origin) % n) % n;
	if (pad > left(w))
		return truncated(w, "padding");
	w->p += pad;
	return HD_OK;
}

/* Read an n-byte unsigned integer (after alignment) */
static int
read_uint(RosWalk *w, size_t n, uint64_t *out, const char *what)
{
	uint64_t	v = 0;
	size_t		i;
	int			rc;

	if ((rc = align_to(w, n)) != HD_OK)
		return rc;
	if (left(w) < n)
		return truncated(w, what);
	for (i = 0; i < n; i++)
	{
		size_t		k = w->big_endian ? i : n - 1 - i;

		v = (v << 8) | w->p[k];
	}
	w->p += n;
	*out = v;
	return HD_OK;
}

/* A number, bool or float of the given primitive */
static int
walk_number(RosWalk *w, RosPrim prim, bool emit)
{
	size_t		n = ros_primitive_size(prim);
	uint64_t	raw;
	int			a = HD_CONTINUE;
	int			rc;

	if ((rc = read_uint(w, n, &raw, "a number")) != HD_OK || !emit)
		return rc;
	switch (prim)
	{
		case ROS_BOOL:
			a = HD_VISIT(w->v, boolean, w->ctx, raw != 0);
			break;
		case ROS_INT8:
			a = HD_VISIT(w->v, int64, w->ctx, (int8_t) raw);
			break;
		case ROS_INT16:
			a = HD_VISIT(w->v, int64, w->ctx, (int16_t) raw);
			break;
		case ROS_INT32:
			a = HD_VISIT(w->v, int64, w->ctx, (int32_t) raw);
			break;
		case ROS_INT64:
			a = HD_VISIT(w->v, int64, w->ctx, (int64_t) raw);
			break;
		case ROS_FLOAT32:
			{
				uint32_t	bits = (uint32_t) raw;
				float		f;

				memcpy(&f, &bits, sizeof(f));
				a = HD_VISIT(w->v, float64, w->ctx, f, true);
				break;
			}
		case ROS_FLOAT64:
			{
				double		d;

				memcpy(&d, &raw, sizeof(d));
				a = HD_VISIT(w->v, float64, w->ctx, d, false);
				break;
			}
		default:
			a = HD_VISIT(w->v, uint64, w->ctx, raw);
			break;
	}
	return hd_visit_result(a, w->err);
}

/* Read a uint32 length and check that count * unit bytes follow */
static int
read_length(RosWalk *w, size_t unit, uint32_t *count, const char *what)
{
	uint64_t	raw;
	int			rc;

	if ((rc = read_uint(w, 4, &raw, what)) != HD_OK)
		return rc;
	if (unit == 0)
		unit = 1;
	if ((uint64_t) raw > left(w) / unit)
		return truncated(w, what);
	*count = (uint32_t) raw;
	return HD_OK;
}

static int
walk_string(RosWalk *w, bool emit)
{
	uint32_t	len = 0;
	size_t		n;
	int			rc;

	if ((rc = read_length(w, 1, &len, "a string")) != HD_OK)
		return rc;
	n = len;
	/* CDR counts the terminating NUL */
	if (w->cdr && n > 0 && w->p[n - 1] == '\0')
		n--;
	w->p += len;
	if (!emit)
		return HD_OK;
	return hd_visit_result(HD_VISIT(w->v, string, w->ctx,
									 (const char *) w->p - len, n), w->err);
}

/* UTF-16 code units to UTF-8 (at most 3 bytes per unit) */
static size_t
utf16_to_utf8(RosWalk *w, const uint8_t *units, uint32_t count, char *out)
{
	size_t		n = 0;
	uint32_t	i;

	for (i = 0; i < count; i++)
	{
		const uint8_t *u = units + 2 * (size_t) i;
		uint32_t	c = w->big_endian ? (uint32_t) (u[0] << 8 | u[1]) : (uint32_t) (u[1] << 8 | u[0]);

		if (c >= 0xd800 && c <= 0xdbff && i + 1 < count)
		{
			const uint8_t *l = u + 2;
			uint32_t	low = w->big_endian ? (uint32_t) (l[0] << 8 | l[1]) : (uint32_t) (l[1] << 8 | l[0]);

			if (low >= 0xdc00 && low <= 0xdfff)
			{
				c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
				i++;
			}
		}
		if (c >= 0xd800 && c <= 0xdfff)
			c = 0xfffd;
		n += hd_utf8_encode(out + n, c);
	}
	return n;
}

/* wstring: uint32 count of UTF-16 code units, then the units */
static int
walk_wstring(RosWalk *w, bool emit)
{
	char		stack[WSTRING_STACK];
	char	   *buf = stack;
	const uint8_t *units;
	uint32_t	count = 0;
	size_t		n;
	int			rc;

	if ((rc = read_length(w, 2, &count, "a wide string")) != HD_OK)
		return rc;
	units = w->p;
	w->p += 2 * (size_t) count;
	if (!emit)
		return HD_OK;
	if (3 * (size_t) count > sizeof(stack) &&
		(buf = malloc(3 * (size_t) count)) == NULL)
		return hd_error(w->err, HD_ERR_NOMEM, 0, "out of memory");
	n = utf16_to_utf8(w, units, count, buf);
	rc = hd_visit_result(HD_VISIT(w->v, string, w->ctx, buf, n), w->err);
	if (buf != stack)
		free(buf);
	return rc;
}

/* One value of field f's type */
static int
walk_value(RosWalk *w, const RosField *f, bool emit)
{
	if (w->budget-- == 0)
		return hd_error(w->err, HD_ERR_MALFORMED, (size_t) (w->p - w->msg),
						"message of %zu bytes expands to too many values for its schema",
						(size_t) (w->end - w->msg));
	switch (f->prim)
	{
		case ROS_COMPLEX:
			return walk_type(w, f->type, emit);
		case ROS_STRING:
			return walk_string(w, emit);
		case ROS_WSTRING:
			return walk_wstring(w, emit);
		default:
			return walk_number(w, f->prim, emit);
	}
}

static int
walk_elements(RosWalk *w, const RosField *f, uint32_t count, bool emit)
{
	size_t		unit = ros_primitive_size(f->prim);
	uint32_t	i;
	int			rc;

	if (emit)
	{
		int			a = HD_VISIT(w->v, begin_array, w->ctx, (int64_t) count);

		if (a == HD_SKIP)
			emit = false;
		else if ((rc = hd_visit_result(a, w->err)) != HD_OK)
			return rc;
	}
	if (!emit && unit > 0 && count > 0)
	{
		/* numbers: aligned once, then packed */
		if ((rc = align_to(w, unit)) != HD_OK)
			return rc;
		if ((size_t) count > left(w) / unit)
			return truncated(w, "an array");
		w->p += unit * count;
		return HD_OK;
	}
	for (i = 0; i < count; i++)
		if ((rc = walk_value(w, f, emit)) != HD_OK)
			return rc;
	if (!emit)
		return HD_OK;
	return hd_visit_result(HD_VISIT(w->v, end_array, w->ctx), w->err);
}

static int
walk_field(RosWalk *w, const RosField *f, bool emit)
{
	uint32_t	count = 0;
	int			rc;

	switch (f->array)
	{
		case ROS_SCALAR:
			return walk_value(w, f, emit);
		case ROS_FIXED:
			count = f->length;
			if (f->element_min_size > 0 && (size_t) count > left(w) / f->element_min_size)
				return truncated(w, "a fixed-size array");
			return walk_elements(w, f, count, emit);
		case ROS_SEQUENCE:
			if ((rc = read_length(w, f->element_min_size, &count, "a sequence")) != HD_OK)
				return rc;
			return walk_elements(w, f, count, emit);
	}
	return HD_OK;
}

static int
walk_type(RosWalk *w, const RosType *t, bool emit)
{
	int			i,
				rc;

	if (w->depth >= HD_MAX_DEPTH)
		return hd_error(w->err, HD_ERR_DEPTH, (size_t) (w->p - w->msg),
						"ROS message nested more than %d levels deep", HD_MAX_DEPTH);
	if (emit)
	{
		int			a = HD_VISIT(w->v, begin_object, w->ctx);

		if (a == HD_SKIP)
			emit = false;
		else if ((rc = hd_visit_result(a, w->err)) != HD_OK)
			return rc;
	}
	w->depth++;
	if (t->nfields == 0 && w->cdr)
	{
		uint64_t	dummy;

		if ((rc = read_uint(w, 1, &dummy, "an empty message")) != HD_OK)
			return rc;
	}
	for (i = 0; i < t->nfields; i++)
	{
		const RosField *f = &t->fields[i];
		bool		emit_value = emit;

		if (emit)
		{
			int			a = HD_VISIT(w->v, field, w->ctx, f->name, f->name_len);

			if (a == HD_SKIP)
				emit_value = false;
			else if ((rc = hd_visit_result(a, w->err)) != HD_OK)
				return rc;
		}
		if ((rc = walk_field(w, f, emit_value)) != HD_OK)
			return rc;
	}
	w->depth--;
	if (!emit)
		return HD_OK;
	return hd_visit_result(HD_VISIT(w->v, end_object, w->ctx), w->err);
}

int
ros_walk(const RosType *root, RosWire wire, const uint8_t *msg,
		 size_t header_len, size_t len, const HdVisitor *v, void *ctx,
		 HdError *err)
{
	RosWalk		w;

	w.msg = msg;
	w.origin = msg + header_len;
	w.p = msg + header_len;
	w.end = msg + len;
	w.cdr = wire != ROS_WIRE_ROS1;
	w.big_endian = wire == ROS_WIRE_CDR_BE;
	w.v = v;
	w.ctx = ctx;
	w.err = err;
	w.depth = 0;
	w.budget = ros_value_budget(len);
	return walk_type(&w, root, true);
}
