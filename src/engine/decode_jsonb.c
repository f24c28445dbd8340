/*-------------------------------------------------------------------------
 *
 * decode_jsonb.c
 *	  Engine: the jsonb of a message, built directly from a decoder's walk
 *	  into jsonb's stored form: no JSON text, no jsonb_in, no numeric_in,
 *	  no JsonbValue tree.  The JSON rules of the design: integers exact
 *	  (64-bit included), float32 printed by its shortest round-trip text,
 *	  NaN and infinities as the strings "NaN", "Infinity", "-Infinity",
 *	  bytes as base64, enums by name (by number when the value is not
 *	  declared), strings repaired to valid UTF-8.
 *
 * The walk is recorded as a flat list of nodes (containers know their
 * size and where they end) with the strings' and numerics' bytes in one
 * arena; both are kept by the builder from message to message.  The list
 * is then written out as jsonb's containers are (utils/adt/jsonb_util.c,
 * convertToJsonb): an object's keys sorted by length then bytes, the last
 * of equal keys kept, JEntry offsets every JB_OFFSET_STRIDE entries,
 * numerics and containers aligned on 4 bytes.  The result is byte for
 * byte what PostgreSQL's own construction gives (jsonb_reference.c, used
 * instead with hdaq.jsonb_reference on; test/t/090_jsonb.pl compares the
 * two over every message of the test logs).
 *
 *-------------------------------------------------------------------------
 */
#include "engine/decoders.h"
#include "engine/numeric_build.h"

#include <math.h>

#include "common/base64.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/memutils.h"

typedef enum JbNodeType
{
	NODE_OBJECT,
	NODE_ARRAY,
	NODE_STRING,
	NODE_NUMERIC,
	NODE_TRUE,
	NODE_FALSE,
	NODE_NULL
} JbNodeType;

typedef struct JbNode
{
	uint32		type;
	uint32		count;			/* containers: elements, or members */
	uint32		end;			/* the index after the node and what it holds */
	uint32		off;			/* scalars: their bytes in the arena */
	uint32		len;
} JbNode;

/*
 * The numerics of recent doubles, by their bits: telemetry repeats values
 * (a sensor's resolution, a constant, a state), and the cache spares them
 * Ryu and the conversion.  Direct-mapped; len 0 is an empty slot.
 */
#define NUMBER_CACHE_SIZE 4096
#define NUMBER_CACHE_BYTES 22

typedef struct NumberCacheEntry
{
	uint64		bits;
	uint8		len;
	bool		is_float32;
	char		numeric[NUMBER_CACHE_BYTES];
} NumberCacheEntry;

struct JsonbBuilder
{
	MemoryContext cxt;
	JbNode	   *nodes;
	uint32		nnodes;
	uint32		node_cap;
	char	   *arena;
	uint32		arena_len;
	uint32		arena_cap;
	int			depth;
	uint32		open[HD_MAX_DEPTH + 2]; /* the containers being filled */
	uint32	   *keys;			/* objects' key nodes while written */
	uint32		keys_cap;
	uint32		keys_top;
	StringInfoData out;
	NumberCacheEntry *numbers;	/* NUMBER_CACHE_SIZE */
};

static bool jsonb_reference = false;

void
jsonb_builder_define_gucs(void)
{
	DefineCustomBoolVariable("hdaq.jsonb_reference",
							 "Builds decoded messages' jsonb through PostgreSQL's own "
							 "construction (pushJsonbValue, numeric_in) instead of directly.",
							 "The two give the same bytes; this is the slower reference "
							 "the direct builder is checked against.",
							 &jsonb_reference, false, PGC_SUSET, 0,
							 NULL, NULL, NULL);
}

JsonbBuilder *
jsonb_builder_create(void)
{
	JsonbBuilder *b = palloc0(sizeof(JsonbBuilder));

	b->cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq jsonb builder",
								   ALLOCSET_DEFAULT_SIZES);
	b->node_cap = 256;
	b->nodes = MemoryContextAlloc(b->cxt, sizeof(JbNode) * b->node_cap);
	b->arena_cap = 4096;
	b->arena = MemoryContextAlloc(b->cxt, b->arena_cap);
	b->keys_cap = 256;
	b->keys = MemoryContextAlloc(b->cxt, sizeof(uint32) * b->keys_cap);
	b->out.data = MemoryContextAlloc(b->cxt, 4096);
	b->out.maxlen = 4096;
	b->out.len = 0;
	b->out.cursor = 0;
	b->numbers = MemoryContextAllocZero(b->cxt, sizeof(NumberCacheEntry) * NUMBER_CACHE_SIZE);
	return b;
}

