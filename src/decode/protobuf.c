/*-------------------------------------------------------------------------
 *
 * protobuf.c
 *	  Walking one protobuf message on the wire and reporting it to a
 *	  visitor.
 *
 * Every field of the message type is reported, in field-number order, with
 * its default when absent.  The wire may hold fields in any order, repeat
 * them, or interleave repeated elements, so each message level is first
 * scanned once (tags and lengths only) to check it and to learn whether it
 * is in the canonical order every encoder writes: increasing field numbers,
 * repeated elements together, one member per oneof.  A canonical message is
 * then reported in a single pass; any other is reported by looking each
 * field up over the whole level (slower, same result: the last occurrence
 * of a singular field wins, repeated occurrences are concatenated).
 * Nested messages are walked in place; nothing is allocated.
 *
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"
#include "protobuf_int.h"

typedef struct PbWalk
{
	const HdVisitor *v;
	void	   *ctx;
	HdError    *err;
	const uint8_t *base;		/* start of the message, for offsets */
	int			depth;
	size_t		budget;			/* fields left to report */
} PbWalk;

/* One field occurrence on the wire */
typedef struct PbItem
{
	const PbField *field;		/* NULL when unknown to the schema */
	int			wire_type;
	uint64_t	raw;			/* varint, or the bits of a fixed value */
	const uint8_t *data;		/* length-delimited value */
	size_t		len;
	const uint8_t *tag;			/* where the occurrence starts */
} PbItem;

/* A scalar converted from its wire bits, by field type */
typedef enum PbValueKind
{
	PB_VALUE_INT,
	PB_VALUE_UINT,
	PB_VALUE_DOUBLE,
	PB_VALUE_FLOAT,
	PB_VALUE_BOOL,
	PB_VALUE_ENUM
} PbValueKind;

typedef struct PbValue
{
	PbValueKind kind;
	int64_t		i;
	uint64_t	u;
	double		d;
} PbValue;

static int	walk_message(PbWalk *w, const PbMessage *m,
						 const uint8_t *p, const uint8_t *end);

static int
wire_error(PbWalk *w, int code, const uint8_t *at, const char *what)
{
	return hd_error(w->err, code, (size_t) (at - w->base),
					code == HD_ERR_TRUNCATED ?
					"protobuf message truncated in %s at byte %zu" :
					"protobuf message malformed: bad %s at byte %zu",
					what, (size_t) (at - w->base));
}

/*
 * Read the next field occurrence of message m.  Returns 1 with *it filled,
 * 0 at the end of the message, or an error code.  A field whose wire type
 * does not fit its declared type is treated as unknown.
 */
static int
next_item(PbWalk *w, const PbMessage *m, const uint8_t **p,
		  const uint8_t *end, PbItem *it)
{
	uint64_t	tag;
	uint32_t	number;
	int			rc;

	if (*p >= end)
		return 0;
	it->tag = *p;
	if (!pb_read_varint(p, end, &tag))
		return wire_error(w, pb_varint_error(*p, end), it->tag, "field tag");
	number = (uint32_t) (tag >> 3);
	it->wire_type = (int) (tag & 7);
	if ((tag >> 3) == 0 || (tag >> 3) > PB_MAX_FIELD_NUMBER)
		return wire_error(w, HD_ERR_MALFORMED, it->tag, "field number");
	it->field = NULL;
	it->data = *p;
	it->len = 0;
	it->raw = 0;
	switch (it->wire_type)
	{
		case PB_WT_VARINT:
			if (!pb_read_varint(p, end, &it->raw))
				return wire_error(w, pb_varint_error(*p, end), it->tag, "varint");
			break;
		case PB_WT_I64:
			if (end - *p < 8)
				return wire_error(w, HD_ERR_TRUNCATED, it->tag, "64-bit value");
			it->raw = pb_load_le64(*p);
			*p += 8;
			break;
		case PB_WT_I32:
			if (end - *p < 4)
				return wire_error(w, HD_ERR_TRUNCATED, it->tag, "32-bit value");
			it->raw = pb_load_le32(*p);
			*p += 4;
			break;
		case PB_WT_LEN:
			if (!pb_read_varint(p, end, &it->raw))
				return wire_error(w, pb_varint_error(*p, end), it->tag, "length");
			if (it->raw > (uint64_t) (end - *p))
				return wire_error(w, HD_ERR_TRUNCATED, it->tag, "length-delimited field");
			it->data = *p;
			it->len = (size_t) it->raw;
			*p += it->len;
			break;
		case PB_WT_SGROUP:
			if ((rc = pb_skip_value(number, PB_WT_SGROUP, p, end)) != HD_OK)
				return wire_error(w, rc, it->tag, "group");
			return 1;			/* groups are never reported */
		default:
			return wire_error(w, HD_ERR_MALFORMED, it->tag, "wire type");
	}
	it->field = pb_field_by_number(m, number);
	if (it->field != NULL &&
		it->wire_type != pb_wire_type_of(it->field->type) &&
		!(it->field->packable && it->wire_type == PB_WT_LEN))
		it->field = NULL;
	return 1;
}

