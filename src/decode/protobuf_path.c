/*-------------------------------------------------------------------------
 *
 * protobuf_path.c
 *	  Signal paths compiled against a protobuf message type: reading the
 *	  number one names straight from the wire.  Compiling the path is
 *	  protobuf_path_compile.c's.
 *
 * A path such as current_rpms.FL is resolved once to the fields it goes
 * through (here 7, then 1), each with how it is followed: a singular
 * field (its last occurrence), element k of a repeated field (counted over
 * all occurrences, packed or not, in wire order), or the value of a map
 * entry with a given key.  Extracting then reads the tags of each level on
 * the path and steps over every other field by its wire type and length;
 * it enters no other sub-message and reports nothing to anybody.
 *
 * The result is the one the generic extraction (path.c, walking the
 * message with a visitor) gives, including for broken messages:
 *
 *	- every level the path enters is checked whole (tags, lengths, groups)
 *	  before its value is used, and its first error in wire order is
 *	  reported, with the same code, offset and text;
 *	- elements of packed runs are decoded only up to the one wanted: a
 *	  broken element before it is an error, one after it is not looked at;
 *	- an absent scalar has its default, unless it belongs to a oneof
 *	  (proto3 optional fields included): then it is not found, as is
 *	  anything under an absent sub-message;
 *	- the last occurrence of a singular field wins, sub-messages included
 *	  (occurrences are not merged), and a later member of the same oneof
 *	  hides it;
 *	- map entries are tried in wire order; the first entry whose key
 *	  matches and whose value holds the number wins (an entry whose value
 *	  lacks it, say an index past the end, lets the next one be tried).
 *
 * Several paths are followed in one pass: a level is read once for all
 * the paths going through it (then once more per map step, for its
 * entries).  The paths at a level are found by the number of the field
 * they take there (a small hash table built for the level), so each field
 * occurrence costs one look-up plus the paths it concerns, not a test per
 * path; the work is bounded by the message size times the length of the
 * paths, plus the paths' own steps.
 *
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protobuf_path_int.h"

/* The tag loop is the hot path: keep the reading of a tag in it */
#if defined(__GNUC__) || defined(__clang__)
#define PB_INLINE inline __attribute__((always_inline))
#else
#define PB_INLINE inline
#endif

/* What a level gave */
typedef enum PbOutcome
{
	PB_NONE,					/* no number there */
	PB_FOUND					/* a number, in PbExtract.value */
} PbOutcome;

/*
 * The cursors of one level by the number of the field their step takes:
 * an open-addressing table of numbers (0: empty slot, field numbers start
 * at 1), each with its chain of cursors, and the cursors whose step is a
 * oneof member (another member's occurrence hides theirs).  Only the scan
 * of a level uses it, before any sub-level is followed, so one serves all
 * levels in turn.
 */
#define PB_DISPATCH_SLOTS (2 * HD_MAX_PATHS)

typedef struct PbDispatch
{
	uint32_t	mask;			/* slots in use - 1 (a power of two - 1) */
	uint32_t	number[PB_DISPATCH_SLOTS];
	int16_t		first[PB_DISPATCH_SLOTS];	/* cursor, or -1 */
	int16_t		next[HD_MAX_PATHS]; /* next cursor of the same number */
	int16_t		oneof[HD_MAX_PATHS];	/* cursors with a oneof member step */
	int			noneof;
} PbDispatch;

typedef struct PbExtract
{
	const uint8_t *base;		/* start of the message, for offsets */
	HdError    *err;
	double		value;
	PbDispatch *dispatch;		/* several paths: the level's table */
} PbExtract;

/* One field occurrence: its tag and where its value is */
typedef struct PbWire
{
	uint32_t	number;
	int			wire_type;
	uint64_t	raw;			/* varint value, or length of a LEN value */
	const uint8_t *data;		/* fixed-size or LEN value */
	const uint8_t *tag;
} PbWire;

/* ----------
 * Reading the wire
 * ----------
 */
static int
wire_error(PbExtract *x, int code, const uint8_t *at, const char *what)
{
	return hd_error(x->err, code, (size_t) (at - x->base),
					code == HD_ERR_TRUNCATED ?
					"protobuf message truncated in %s at byte %zu" :
					"protobuf message malformed: bad %s at byte %zu",
					what, (size_t) (at - x->base));
}

/*
 * Read the field occurrence at *p (< end) and step over its value.  A
 * group is stepped over whole and never matches a field.
 */