/* ---- recording the walk ------------------------------------------------------ */

static JbNode *
add_node(JsonbBuilder *b, JbNodeType type)
{
	JbNode	   *n;

	if (b->nnodes == b->node_cap)
	{
		if ((Size) b->node_cap * 2 * sizeof(JbNode) > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("message holds too many values for jsonb")));
		b->node_cap *= 2;
		b->nodes = repalloc(b->nodes, sizeof(JbNode) * b->node_cap);
	}
	n = &b->nodes[b->nnodes];
	n->type = type;
	n->count = 0;
	n->end = ++b->nnodes;
	/* an element counts in its array; a member counts with its key */
	if (b->depth > 0 && b->nodes[b->open[b->depth]].type == NODE_ARRAY)
		b->nodes[b->open[b->depth]].count++;
	return n;
}

/* Room for len bytes at the end of the arena, aligned on 4 bytes when asked. */
static uint32
arena_reserve(JsonbBuilder *b, size_t len, bool align)
{
	uint32		off = align ? INTALIGN(b->arena_len) : b->arena_len;

	if (off + len > b->arena_cap)
	{
		Size		cap = b->arena_cap;

		while (cap < off + len)
			cap *= 2;
		if (cap > MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("message is too large for jsonb")));
		b->arena = repalloc(b->arena, cap);
		b->arena_cap = (uint32) cap;
	}
	b->arena_len = off + len;
	return off;
}

static int
add_bytes(JsonbBuilder *b, JbNodeType type, const char *s, size_t len)
{
	uint32		off = arena_reserve(b, len, false);
	JbNode	   *n;

	memcpy(b->arena + off, s, len);
	n = add_node(b, type);
	n->off = off;
	n->len = (uint32) len;
	return HD_CONTINUE;
}

/* Text as the server holds it: valid UTF-8 without NUL (hdaq_cstring_from_bytes). */
static int
add_text(JsonbBuilder *b, const char *s, size_t len)
{
	char	   *repaired;
	int			result;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] - 1 >= 0x7F)
			goto repair;
	return add_bytes(b, NODE_STRING, s, len);

repair:
	repaired = hdaq_cstring_from_bytes(s, len);
	result = add_bytes(b, NODE_STRING, repaired, strlen(repaired));
	pfree(repaired);
	return result;
}

/* A numeric of at most len bytes written by write (its length) into the arena. */
static void
add_numeric_bytes(JsonbBuilder *b, uint32 off, int len)
{
	JbNode	   *n;

	b->arena_len = off + len;
	n = add_node(b, NODE_NUMERIC);
	n->off = off;
	n->len = len;
}

static int
add_int(JsonbBuilder *b, uint64 magnitude, bool negative)
{
	uint32		off = arena_reserve(b, NUMERIC_BUILD_MAX_BYTES, true);

	add_numeric_bytes(b, off, numeric_build_uint64(magnitude, negative,
												   b->arena + off));
	return HD_CONTINUE;
}

static int
add_decimal(JsonbBuilder *b, const DecimalNumber *d)
{
	uint32		off = arena_reserve(b, NUMERIC_BUILD_MAX_BYTES, true);

	add_numeric_bytes(b, off, numeric_build_decimal(d, b->arena + off));
	return HD_CONTINUE;
}

static int
begin_container(JsonbBuilder *b, JbNodeType type)
{
	if (b->depth > HD_MAX_DEPTH)
		elog(ERROR, "jsonb builder: nesting deeper than %d", HD_MAX_DEPTH);
	add_node(b, type);
	b->open[++b->depth] = b->nnodes - 1;
	return HD_CONTINUE;
}

static int
end_container(JsonbBuilder *b)
{
	Assert(b->depth > 0);
	b->nodes[b->open[b->depth]].end = b->nnodes;
	b->depth--;
	return HD_CONTINUE;
}

static int
v_begin_object(void *ctx)
{
	return begin_container(ctx, NODE_OBJECT);
}

static int
v_begin_array(void *ctx, int64_t count)
{
	return begin_container(ctx, NODE_ARRAY);
}