/* ----------
 * Scalars
 * ----------
 */
static void
convert_scalar(int type, uint64_t raw, PbValue *out)
{
	switch (type)
	{
		case PB_TYPE_DOUBLE:
			out->kind = PB_VALUE_DOUBLE;
			memcpy(&out->d, &raw, sizeof(double));
			break;
		case PB_TYPE_FLOAT:
			{
				uint32_t	bits = (uint32_t) raw;
				float		f;

				memcpy(&f, &bits, sizeof(float));
				out->kind = PB_VALUE_FLOAT;
				out->d = f;
				break;
			}
		case PB_TYPE_INT64:
		case PB_TYPE_SFIXED64:
			out->kind = PB_VALUE_INT;
			out->i = (int64_t) raw;
			break;
		case PB_TYPE_INT32:
		case PB_TYPE_SFIXED32:
			out->kind = PB_VALUE_INT;
			out->i = (int32_t) (uint32_t) raw;
			break;
		case PB_TYPE_SINT32:
			{
				uint32_t	u = (uint32_t) raw;

				out->kind = PB_VALUE_INT;
				out->i = (int32_t) ((u >> 1) ^ (0u - (u & 1)));
				break;
			}
		case PB_TYPE_SINT64:
			out->kind = PB_VALUE_INT;
			out->i = (int64_t) ((raw >> 1) ^ (0u - (raw & 1)));
			break;
		case PB_TYPE_UINT32:
		case PB_TYPE_FIXED32:
			out->kind = PB_VALUE_UINT;
			out->u = (uint32_t) raw;
			break;
		case PB_TYPE_BOOL:
			out->kind = PB_VALUE_BOOL;
			out->u = raw != 0;
			break;
		case PB_TYPE_ENUM:
			out->kind = PB_VALUE_ENUM;
			out->i = (int32_t) (uint32_t) raw;
			break;
		default:
			out->kind = PB_VALUE_UINT;
			out->u = raw;
			break;
	}
}

static int
visit_value(PbWalk *w, const PbField *f, const PbValue *val)
{
	int			a = HD_CONTINUE;

	switch (val->kind)
	{
		case PB_VALUE_INT:
			a = HD_VISIT(w->v, int64, w->ctx, val->i);
			break;
		case PB_VALUE_UINT:
			a = HD_VISIT(w->v, uint64, w->ctx, val->u);
			break;
		case PB_VALUE_DOUBLE:
		case PB_VALUE_FLOAT:
			a = HD_VISIT(w->v, float64, w->ctx, val->d, val->kind == PB_VALUE_FLOAT);
			break;
		case PB_VALUE_BOOL:
			a = HD_VISIT(w->v, boolean, w->ctx, val->u != 0);
			break;
		case PB_VALUE_ENUM:
			a = HD_VISIT(w->v, enumeration, w->ctx, (int32_t) val->i,
						 pb_enum_name(f->enumeration, (int32_t) val->i));
			break;
	}
	return hd_visit_result(a, w->err);
}

static int
visit_scalar(PbWalk *w, const PbField *f, uint64_t raw)
{
	PbValue		val;

	convert_scalar(f->type, raw, &val);
	return visit_value(w, f, &val);
}

/* Elements of a packed repeated field */
static int
visit_packed(PbWalk *w, const PbField *f, const uint8_t *p, const uint8_t *end)
{
	int			wt = pb_wire_type_of(f->type);
	int			rc;

	while (p < end)
	{
		const uint8_t *at = p;
		uint64_t	raw;

		if (wt == PB_WT_VARINT)
		{
			if (!pb_read_varint(&p, end, &raw))
				return wire_error(w, HD_ERR_MALFORMED, at, "packed varint");
		}
		else
		{
			size_t		n = wt == PB_WT_I64 ? 8 : 4;

			if ((size_t) (end - p) < n)
				return wire_error(w, HD_ERR_MALFORMED, at, "packed fixed-size element");
			raw = n == 8 ? pb_load_le64(p) : pb_load_le32(p);
			p += n;
		}
		if ((rc = visit_scalar(w, f, raw)) != HD_OK)
			return rc;
	}
	return HD_OK;
}