static PB_INLINE int
read_item(PbExtract *x, const uint8_t **p, const uint8_t *end, PbWire *it)
{
	const uint8_t *q = *p;
	uint64_t	tag;
	int			rc;

	it->tag = q;
	if (*q < 0x80)
		tag = *q++;
	else if (!pb_read_varint(&q, end, &tag))
		return wire_error(x, pb_varint_error(q, end), it->tag, "field tag");
	if ((tag >> 3) == 0 || (tag >> 3) > PB_MAX_FIELD_NUMBER)
		return wire_error(x, HD_ERR_MALFORMED, it->tag, "field number");
	it->number = (uint32_t) (tag >> 3);
	it->wire_type = (int) (tag & 7);
	switch (it->wire_type)
	{
		case PB_WT_VARINT:
			if (q < end && *q < 0x80)
				it->raw = *q++;
			else if (!pb_read_varint(&q, end, &it->raw))
				return wire_error(x, pb_varint_error(q, end), it->tag, "varint");
			break;
		case PB_WT_I64:
			if (end - q < 8)
				return wire_error(x, HD_ERR_TRUNCATED, it->tag, "64-bit value");
			it->data = q;
			q += 8;
			break;
		case PB_WT_I32:
			if (end - q < 4)
				return wire_error(x, HD_ERR_TRUNCATED, it->tag, "32-bit value");
			it->data = q;
			q += 4;
			break;
		case PB_WT_LEN:
			if (q < end && *q < 0x80)
				it->raw = *q++;
			else if (!pb_read_varint(&q, end, &it->raw))
				return wire_error(x, pb_varint_error(q, end), it->tag, "length");
			if (it->raw > (uint64_t) (end - q))
				return wire_error(x, HD_ERR_TRUNCATED, it->tag, "length-delimited field");
			it->data = q;
			q += it->raw;
			break;
		case PB_WT_SGROUP:
			if ((rc = pb_skip_value(it->number, PB_WT_SGROUP, &q, end)) != HD_OK)
				return wire_error(x, rc, it->tag, "group");
			break;
		default:
			return wire_error(x, HD_ERR_MALFORMED, it->tag, "wire type");
	}
	*p = q;
	return HD_OK;
}

/* The bits of a scalar occurrence */
static inline uint64_t
item_bits(const PbWire *it)
{
	if (it->wire_type == PB_WT_I64)
		return pb_load_le64(it->data);
	if (it->wire_type == PB_WT_I32)
		return pb_load_le32(it->data);
	return it->raw;
}

/* A scalar's value as a number, by field type */
static double
scalar_number(int type, uint64_t raw)
{
	switch (type)
	{
		case PB_TYPE_DOUBLE:
			{
				double		d;

				memcpy(&d, &raw, sizeof(d));
				return d;
			}
		case PB_TYPE_FLOAT:
			{
				uint32_t	bits = (uint32_t) raw;
				float		f;

				memcpy(&f, &bits, sizeof(f));
				return f;
			}
		case PB_TYPE_INT64:
		case PB_TYPE_SFIXED64:
			return (double) (int64_t) raw;
		case PB_TYPE_INT32:
		case PB_TYPE_SFIXED32:
		case PB_TYPE_ENUM:
			return (double) (int32_t) (uint32_t) raw;
		case PB_TYPE_SINT32:
			{
				uint32_t	u = (uint32_t) raw;

				return (double) (int32_t) ((u >> 1) ^ (0u - (u & 1)));
			}
		case PB_TYPE_SINT64:
			return (double) (int64_t) ((raw >> 1) ^ (0u - (raw & 1)));
		case PB_TYPE_UINT32:
		case PB_TYPE_FIXED32:
			return (double) (uint32_t) raw;
		case PB_TYPE_BOOL:
			return raw != 0 ? 1.0 : 0.0;
		default:
			return (double) raw;
	}
}

static double
default_number(const PbField *f)
{
	if (f->type == PB_TYPE_DOUBLE || f->type == PB_TYPE_FLOAT)
		return f->def.num.d;
	return scalar_number(f->type, f->def.num.u);
}

/* Does this occurrence of another field end the step's oneof member? */
static bool
ends_oneof(const PbPathStep *s, const PbWire *it)
{
	const PbField *g;

	if (it->wire_type == PB_WT_SGROUP)
		return false;
	g = pb_field_by_number(s->msg, it->number);
	return g != NULL && g->oneof == s->field->oneof &&
		(it->wire_type == pb_wire_type_of(g->type) ||
		 (g->packable && it->wire_type == PB_WT_LEN));
}

