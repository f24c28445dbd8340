/*-------------------------------------------------------------------------
 *
 * fields.c
 *	  Entry point of hdaq.fields(topic, file_id): the leaves of a topic's
 *	  schema, one row per path a signal can be read from: (path, type,
 *	  numeric, repeated, max_length, enum_names).  The leaves come from the
 *	  decoders' schema introspection (src/decode/fields.c), so each path
 *	  is usable by hdaq.signal as written.
 *
 * The topic's channels in the chosen file (or in every file) are found as
 * a scan finds them; each distinct schema among them is listed once, and
 * a path that several schemas share is listed once (the first schema's,
 * by file).  max_length is NULL: it is not computed from the data.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/decoders.h"
#include "engine/request.h"
#include "store/store.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_fields);

#define FIELDS_COLUMNS 6

typedef struct FieldsSink
{
	ReturnSetInfo *rsinfo;
	List	   *seen;			/* paths already returned */
} FieldsSink;

static bool
seen_path(List *seen, const char *path)
{
	ListCell   *lc;

	foreach(lc, seen)
		if (strcmp((const char *) lfirst(lc), path) == 0)
			return true;
	return false;
}

static Datum
enum_names_datum(const HdField *f)
{
	Datum	   *elems = palloc(sizeof(Datum) * f->nenum);

	for (int i = 0; i < f->nenum; i++)
		elems[i] = CStringGetTextDatum(f->enum_names[i]);
	return PointerGetDatum(construct_array(elems, f->nenum, TEXTOID, -1,
										   false, TYPALIGN_INT));
}

/* One row: path, type, numeric, repeated, max_length, enum_names */
static bool
put_field(void *ctx, const HdField *f)
{
	FieldsSink *sink = ctx;
	Datum		values[FIELDS_COLUMNS];
	bool		nulls[FIELDS_COLUMNS] = {0};

	if (seen_path(sink->seen, f->path))
		return true;
	sink->seen = lappend(sink->seen, pstrdup(f->path));
	values[0] = CStringGetTextDatum(f->path);
	values[1] = CStringGetTextDatum(f->type);
	values[2] = BoolGetDatum(f->numeric);
	values[3] = BoolGetDatum(f->repeated);
	nulls[4] = true;			/* max_length: not computed from the data */
	if (f->nenum > 0)
		values[5] = enum_names_datum(f);
	else
		nulls[5] = true;
	tuplestore_putvalues(sink->rsinfo->setResult, sink->rsinfo->setDesc,
						 values, nulls);
	return true;
}

/* Whether an earlier channel has the same schema and encoding. */
static bool
same_schema_before(const StoredChannel *chans, int i)
{
	for (int j = 0; j < i; j++)
		if (chans[j].has_schema == chans[i].has_schema &&
			chans[j].schema_key == chans[i].schema_key &&
			strcmp(chans[j].message_encoding, chans[i].message_encoding) == 0)
			return true;
	return false;
}

static void
list_channel_fields(const StoredChannel *ch, FieldsSink *sink)
{
	const char *error;
	const HdDecoder *decoder = hdaq_get_decoder(ch->has_schema, ch->schema_key,
												ch->message_encoding, &error);
	HdError		err;

	if (decoder == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot decode topic \"%s\" of file %lld: %s",
						ch->topic, (long long) ch->file_id, error)));
	if (hd_fields(decoder, put_field, sink, &err) != HD_OK)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("cannot list the fields of topic \"%s\": %s",
						ch->topic, err.message)));
}

Datum
hdaq_fields(PG_FUNCTION_ARGS)
{
	ScanRequest req = {0};
	FieldsSink	sink = {0};
	StoredChannel *chans;
	int			nchans;
	char	   *topic;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("topic must not be null"),
				 errhint("SELECT DISTINCT topic FROM hdaq.topics lists the topics.")));
	topic = text_to_cstring(PG_GETARG_TEXT_PP(0));
	req.topics = &topic;
	req.ntopics = 1;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;
	req.has_file_id = PG_NARGS() > 1 && !PG_ARGISNULL(1);
	if (req.has_file_id)
		req.file_id = PG_GETARG_INT64(1);
	sink.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	SPI_connect();
	request_check(&req);
	chans = store_find_channels(&req, &nchans);
	for (int i = 0; i < nchans; i++)
		if (!same_schema_before(chans, i))
			list_channel_fields(&chans[i], &sink);
	SPI_finish();
	if (sink.seen == NIL)
		ereport(NOTICE,
				(errmsg("the schema of topic \"%s\" does not list its fields", topic),
				 errdetail("Its messages are JSON without a schema, or of a schema without fields."),
				 errhint("SELECT message FROM hdaq.messages_json(ARRAY['%s']) LIMIT 1 shows the members its messages have.",
						 topic)));
	return (Datum) 0;
}