/* ----------
 * Defaults
 * ----------
 */
static int
visit_default(PbWalk *w, const PbField *f)
{
	PbValue		val;
	int			a;

	switch (f->type)
	{
		case PB_TYPE_MESSAGE:
			a = HD_VISIT(w->v, null, w->ctx);
			break;
		case PB_TYPE_STRING:
			a = HD_VISIT(w->v, string, w->ctx, f->def.str ? f->def.str : "", f->def.str_len);
			break;
		case PB_TYPE_BYTES:
			a = HD_VISIT(w->v, bytes, w->ctx,
						 (const uint8_t *) (f->def.str ? f->def.str : ""), f->def.str_len);
			break;
		case PB_TYPE_DOUBLE:
		case PB_TYPE_FLOAT:
			a = HD_VISIT(w->v, float64, w->ctx, f->def.num.d, f->type == PB_TYPE_FLOAT);
			break;
		default:
			convert_scalar(f->type, f->def.num.u, &val);
			return visit_value(w, f, &val);
	}
	return hd_visit_result(a, w->err);
}

/* [] or {} for an absent repeated field or map */
static int
visit_empty_container(PbWalk *w, const PbField *f)
{
	int			a;
	int			rc;

	if (f->is_map)
	{
		a = HD_VISIT(w->v, begin_object, w->ctx);
		if (a == HD_SKIP)
			return HD_OK;
		if ((rc = hd_visit_result(a, w->err)) != HD_OK)
			return rc;
		return hd_visit_result(HD_VISIT(w->v, end_object, w->ctx), w->err);
	}
	a = HD_VISIT(w->v, begin_array, w->ctx, 0);
	if (a == HD_SKIP)
		return HD_OK;
	if ((rc = hd_visit_result(a, w->err)) != HD_OK)
		return rc;
	return hd_visit_result(HD_VISIT(w->v, end_array, w->ctx), w->err);
}

/* ----------
 * Maps
 * ----------
 */

/* Text of a map key, as JSON object keys need */
static size_t
map_key_text(const PbField *kf, const PbItem *key, char *buf, size_t bufsize,
			  const char **text)
{
	PbValue		val;

	if (kf->type == PB_TYPE_STRING)
	{
		*text = key ? (const char *) key->data : "";
		return key ? key->len : 0;
	}
	*text = buf;
	convert_scalar(kf->type, key ? key->raw : 0, &val);
	switch (val.kind)
	{
		case PB_VALUE_INT:
			return (size_t) snprintf(buf, bufsize, "%" PRId64, val.i);
		case PB_VALUE_BOOL:
			return (size_t) snprintf(buf, bufsize, "%s", val.u ? "true" : "false");
		default:
			return (size_t) snprintf(buf, bufsize, "%" PRIu64, val.u);
	}
}

static int	visit_occurrence(PbWalk *w, const PbField *f, const PbItem *it);

/* One map entry: its key as a field name, then its value */
static int
visit_map_entry(PbWalk *w, const PbField *f, const uint8_t *p,
				const uint8_t *end)
{
	const PbMessage *entry = f->message;
	const PbField *kf = &entry->fields[0];
	const PbField *vf = &entry->fields[1];
	PbItem		it,
				key,
				value;
	bool		have_key = false,
				have_value = false;
	char		buf[32];
	const char *text;
	size_t		len;
	int			rc,
				a;

	while ((rc = next_item(w, entry, &p, end, &it)) == 1)
	{
		if (it.field == kf)
		{
			key = it;
			have_key = true;
		}
		else if (it.field == vf)
		{
			value = it;
			have_value = true;
		}
	}
	if (rc != 0)
		return rc;
	len = map_key_text(kf, have_key ? &key : NULL, buf, sizeof(buf), &text);
	a = HD_VISIT(w->v, field, w->ctx, text, len);
	if (a == HD_SKIP)
		return HD_OK;
	if ((rc = hd_visit_result(a, w->err)) != HD_OK)
		return rc;
	if (have_value)
		return visit_occurrence(w, vf, &value);
	if (vf->type == PB_TYPE_MESSAGE)
		return walk_message(w, vf->message, end, end);	/* default instance */
	return visit_default(w, vf);
}

/* ----------
 * Fields
 * ----------
 */