static int
v_end(void *ctx)
{
	return end_container(ctx);
}

static int
v_field(void *ctx, const char *name, size_t len)
{
	JsonbBuilder *b = ctx;

	Assert(b->depth > 0 && b->nodes[b->open[b->depth]].type == NODE_OBJECT);
	b->nodes[b->open[b->depth]].count++;
	return add_text(b, name, len);
}

static int
v_int64(void *ctx, int64_t value)
{
	return add_int(ctx, value < 0 ? -(uint64) value : (uint64) value, value < 0);
}

static int
v_uint64(void *ctx, uint64_t value)
{
	return add_int(ctx, value, false);
}

static int
v_float64(void *ctx, double value, bool is_float32)
{
	JsonbBuilder *b = ctx;
	DecimalNumber d;
	uint64		bits;
	NumberCacheEntry *e;
	uint32		off;
	int			len;

	if (isnan(value))
		return add_bytes(b, NODE_STRING, "NaN", 3);
	if (isinf(value))
		return value < 0 ? add_bytes(b, NODE_STRING, "-Infinity", 9) :
			add_bytes(b, NODE_STRING, "Infinity", 8);
	memcpy(&bits, &value, sizeof(bits));
	e = &b->numbers[((bits * UINT64CONST(0x9E3779B97F4A7C15)) >> 52 ^ is_float32) &
					(NUMBER_CACHE_SIZE - 1)];
	off = arena_reserve(b, NUMERIC_BUILD_MAX_BYTES, true);
	if (e->len > 0 && e->bits == bits && e->is_float32 == is_float32)
	{
		memcpy(b->arena + off, e->numeric, e->len);
		add_numeric_bytes(b, off, e->len);
		return HD_CONTINUE;
	}
	decimal_from_double(value, is_float32, &d);
	len = numeric_build_decimal(&d, b->arena + off);
	add_numeric_bytes(b, off, len);
	if (len <= NUMBER_CACHE_BYTES)
	{
		e->bits = bits;
		e->is_float32 = is_float32;
		e->len = (uint8) len;
		memcpy(e->numeric, b->arena + off, len);
	}
	return HD_CONTINUE;
}

/* A JSON message's number, kept exactly as written. */
static int
v_number_text(void *ctx, const char *text, size_t len, double value)
{
	JsonbBuilder *b = ctx;
	DecimalNumber d;
	Numeric		n;
	uint32		off;

	if (decimal_from_text(text, len, &d))
		return add_decimal(b, &d);
	n = DatumGetNumeric(DirectFunctionCall3(numeric_in,
											CStringGetDatum(pnstrdup(text, len)),
											ObjectIdGetDatum(InvalidOid),
											Int32GetDatum(-1)));
	off = arena_reserve(b, VARSIZE_ANY(n), true);
	memcpy(b->arena + off, n, VARSIZE_ANY(n));
	add_numeric_bytes(b, off, VARSIZE_ANY(n));
	return HD_CONTINUE;
}

static int
v_string(void *ctx, const char *value, size_t len)
{
	return add_text(ctx, value, len);
}

static int
v_bytes(void *ctx, const uint8_t *value, size_t len)
{
	JsonbBuilder *b = ctx;
	int			cap = pg_b64_enc_len((int) len);
	uint32		off = arena_reserve(b, cap, false);
	int			n = pg_b64_encode((const char *) value, (int) len, b->arena + off, cap);
	JbNode	   *node;

	if (n < 0)
		elog(ERROR, "could not encode %zu bytes as base64", len);
	b->arena_len = off + n;
	node = add_node(b, NODE_STRING);
	node->off = off;
	node->len = n;
	return HD_CONTINUE;
}

static int
v_boolean(void *ctx, bool value)
{
	add_node(ctx, value ? NODE_TRUE : NODE_FALSE);
	return HD_CONTINUE;
}

static int
v_null(void *ctx)
{
	add_node(ctx, NODE_NULL);
	return HD_CONTINUE;
}

static int
v_enumeration(void *ctx, int32_t number, const char *name)
{
	if (name == NULL)
		return v_int64(ctx, number);
	return add_text(ctx, name, strlen(name));
}

