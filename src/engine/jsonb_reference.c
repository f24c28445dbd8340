/*-------------------------------------------------------------------------
 *
 * jsonb_reference.c
 *	  Engine: the reference jsonb of a message, built through PostgreSQL's
 *	  own jsonb construction (pushJsonbValue) and numeric_in, to check the
 *	  direct builder (decode_jsonb.c) against, message by message, with
 *	  hdaq.jsonb_reference on.  The JSON rules of the design: integers
 *	  exact (64-bit included), float32 printed by its shortest round-trip
 *	  text, NaN and infinities as the strings "NaN", "Infinity",
 *	  "-Infinity", bytes as base64, enums by name (by number when the value
 *	  is not declared), strings repaired to valid UTF-8.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/decoders.h"

#include <math.h>

#include "common/base64.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

typedef struct JsonbBuild
{
	JsonbParseState *state;
	JsonbValue *result;
	int			depth;
	bool		in_array[HD_MAX_DEPTH + 2];
} JsonbBuild;

/* Push a scalar where the walk is: an array element, a member's value, or the whole document. */
static int
push_scalar(JsonbBuild *b, JsonbValue *v)
{
	if (b->depth == 0)
	{
		JsonbValue	wrapper;

		wrapper.type = jbvArray;
		wrapper.val.array.rawScalar = true;
		wrapper.val.array.nElems = 1;
		pushJsonbValue(&b->state, WJB_BEGIN_ARRAY, &wrapper);
		pushJsonbValue(&b->state, WJB_ELEM, v);
		b->result = pushJsonbValue(&b->state, WJB_END_ARRAY, NULL);
	}
	else
		pushJsonbValue(&b->state, b->in_array[b->depth] ? WJB_ELEM : WJB_VALUE, v);
	return HD_CONTINUE;
}

static int
push_text(JsonbBuild *b, const char *s, size_t len)
{
	JsonbValue	v;
	char	   *text = hdaq_cstring_from_bytes(s, len);

	v.type = jbvString;
	v.val.string.val = text;
	v.val.string.len = strlen(text);
	return push_scalar(b, &v);
}

static int
push_numeric(JsonbBuild *b, Numeric n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = n;
	return push_scalar(b, &v);
}

static Numeric
numeric_from_text(const char *text)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

static int
begin_container(JsonbBuild *b, JsonbIteratorToken token, bool array)
{
	b->result = pushJsonbValue(&b->state, token, NULL);
	b->depth++;
	b->in_array[b->depth] = array;
	return HD_CONTINUE;
}

static int
end_container(JsonbBuild *b, JsonbIteratorToken token)
{
	b->result = pushJsonbValue(&b->state, token, NULL);
	b->depth--;
	return HD_CONTINUE;
}

static int
v_begin_object(void *ctx)
{
	return begin_container(ctx, WJB_BEGIN_OBJECT, false);
}

static int
v_end_object(void *ctx)
{
	return end_container(ctx, WJB_END_OBJECT);
}

static int
v_begin_array(void *ctx, int64_t count)
{
	return begin_container(ctx, WJB_BEGIN_ARRAY, true);
}

static int
v_end_array(void *ctx)
{
	return end_container(ctx, WJB_END_ARRAY);
}

static int
v_field(void *ctx, const char *name, size_t len)
{
	JsonbBuild *b = ctx;
	JsonbValue	v;
	char	   *text = hdaq_cstring_from_bytes(name, len);

	v.type = jbvString;
	v.val.string.val = text;
	v.val.string.len = strlen(text);
	pushJsonbValue(&b->state, WJB_KEY, &v);
	return HD_CONTINUE;
}

static int
v_int64(void *ctx, int64_t value)
{
	return push_numeric(ctx, int64_to_numeric(value));
}

static int
v_uint64(void *ctx, uint64_t value)
{
	char		text[32];

	if (value <= (uint64_t) PG_INT64_MAX)
		return push_numeric(ctx, int64_to_numeric((int64) value));
	snprintf(text, sizeof(text), UINT64_FORMAT, value);
	return push_numeric(ctx, numeric_from_text(text));
}

static int
v_float64(void *ctx, double value, bool is_float32)
{
	char		text[HD_NUMBER_TEXT_SIZE];
	size_t		len = hd_format_double(text, value, is_float32);

	if (!isfinite(value))
		return push_text(ctx, text, len);
	return push_numeric(ctx, numeric_from_text(text));
}

/* A JSON message's number, kept exactly as written. */
static int
v_number_text(void *ctx, const char *text, size_t len, double value)
{
	return push_numeric(ctx, numeric_from_text(pnstrdup(text, len)));
}

static int
v_string(void *ctx, const char *value, size_t len)
{
	return push_text(ctx, value, len);
}

static int
v_bytes(void *ctx, const uint8_t *value, size_t len)
{
	JsonbValue	v;
	int			cap = pg_b64_enc_len((int) len) + 1;
	char	   *text = palloc(cap);
	int			n = pg_b64_encode((const char *) value, (int) len, text, cap);

	if (n < 0)
		elog(ERROR, "could not encode %zu bytes as base64", len);
	v.type = jbvString;
	v.val.string.val = text;
	v.val.string.len = n;
	return push_scalar(ctx, &v);
}

static int
v_boolean(void *ctx, bool value)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = value;
	return push_scalar(ctx, &v);
}

static int
v_null(void *ctx)
{
	JsonbValue	v;

	v.type = jbvNull;
	return push_scalar(ctx, &v);
}

static int
v_enumeration(void *ctx, int32_t number, const char *name)
{
	if (name == NULL)
		return push_numeric(ctx, int64_to_numeric(number));
	return push_text(ctx, name, strlen(name));
}

static const HdVisitor jsonb_visitor = {
	.begin_object = v_begin_object,
	.end_object = v_end_object,
	.begin_array = v_begin_array,
	.end_array = v_end_array,
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

Jsonb *
hdaq_decode_jsonb_reference(const HdDecoder *decoder, const uint8 *msg, size_t len,
				  HdError *error)
{
	JsonbBuild	b;

	memset(&b, 0, sizeof(b));
	if (hd_decode(decoder, msg, len, &jsonb_visitor, &b, error) != HD_OK)
		return NULL;
	if (b.result == NULL)
	{
		error->code = HD_ERR_MALFORMED;
		error->offset = 0;
		snprintf(error->message, sizeof(error->message),
				 "the message holds no value");
		return NULL;
	}
	return JsonbValueToJsonb(b.result);
}