/* The value of one occurrence (all elements, when packed) */
static int
visit_occurrence(PbWalk *w, const PbField *f, const PbItem *it)
{
	int			a;

	if (it->wire_type != PB_WT_LEN)
		return visit_scalar(w, f, it->raw);
	switch (f->type)
	{
		case PB_TYPE_MESSAGE:
			if (f->is_map)
				return visit_map_entry(w, f, it->data, it->data + it->len);
			return walk_message(w, f->message, it->data, it->data + it->len);
		case PB_TYPE_STRING:
			a = HD_VISIT(w->v, string, w->ctx, (const char *) it->data, it->len);
			return hd_visit_result(a, w->err);
		case PB_TYPE_BYTES:
			a = HD_VISIT(w->v, bytes, w->ctx, it->data, it->len);
			return hd_visit_result(a, w->err);
		default:
			return visit_packed(w, f, it->data, it->data + it->len);
	}
}

/* Announce a field; *skip tells whether the visitor wants its value */
static int
visit_field_name(PbWalk *w, const PbField *f, bool *skip)
{
	int			a;

	if (w->budget-- == 0)
		return hd_error(w->err, HD_ERR_MALFORMED, 0,
						"protobuf message expands to too many fields for its size");
	a = HD_VISIT(w->v, field, w->ctx, f->name, f->name_len);

	*skip = a == HD_SKIP;
	return *skip ? HD_OK : hd_visit_result(a, w->err);
}

/* Open the array (or object, for a map) of a repeated field */
static int
begin_repeated(PbWalk *w, const PbField *f, bool *skip)
{
	int			a;

	if (f->is_map)
		a = HD_VISIT(w->v, begin_object, w->ctx);
	else
		a = HD_VISIT(w->v, begin_array, w->ctx, -1);
	*skip = a == HD_SKIP;
	return *skip ? HD_OK : hd_visit_result(a, w->err);
}

static int
end_repeated(PbWalk *w, const PbField *f)
{
	if (f->is_map)
		return hd_visit_result(HD_VISIT(w->v, end_object, w->ctx), w->err);
	return hd_visit_result(HD_VISIT(w->v, end_array, w->ctx), w->err);
}

/* A field that is not on the wire: its default, or nothing in a oneof */
static int
visit_absent_field(PbWalk *w, const PbField *f)
{
	bool		skip;
	int			rc;

	if (f->oneof >= 0)
		return HD_OK;
	if ((rc = visit_field_name(w, f, &skip)) != HD_OK || skip)
		return rc;
	if (f->repeated)
		return visit_empty_container(w, f);
	return visit_default(w, f);
}

/*
 * Check one message level and tell whether it is in canonical order (see
 * the file header).  Every error of this level is found here, before any
 * of its fields is reported.
 */
static int
prescan(PbWalk *w, const PbMessage *m, const uint8_t *p, const uint8_t *end,
		bool *canonical)
{
	uint64_t	oneofs_seen = 0;
	int			last = -1;
	PbItem		it;
	int			rc;

	*canonical = true;
	while ((rc = next_item(w, m, &p, end, &it)) == 1)
	{
		int			idx;

		if (it.field == NULL)
			continue;
		idx = (int) (it.field - m->fields);
		if (idx < last || (idx == last && !it.field->repeated))
			*canonical = false;
		if (it.field->oneof >= 0 && idx != last)
		{
			uint64_t	bit;

			if (it.field->oneof >= 64)
				*canonical = false;
			else
			{
				bit = (uint64_t) 1 << it.field->oneof;
				if (oneofs_seen & bit)
					*canonical = false;
				oneofs_seen |= bit;
			}
		}
		last = idx;
	}
	return rc;
}

/* Next occurrence of a known field, skipping unknown ones; 0 at the end */
static int
next_known_item(PbWalk *w, const PbMessage *m, const uint8_t **p,
				const uint8_t *end, PbItem *it)
{
	int			rc;

	while ((rc = next_item(w, m, p, end, it)) == 1)
		if (it->field != NULL)
			return 1;
	return rc;
}

/*
 * Report a field present on the wire of a canonical message: *it is its
 * first occurrence; on return *it and *have hold the next known one.
 */
static int
visit_present_canonical(PbWalk *w, const PbMessage *m, const PbField *f,
						const uint8_t **p, const uint8_t *end,
						PbItem *it, int *have)
{
	bool		skip;
	int			rc;

	if ((rc = visit_field_name(w, f, &skip)) != HD_OK)
		return rc;
	if (!skip && f->repeated && (rc = begin_repeated(w, f, &skip)) != HD_OK)
		return rc;
	do
	{
		if (!skip && (rc = visit_occurrence(w, f, it)) != HD_OK)
			return rc;
		*have = next_known_item(w, m, p, end, it);
		if (*have < 0 || *have > 1)
			return *have;
	} while (f->repeated && *have == 1 && it->field == f);
	if (!skip && f->repeated)
		return end_repeated(w, f);
	return HD_OK;
}