/*
 * Count the elements of a packed run toward the step's index.  Sets *hit
 * and *have at the wanted element; a broken element before it is an error
 * of the level once the level itself is checked, left in *pending.
 */
static void
count_packed(PbExtract *x, const PbPathStep *s, const PbWire *it,
			 int64_t *count, PbWire *hit, bool *have, int *pending)
{
	const uint8_t *p = it->data;
	const uint8_t *end = p + it->raw;

	if (s->wire_type == PB_WT_VARINT)
	{
		while (p < end)
		{
			const uint8_t *at = p;
			uint64_t	raw;

			if (!pb_read_varint(&p, end, &raw))
			{
				*pending = wire_error(x, HD_ERR_MALFORMED, at, "packed varint");
				return;
			}
			if ((*count)++ == s->index)
			{
				hit->wire_type = PB_WT_VARINT;
				hit->raw = raw;
				*have = true;
				return;
			}
		}
	}
	else
	{
		uint64_t	size = s->wire_type == PB_WT_I64 ? 8 : 4;
		uint64_t	whole = it->raw / size;
		uint64_t	k = (uint64_t) (s->index - *count);

		if (k < whole)
		{
			hit->wire_type = s->wire_type;
			hit->data = p + k * size;
			*have = true;
			return;
		}
		*count += (int64_t) whole;
		if (it->raw % size != 0)
			*pending = wire_error(x, HD_ERR_MALFORMED, p + whole * size,
								  "packed fixed-size element");
	}
}

/* ----------
 * Following the path
 * ----------
 */
static int	follow(PbExtract *x, const PbPathStep *s, int left,
				   const uint8_t *p, const uint8_t *end, PbOutcome *out);

/* The value at the end of a step: a number, or the next level */
static int
settle_value(PbExtract *x, const PbPathStep *s, int left, const PbWire *hit,
			 PbOutcome *out)
{
	if (left == 1)
	{
		x->value = scalar_number(s->value->type, item_bits(hit));
		*out = PB_FOUND;
		return HD_OK;
	}
	return follow(x, s + 1, left - 1, hit->data, hit->data + hit->raw, out);
}

/* Text of an integer or bool map key, as the generic walk spells it */
static size_t
key_text(int type, uint64_t raw, char *buf, size_t size)
{
	int			n;

	switch (type)
	{
		case PB_TYPE_BOOL:
			n = snprintf(buf, size, "%s", raw ? "true" : "false");
			break;
		case PB_TYPE_UINT32:
		case PB_TYPE_FIXED32:
			n = snprintf(buf, size, "%" PRIu32, (uint32_t) raw);
			break;
		case PB_TYPE_UINT64:
		case PB_TYPE_FIXED64:
			n = snprintf(buf, size, "%" PRIu64, raw);
			break;
		case PB_TYPE_INT64:
		case PB_TYPE_SFIXED64:
			n = snprintf(buf, size, "%" PRId64, (int64_t) raw);
			break;
		case PB_TYPE_SINT64:
			n = snprintf(buf, size, "%" PRId64,
						 (int64_t) ((raw >> 1) ^ (0u - (raw & 1))));
			break;
		case PB_TYPE_SINT32:
			{
				uint32_t	u = (uint32_t) raw;

				n = snprintf(buf, size, "%" PRId32,
							 (int32_t) ((u >> 1) ^ (0u - (u & 1))));
				break;
			}
		default:
			n = snprintf(buf, size, "%" PRId32, (int32_t) (uint32_t) raw);
			break;
	}
	return n > 0 ? (size_t) n : 0;
}

/* Does a map entry's key (NULL: absent) spell the step's key? */
static bool
key_matches(const PbPathStep *s, const PbField *kf, const PbWire *key)
{
	char		buf[32];
	size_t		n;

	if (kf->type == PB_TYPE_STRING)
	{
		if (key == NULL)
			return s->key_len == 0;
		return key->raw == s->key_len &&
			memcmp(key->data, s->key, s->key_len) == 0;
	}
	n = key_text(kf->type, key ? item_bits(key) : 0, buf, sizeof(buf));
	return n == s->key_len && memcmp(buf, s->key, n) == 0;
}