static const HdVisitor builder_visitor = {
	.begin_object = v_begin_object,
	.end_object = v_end,
	.begin_array = v_begin_array,
	.end_array = v_end,
	.field = v_field,
	.int64 = v_int64,
	.uint64 = v_uint64,
	.float64 = v_float64,
	.string = v_string,
	.bytes = v_bytes,
	.boolean = v_boolean,
	.null = v_null,
	.enumeration = v_enumeration,
	.number_text = v_number_text,
};

/* ---- writing jsonb ------------------------------------------------------------- */

static uint32 write_node(JsonbBuilder *b, uint32 index);

/*
 * Writing goes into b->out, enlarged once beforehand to what the nodes can
 * need at most (WRITE_BOUND), so the steps below do not check for room.
 */
#define WRITE_BOUND(b) (2 * VARHDRSZ + (Size) (b)->arena_len + 16 * (Size) (b)->nnodes)

static inline void
put(StringInfo out, const void *data, int len)
{
	memcpy(out->data + out->len, data, len);
	out->len += len;
}

static inline int
pad_to_int(StringInfo out)
{
	int			pad = INTALIGN(out->len) - out->len;

	for (int i = 0; i < pad; i++)
		out->data[out->len++] = 0;
	return pad;
}

static void
check_length(int64 len)
{
	if (len > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb array elements exceeds the maximum of %d bytes",
						JENTRY_OFFLENMASK)));
}

/*
 * One entry of a container: its node written, its JEntry stored at slot
 * (an offset every JB_OFFSET_STRIDE entries: position), the data so far
 * in *total.
 */
static void
write_entry(JsonbBuilder *b, uint32 index, int slot, int position, int64 *total)
{
	uint32		meta = write_node(b, index);

	*total += JBE_OFFLENFLD(meta);
	check_length(*total);
	if (position % JB_OFFSET_STRIDE == 0)
		meta = (meta & JENTRY_TYPEMASK) | (uint32) *total | JENTRY_HAS_OFF;
	memcpy(b->out.data + slot, &meta, sizeof(uint32));
}

/* A container's header and room for its JEntries; the offset of the first. */
static int
begin_write(JsonbBuilder *b, uint32 header, int nentries)
{
	int			slot;

	pad_to_int(&b->out);
	put(&b->out, &header, sizeof(uint32));
	slot = b->out.len;
	b->out.len += sizeof(JEntry) * nentries;
	return slot;
}

static uint32
end_write(JsonbBuilder *b, int base)
{
	check_length(b->out.len - base);
	return JENTRY_ISCONTAINER | (uint32) (b->out.len - base);
}

/* An array of count nodes from first (a raw scalar: one, with JB_FSCALAR). */
static uint32
write_array(JsonbBuilder *b, uint32 first, uint32 count, uint32 flags)
{
	int			base = b->out.len;
	int			slot = begin_write(b, count | JB_FARRAY | flags, count);
	int64		total = 0;
	uint32		index = first;

	for (uint32 i = 0; i < count; i++)
	{
		write_entry(b, index, slot + i * sizeof(JEntry), i, &total);
		index = b->nodes[index].end;
	}
	return end_write(b, base);
}

/* Keys by length, then bytes, then order: jsonb's order, equal keys kept in theirs. */
static int
compare_keys(const void *a, const void *c, void *arg)
{
	const JsonbBuilder *b = arg;
	const JbNode *ka = &b->nodes[*(const uint32 *) a];
	const JbNode *kc = &b->nodes[*(const uint32 *) c];
	int			r;

	if (ka->len != kc->len)
		return ka->len > kc->len ? 1 : -1;
	r = memcmp(b->arena + ka->off, b->arena + kc->off, ka->len);
	if (r != 0)
		return r;
	return *(const uint32 *) a > *(const uint32 *) c ? 1 : -1;
}

static bool
same_key(const JsonbBuilder *b, uint32 a, uint32 c)
{
	const JbNode *ka = &b->nodes[a];
	const JbNode *kc = &b->nodes[c];

	return ka->len == kc->len &&
		memcmp(b->arena + ka->off, b->arena + kc->off, ka->len) == 0;
}

