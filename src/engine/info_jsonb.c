/*-------------------------------------------------------------------------
 *
 * info_jsonb.c
 *	  Engine: what hdaq.info returns and what hdaq.file.recovery holds,
 *	  built as jsonb straight from the structures the MCAP core fills,
 *	  through the core's walk of them (no JSON text parsed back).  Text
 *	  is made valid UTF-8 on the way, each bad byte and NUL becoming
 *	  U+FFFD, as the core's JSON text writes them.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/info_jsonb.h"

#include "hd_utf8.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

/* Deeper than the info's shape ever goes. */
#define INFO_MAX_DEPTH 32

typedef struct JsonbBuild
{
	JsonbParseState *state;
	JsonbValue *result;
	int			depth;
	bool		in_array[INFO_MAX_DEPTH];
} JsonbBuild;

/* A value goes in as an array element or as the value of a key. */
static void
push_value(JsonbBuild *b, JsonbValue *v)
{
	b->result = pushJsonbValue(&b->state,
							   b->depth > 0 && b->in_array[b->depth - 1] ?
							   WJB_ELEM : WJB_VALUE, v);
}

static void
push_open(JsonbBuild *b, JsonbIteratorToken token, bool array)
{
	if (b->depth >= INFO_MAX_DEPTH)
		elog(ERROR, "info nested deeper than %d levels", INFO_MAX_DEPTH);
	b->in_array[b->depth++] = array;
	b->result = pushJsonbValue(&b->state, token, NULL);
}

static void
push_close(JsonbBuild *b, JsonbIteratorToken token)
{
	b->depth--;
	b->result = pushJsonbValue(&b->state, token, NULL);
}

static void
v_begin_object(void *ctx)
{
	push_open(ctx, WJB_BEGIN_OBJECT, false);
}

static void
v_end_object(void *ctx)
{
	push_close(ctx, WJB_END_OBJECT);
}

static void
v_begin_array(void *ctx)
{
	push_open(ctx, WJB_BEGIN_ARRAY, true);
}

static void
v_end_array(void *ctx)
{
	push_close(ctx, WJB_END_ARRAY);
}

static void
make_string(JsonbValue *v, const char *data, size_t len)
{
	char	   *text = palloc(3 * len + 1);

	v->type = jbvString;
	v->val.string.len = (int) hd_utf8_repair(text, data, len, true);
	v->val.string.val = text;
}

static void
v_key(void *ctx, const char *data, size_t len)
{
	JsonbBuild *b = ctx;
	JsonbValue	v;

	make_string(&v, data, len);
	b->result = pushJsonbValue(&b->state, WJB_KEY, &v);
}

static void
v_string(void *ctx, const char *data, size_t len)
{
	JsonbValue	v;

	make_string(&v, data, len);
	push_value(ctx, &v);
}

static void
v_number(void *ctx, const char *text)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
														CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
	push_value(ctx, &v);
}

static void
v_boolean(void *ctx, bool value)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = value;
	push_value(ctx, &v);
}

static void
v_null(void *ctx)
{
	JsonbValue	v;

	v.type = jbvNull;
	push_value(ctx, &v);
}

static const McapInfoVisitor jsonb_info_visitor = {
	.begin_object = v_begin_object,
	.end_object = v_end_object,
	.begin_array = v_begin_array,
	.end_array = v_end_array,
	.key = v_key,
	.string = v_string,
	.number = v_number,
	.boolean = v_boolean,
	.null = v_null,
};

Jsonb *
info_to_jsonb(const McapInfo *info)
{
	JsonbBuild	b = {0};

	mcap_info_walk(info, &jsonb_info_visitor, &b);
	return JsonbValueToJsonb(b.result);
}

Jsonb *
recovery_to_jsonb(const McapRecovery *rec)
{
	JsonbBuild	b = {0};

	mcap_recovery_walk(rec, &jsonb_info_visitor, &b);
	return JsonbValueToJsonb(b.result);
}