/* Read one map entry: its last key and last value of the right wire types */
static int
read_entry(PbExtract *x, const PbField *kf, const PbField *vf,
		   const uint8_t *p, const uint8_t *end,
		   PbWire *key, bool *have_key, PbWire *value, bool *have_value)
{
	PbWire		it = {0};
	int			rc;

	*have_key = *have_value = false;
	while (p < end)
	{
		if ((rc = read_item(x, &p, end, &it)) != HD_OK)
			return rc;
		if (it.number == kf->number && it.wire_type == pb_wire_type_of(kf->type))
		{
			*key = it;
			*have_key = true;
		}
		else if (it.number == vf->number &&
				 it.wire_type == pb_wire_type_of(vf->type))
		{
			*value = it;
			*have_value = true;
		}
	}
	return HD_OK;
}

/*
 * The entries of a checked level from the first one of the map, in wire
 * order, until one with the key settles the rest of the path.
 */
static int
follow_map(PbExtract *x, const PbPathStep *s, int left, const uint8_t *p,
		   const uint8_t *end, PbOutcome *out)
{
	const PbField *kf = &s->field->message->fields[0];
	const PbField *vf = s->value;
	PbWire		it = {0},
				key,
				value;
	bool		have_key,
				have_value;
	int			rc;

	while (p < end)
	{
		if ((rc = read_item(x, &p, end, &it)) != HD_OK)
			return rc;
		if (it.number != s->field->number || it.wire_type != PB_WT_LEN)
			continue;
		if ((rc = read_entry(x, kf, vf, it.data, it.data + it.raw,
							 &key, &have_key, &value, &have_value)) != HD_OK)
			return rc;
		if (!key_matches(s, kf, have_key ? &key : NULL))
			continue;
		if (have_value)
			rc = settle_value(x, s, left, &value, out);
		else if (left == 1)
		{
			x->value = default_number(vf);
			*out = PB_FOUND;
		}
		else					/* the value message's default instance */
			rc = follow(x, s + 1, left - 1, it.data + it.raw,
						it.data + it.raw, out);
		if (rc != HD_OK || *out != PB_NONE)
			return rc;
	}
	*out = PB_NONE;
	return HD_OK;
}

/*
 * Nothing on the wire for a singular field: a scalar has its default,
 * unless it is a member of a oneof (unset members are not reported at
 * all); an absent sub-message holds no number.
 */
static void
absent_field(PbExtract *x, const PbPathStep *s, int left, PbOutcome *out)
{
	if (s->field->oneof >= 0 || left > 1)
		*out = PB_NONE;
	else
	{
		x->value = default_number(s->field);
		*out = PB_FOUND;
	}
}

/* What the scan of one level keeps for one step */
typedef struct PbScan
{
	PbWire		hit;			/* the occurrence or element the step takes */
	bool		have;
	int			pending;		/* error in a packed run before the element */
	int64_t		count;			/* elements seen */
	const uint8_t *first;		/* first occurrence, for a map */
} PbScan;

static inline void
scan_init(PbScan *sc)
{
	sc->have = false;
	sc->pending = HD_OK;
	sc->count = 0;
	sc->first = NULL;
}

/* Is step s a oneof member, whose occurrence another member's hides? */
static inline bool
step_in_oneof(const PbPathStep *s)
{
	return s->kind == PB_STEP_FIELD && s->field->oneof >= 0;
}

/* An occurrence of another field than step s's: does it hide s's? */
static PB_INLINE void
scan_other(const PbPathStep *s, const PbWire *it, PbScan *sc)
{
	if (step_in_oneof(s) && ends_oneof(s, it))
		sc->have = false;
}

/* Take note of an occurrence of step s's own field */
static PB_INLINE void
scan_match(PbExtract *x, const PbPathStep *s, const PbWire *it, PbScan *sc)
{
	if (it->wire_type == s->wire_type)
	{
		if (s->kind == PB_STEP_FIELD)
		{
			sc->hit = *it;
			sc->have = true;
		}
		else if (s->kind == PB_STEP_MAP_VALUE)
		{
			if (sc->first == NULL)
				sc->first = it->tag;
		}
		else if (!sc->have && sc->pending == HD_OK &&
				 sc->count++ == s->index)
		{
			sc->hit = *it;
			sc->have = true;
		}
	}
	else if (it->wire_type == PB_WT_LEN && s->field->packable &&
			 !sc->have && sc->pending == HD_OK)
		count_packed(x, s, it, &sc->count, &sc->hit, &sc->have, &sc->pending);
}