/* Sort keys[0..n) (few: by insertion), keep the last of equal keys; how many stay. */
static uint32
sort_keys(JsonbBuilder *b, uint32 *keys, uint32 n)
{
	uint32		kept = 0;

	if (n > 16)
		qsort_arg(keys, n, sizeof(uint32), compare_keys, b);
	else
		for (uint32 i = 1; i < n; i++)
		{
			uint32		k = keys[i];
			uint32		j = i;

			for (; j > 0 && compare_keys(&keys[j - 1], &k, b) > 0; j--)
				keys[j] = keys[j - 1];
			keys[j] = k;
		}
	for (uint32 i = 0; i < n; i++)
	{
		if (i + 1 < n && same_key(b, keys[i], keys[i + 1]))
			continue;
		keys[kept++] = keys[i];
	}
	return kept;
}

static uint32
write_object(JsonbBuilder *b, uint32 index)
{
	uint32		count = b->nodes[index].count;
	uint32	   *keys = b->keys + b->keys_top;
	uint32		key = index + 1;
	uint32		n;
	int			base = b->out.len;
	int			slot;
	int64		total = 0;
	uint32		meta;

	for (uint32 i = 0; i < count; i++)
	{
		keys[i] = key;
		key = b->nodes[key + 1].end;
	}
	n = sort_keys(b, keys, count);
	b->keys_top += count;
	slot = begin_write(b, n | JB_FOBJECT, 2 * n);
	for (uint32 i = 0; i < n; i++)
		write_entry(b, keys[i], slot + i * sizeof(JEntry), i, &total);
	for (uint32 i = 0; i < n; i++)
		write_entry(b, keys[i] + 1, slot + (n + i) * sizeof(JEntry), n + i, &total);
	b->keys_top -= count;
	meta = end_write(b, base);
	return meta;
}

static uint32
write_node(JsonbBuilder *b, uint32 index)
{
	const JbNode *n = &b->nodes[index];
	int			pad;

	switch ((JbNodeType) n->type)
	{
		case NODE_OBJECT:
			return write_object(b, index);
		case NODE_ARRAY:
			return write_array(b, index + 1, n->count, 0);
		case NODE_STRING:
			put(&b->out, b->arena + n->off, n->len);
			return JENTRY_ISSTRING | n->len;
		case NODE_NUMERIC:
			pad = pad_to_int(&b->out);
			put(&b->out, b->arena + n->off, n->len);
			return JENTRY_ISNUMERIC | (pad + n->len);
		case NODE_TRUE:
			return JENTRY_ISBOOL_TRUE;
		case NODE_FALSE:
			return JENTRY_ISBOOL_FALSE;
		case NODE_NULL:
			return JENTRY_ISNULL;
	}
	elog(ERROR, "jsonb builder: unknown node type %u", n->type);
	return 0;
}

/* The recorded walk as a jsonb, palloc'd in the caller's context. */
static Jsonb *
write_jsonb(JsonbBuilder *b)
{
	Jsonb	   *result;

	/* the buffers grow in the builder's context (repalloc keeps theirs) */
	if (b->keys_cap < b->nnodes)
	{
		b->keys_cap = b->nnodes;
		b->keys = repalloc(b->keys, sizeof(uint32) * b->keys_cap);
	}
	b->keys_top = 0;
	resetStringInfo(&b->out);
	enlargeStringInfo(&b->out, WRITE_BOUND(b));
	b->out.len = VARHDRSZ;
	if (b->nodes[0].type == NODE_OBJECT || b->nodes[0].type == NODE_ARRAY)
		(void) write_node(b, 0);
	else
		(void) write_array(b, 0, 1, JB_FSCALAR);
	result = palloc(b->out.len);
	memcpy(result, b->out.data, b->out.len);
	SET_VARSIZE(result, b->out.len);
	return result;
}

Jsonb *
jsonb_builder_decode(JsonbBuilder *b, const HdDecoder *decoder,
					 const uint8 *msg, size_t len, HdError *error)
{
	int			rc;

	if (jsonb_reference)
		return hdaq_decode_jsonb_reference(decoder, msg, len, error);
	b->nnodes = 0;
	b->arena_len = 0;
	b->depth = 0;
	/* what the walk allocates on the way (repaired text) is the caller's */
	rc = hd_decode(decoder, msg, len, &builder_visitor, b, error);
	if (rc != HD_OK)
		return NULL;
	if (b->nnodes == 0)
	{
		error->code = HD_ERR_MALFORMED;
		error->offset = 0;
		snprintf(error->message, sizeof(error->message),
				 "the message holds no value");
		return NULL;
	}
	return write_jsonb(b);
}