static int
walk_canonical(PbWalk *w, const PbMessage *m, const uint8_t *p,
			   const uint8_t *end)
{
	PbItem		it;
	int			have;
	int			i,
				rc;

	have = next_known_item(w, m, &p, end, &it);
	if (have != 0 && have != 1)
		return have;
	for (i = 0; i < m->nfields; i++)
	{
		const PbField *f = &m->fields[i];

		if (have == 1 && it.field == f)
			rc = visit_present_canonical(w, m, f, &p, end, &it, &have);
		else
			rc = visit_absent_field(w, f);
		if (rc != HD_OK)
			return rc;
	}
	return HD_OK;
}

/* Every occurrence of a repeated field, wherever it is on the wire */
static int
visit_repeated_scattered(PbWalk *w, const PbMessage *m, const PbField *f,
						 const uint8_t *start, const uint8_t *end)
{
	const uint8_t *p = start;
	PbItem		it;
	bool		skip;
	int			rc;

	if ((rc = visit_field_name(w, f, &skip)) != HD_OK || skip)
		return rc;
	if ((rc = begin_repeated(w, f, &skip)) != HD_OK || skip)
		return rc;
	while ((rc = next_item(w, m, &p, end, &it)) == 1)
	{
		if (it.field == f && (rc = visit_occurrence(w, f, &it)) != HD_OK)
			return rc;
	}
	if (rc != 0)
		return rc;
	return end_repeated(w, f);
}

/* The last occurrence of a singular field (of its oneof, if in one) */
static int
visit_singular_scattered(PbWalk *w, const PbMessage *m, const PbField *f,
						 const uint8_t *start, const uint8_t *end)
{
	const uint8_t *p = start;
	PbItem		it,
				last;
	bool		found = false,
				skip;
	int			rc;

	while ((rc = next_item(w, m, &p, end, &it)) == 1)
	{
		if (it.field == f ||
			(f->oneof >= 0 && it.field != NULL && it.field->oneof == f->oneof))
		{
			last = it;
			found = true;
		}
	}
	if (rc != 0)
		return rc;
	if (!found || last.field != f)
		return visit_absent_field(w, f);
	if ((rc = visit_field_name(w, f, &skip)) != HD_OK || skip)
		return rc;
	return visit_occurrence(w, f, &last);
}

static int
walk_scattered(PbWalk *w, const PbMessage *m, const uint8_t *p,
			   const uint8_t *end)
{
	int			i,
				rc;

	for (i = 0; i < m->nfields; i++)
	{
		const PbField *f = &m->fields[i];

		if (f->repeated)
			rc = visit_repeated_scattered(w, m, f, p, end);
		else
			rc = visit_singular_scattered(w, m, f, p, end);
		if (rc != HD_OK)
			return rc;
	}
	return HD_OK;
}

static int
walk_message(PbWalk *w, const PbMessage *m, const uint8_t *p,
			 const uint8_t *end)
{
	bool		canonical;
	int			a,
				rc;

	if (w->depth >= HD_MAX_DEPTH)
		return hd_error(w->err, HD_ERR_DEPTH, (size_t) (p - w->base),
						"protobuf message nested more than %d levels deep", HD_MAX_DEPTH);
	a = HD_VISIT(w->v, begin_object, w->ctx);
	if (a == HD_SKIP)
		return HD_OK;
	if ((rc = hd_visit_result(a, w->err)) != HD_OK)
		return rc;
	if ((rc = prescan(w, m, p, end, &canonical)) != HD_OK)
		return rc;
	w->depth++;
	if (canonical)
		rc = walk_canonical(w, m, p, end);
	else
		rc = walk_scattered(w, m, p, end);
	w->depth--;
	if (rc != HD_OK)
		return rc;
	return hd_visit_result(HD_VISIT(w->v, end_object, w->ctx), w->err);
}

int
hd_protobuf_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
				   const HdVisitor *v, void *ctx, HdError *err)
{
	PbWalk		w;

	w.v = v;
	w.ctx = ctx;
	w.err = err;
	w.base = msg;
	w.depth = 0;
	w.budget = hd_value_budget(len);
	return walk_message(&w, d->root, msg, msg + len);
}