/* Take note of one field occurrence of the level for step s */
static PB_INLINE void
scan_item(PbExtract *x, const PbPathStep *s, const PbWire *it, PbScan *sc)
{
	if (it->number != s->field->number)
		scan_other(s, it, sc);
	else
		scan_match(x, s, it, sc);
}

/* After the scan of a checked level [.., end): what step s gives */
static int
scan_settle(PbExtract *x, const PbPathStep *s, int left, const uint8_t *end,
			const PbScan *sc, PbOutcome *out)
{
	*out = PB_NONE;
	switch (s->kind)
	{
		case PB_STEP_FIELD:
			if (!sc->have)
			{
				absent_field(x, s, left, out);
				return HD_OK;
			}
			return settle_value(x, s, left, &sc->hit, out);
		case PB_STEP_ELEMENT:
			if (!sc->have)
				return HD_OK;
			return settle_value(x, s, left, &sc->hit, out);
		case PB_STEP_MAP_VALUE:
			if (sc->first == NULL)
				return HD_OK;
			return follow_map(x, s, left, sc->first, end, out);
	}
	return HD_OK;
}

/*
 * Follow steps s[0..left-1] through the message level [p, end): check the
 * whole level, keeping what step s needs, then settle it.
 */
static int
follow(PbExtract *x, const PbPathStep *s, int left, const uint8_t *p,
	   const uint8_t *end, PbOutcome *out)
{
	PbScan		sc;
	PbWire		it = {0};
	int			rc;

	scan_init(&sc);
	while (p < end)
	{
		if ((rc = read_item(x, &p, end, &it)) != HD_OK)
			return rc;
		scan_item(x, s, &it, &sc);
	}
	if (sc.pending != HD_OK)
		return sc.pending;
	return scan_settle(x, s, left, end, &sc, out);
}

/* ----------
 * Several paths in one pass
 *
 * The paths at one level share its scan; those that go on through the same
 * sub-message occurrence share the scan of that one, and so on.  Each path
 * gets what it would get alone.  On a broken message the result is an
 * error when any path alone meets one; which one, when several do, is not
 * defined.
 * ----------
 */
typedef struct PbCursor
{
	const PbPathStep *s;		/* the step at the current level */
	int			left;			/* steps left, s included */
	double	   *out;
	bool	   *found;
	PbScan		scan;
} PbCursor;

static int	follow_group(PbExtract *x, PbCursor **c, int n, const uint8_t *p,
						 const uint8_t *end);

/* The slot of field number in the table: its own, or the empty one */
static PB_INLINE uint32_t
dispatch_slot(const PbDispatch *d, uint32_t number)
{
	uint32_t	h = (number * 2654435761u) & d->mask;

	while (d->number[h] != 0 && d->number[h] != number)
		h = (h + 1) & d->mask;
	return h;
}

/* Index the n (2 to HD_MAX_PATHS) cursors of a level by field number */
static void
dispatch_build(PbDispatch *d, PbCursor **c, int n)
{
	uint32_t	size = 8;
	int			i;

	while (size < 2 * (uint32_t) n)
		size *= 2;
	d->mask = size - 1;
	memset(d->number, 0, size * sizeof(d->number[0]));
	d->noneof = 0;
	/* chains in cursor order: insert from the last */
	for (i = n - 1; i >= 0; i--)
	{
		uint32_t	number = c[i]->s->field->number;
		uint32_t	h = dispatch_slot(d, number);

		if (d->number[h] == 0)
		{
			d->number[h] = number;
			d->first[h] = -1;
		}
		d->next[i] = d->first[h];
		d->first[h] = (int16_t) i;
		if (step_in_oneof(c[i]->s))
			d->oneof[d->noneof++] = (int16_t) i;
	}
}

/* One field occurrence of the level, for the cursors it concerns */
static PB_INLINE void
dispatch_item(PbExtract *x, PbCursor **c, const PbWire *it)
{
	const PbDispatch *d = x->dispatch;
	uint32_t	h = dispatch_slot(d, it->number);
	int			k;

	if (d->number[h] != 0)
		for (k = d->first[h]; k >= 0; k = d->next[k])
			scan_match(x, c[k]->s, it, &c[k]->scan);
	for (k = 0; k < d->noneof; k++)
	{
		PbCursor   *o = c[d->oneof[k]];

		if (it->number != o->s->field->number)
			scan_other(o->s, it, &o->scan);
	}
}

