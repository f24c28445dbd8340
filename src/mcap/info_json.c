/*-------------------------------------------------------------------------
 *
 * info_json.c
 *	  An McapInfo as JSON text: what hdaq.info() returns and `hdaq info
 *	  --json` prints; and a recovery as JSON, which ingest also stores.
 *
 * A visitor of the info's walk (info_walk.c) that writes compact JSON with
 * ", " between members and ": " after names.  Strings are the file's bytes
 * made valid JSON by mcap_json_string (\ufffd for each bad byte and NUL).
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <string.h>

#define MAX_NESTING 16			/* the info nests 4 deep */

/* The JSON text being written, and where in its containers it is. */
typedef struct JsonOut
{
	McapBuffer *out;
	int			depth;
	bool		first[MAX_NESTING]; /* nothing written yet in the container */
	bool		after_key;		/* a member name was written: its value next */
} JsonOut;

/* What comes before a value: nothing after a name, else a separator. */
static void
before_value(JsonOut *j)
{
	if (j->after_key)
		j->after_key = false;
	else if (!j->first[j->depth])
		mcap_json_raw(j->out, ", ");
	j->first[j->depth] = false;
}

static void
open_container(JsonOut *j, const char *bracket)
{
	before_value(j);
	mcap_json_raw(j->out, bracket);
	if (j->depth + 1 < MAX_NESTING)
		j->depth++;
	j->first[j->depth] = true;
}

static void
close_container(JsonOut *j, const char *bracket)
{
	mcap_json_raw(j->out, bracket);
	if (j->depth > 0)
		j->depth--;
}

static void
json_begin_object(void *ctx)
{
	open_container(ctx, "{");
}

static void
json_end_object(void *ctx)
{
	close_container(ctx, "}");
}

static void
json_begin_array(void *ctx)
{
	open_container(ctx, "[");
}

static void
json_end_array(void *ctx)
{
	close_container(ctx, "]");
}

static void
json_key(void *ctx, const char *data, size_t len)
{
	JsonOut    *j = ctx;

	before_value(j);
	mcap_json_string(j->out, data, len);
	mcap_json_raw(j->out, ": ");
	j->after_key = true;
}

static void
json_string(void *ctx, const char *data, size_t len)
{
	JsonOut    *j = ctx;

	before_value(j);
	mcap_json_string(j->out, data, len);
}

static void
json_number(void *ctx, const char *text)
{
	JsonOut    *j = ctx;

	before_value(j);
	mcap_json_raw(j->out, text);
}

static void
json_boolean(void *ctx, bool value)
{
	JsonOut    *j = ctx;

	before_value(j);
	mcap_json_raw(j->out, value ? "true" : "false");
}

static void
json_null(void *ctx)
{
	JsonOut    *j = ctx;

	before_value(j);
	mcap_json_raw(j->out, "null");
}

static const McapInfoVisitor json_visitor = {
	.begin_object = json_begin_object,
	.end_object = json_end_object,
	.begin_array = json_begin_array,
	.end_array = json_end_array,
	.key = json_key,
	.string = json_string,
	.number = json_number,
	.boolean = json_boolean,
	.null = json_null,
};

static void
json_out_init(JsonOut *j, McapBuffer *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = true;
}

/* ----------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------
 */
void
mcap_recovery_json(const McapRecovery *rec, McapBuffer *out)
{
	JsonOut		j;

	json_out_init(&j, out);
	mcap_recovery_walk(rec, &json_visitor, &j);
}

void
mcap_info_to_json(const McapInfo *info, McapBuffer *out)
{
	JsonOut		j;

	json_out_init(&j, out);
	mcap_info_walk(info, &json_visitor, &j);
}

McapStatus
mcap_info_json(McapReader *reader, McapBuffer *out, McapError *err)
{
	McapInfo   *info;
	McapError	e;

	if (reader == NULL || out == NULL)
		return mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
							  "reader or output buffer is NULL");
	if ((info = mcap_info_read(reader, &e)) == NULL)
	{
		if (err != NULL)
			*err = e;
		return e.code;
	}
	mcap_info_to_json(info, out);
	mcap_info_free(info);
	if (out->failed)
		return mcap_error_set(err, MCAP_ERR_NOMEM, 0,
							  "cannot allocate the info text");
	return MCAP_OK;
}