/* Settle cursor c alone, after the scan of its level */
static int
settle_cursor(PbExtract *x, PbCursor *c, const uint8_t *end)
{
	PbOutcome	outcome;
	int			rc;

	rc = scan_settle(x, c->s, c->left, end, &c->scan, &outcome);
	if (rc == HD_OK && outcome == PB_FOUND)
	{
		*c->out = x->value;
		*c->found = true;
	}
	return rc;
}

/*
 * Cursors c[0..n-1], settled in turn: c[0] and every later one going into
 * the same occurrence of a sub-message are moved to the front and followed
 * into it together.
 */
static int
settle_group(PbExtract *x, PbCursor **c, int n, const uint8_t *end)
{
	int			i,
				j,
				m,
				rc;

	for (i = 0; i < n; i += m)
	{
		const PbScan *sc = &c[i]->scan;

		m = 1;
		if (c[i]->left == 1 || c[i]->s->kind == PB_STEP_MAP_VALUE || !sc->have)
		{
			if ((rc = settle_cursor(x, c[i], end)) != HD_OK)
				return rc;
			continue;
		}
		for (j = i + 1; j < n; j++)
		{
			const PbScan *other = &c[j]->scan;

			if (c[j]->left > 1 && c[j]->s->kind != PB_STEP_MAP_VALUE &&
				other->have && other->hit.data == sc->hit.data &&
				other->hit.raw == sc->hit.raw)
			{
				PbCursor   *t = c[i + m];

				c[i + m] = c[j];
				c[j] = t;
				m++;
			}
		}
		for (j = i; j < i + m; j++)
		{
			c[j]->s++;
			c[j]->left--;
		}
		if ((rc = follow_group(x, c + i, m, c[i]->scan.hit.data,
							   c[i]->scan.hit.data + c[i]->scan.hit.raw)) != HD_OK)
			return rc;
	}
	return HD_OK;
}

static int
follow_group(PbExtract *x, PbCursor **c, int n, const uint8_t *p,
			 const uint8_t *end)
{
	PbWire		it = {0};
	int			i,
				rc;

	if (n == 1)
	{
		PbOutcome	outcome;

		rc = follow(x, c[0]->s, c[0]->left, p, end, &outcome);
		if (rc == HD_OK && outcome == PB_FOUND)
		{
			*c[0]->out = x->value;
			*c[0]->found = true;
		}
		return rc;
	}
	for (i = 0; i < n; i++)
		scan_init(&c[i]->scan);
	dispatch_build(x->dispatch, c, n);
	while (p < end)
	{
		if ((rc = read_item(x, &p, end, &it)) != HD_OK)
			return rc;
		dispatch_item(x, c, &it);
	}
	for (i = 0; i < n; i++)
		if (c[i]->scan.pending != HD_OK)
			return c[i]->scan.pending;
	return settle_group(x, c, n, end);
}

static int
extract_group(const PbPath *const *paths, int npaths, const uint8_t *msg,
			  size_t len, double *out, bool *found, HdError *err)
{
	PbCursor	cursors[HD_MAX_PATHS];
	PbCursor   *c[HD_MAX_PATHS];
	PbDispatch	dispatch;
	PbExtract	x;
	int			i;

	if (npaths <= 0 || npaths > HD_MAX_PATHS)
		return HD_OK;
	x.base = msg;
	x.err = err;
	x.value = 0;
	x.dispatch = &dispatch;
	for (i = 0; i < npaths; i++)
	{
		cursors[i].s = paths[i]->steps;
		cursors[i].left = paths[i]->nsteps;
		cursors[i].out = &out[i];
		cursors[i].found = &found[i];
		c[i] = &cursors[i];
	}
	return follow_group(&x, c, npaths, msg, msg + len);
}

static int
extract_one(const PbPath *path, const uint8_t *msg, size_t len,
			double *out, bool *found, HdError *err)
{
	PbExtract	x;
	PbOutcome	outcome;
	int			rc;

	x.base = msg;
	x.err = err;
	x.value = 0;
	x.dispatch = NULL;
	rc = follow(&x, path->steps, path->nsteps, msg, msg + len, &outcome);
	if (rc == HD_OK && outcome == PB_FOUND)
	{
		*out = x.value;
		*found = true;
	}
	return rc;
}

int
pb_paths_extract(const void *const *paths, int npaths, const uint8_t *msg,
				 size_t len, double *out, bool *found, HdError *err)
{
	if (npaths == 1)
		return extract_one(paths[0], msg, len, out, found, err);
	return extract_group((const PbPath *const *) paths, npaths, msg, len,
						 out, found, err);
}
