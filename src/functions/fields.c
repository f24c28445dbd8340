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
 * by file).  max_length, for a leaf inside an array, is the most elements
 * that array (the innermost on the path) has in any message of the topic
 * in the chosen file: it reads every message of the topic, so it is
 * computed only when a file_id is given (NULL otherwise, and for the
 * values of maps).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/array_lengths.h"
#include "engine/decoded_scan.h"
#include "engine/decoders.h"
#include "engine/request.h"
#include "store/store.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(hdaq_fields);

#define FIELDS_COLUMNS 6

/* A leaf as hd_fields gave it, kept until the lengths are known. */
typedef struct FieldRow
{
	char	   *path;
	char	   *type;
	bool		numeric;
	bool		repeated;
	Datum		enum_names;		/* (Datum) 0: none */
} FieldRow;

typedef struct FieldsSink
{
	List	   *rows;			/* FieldRows, in schema order */
	bool		any_repeated;
} FieldsSink;

static bool
seen_path(List *rows, const char *path)
{
	ListCell   *lc;

	foreach(lc, rows)
		if (strcmp(((const FieldRow *) lfirst(lc))->path, path) == 0)
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

/* Keep a leaf not listed yet. */
static bool
keep_field(void *ctx, const HdField *f)
{
	FieldsSink *sink = ctx;
	FieldRow   *row;

	if (seen_path(sink->rows, f->path))
		return true;
	row = palloc(sizeof(FieldRow));
	row->path = pstrdup(f->path);
	row->type = pstrdup(f->type);
	row->numeric = f->numeric;
	row->repeated = f->repeated;
	row->enum_names = f->nenum > 0 ? enum_names_datum(f) : (Datum) 0;
	sink->rows = lappend(sink->rows, row);
	sink->any_repeated |= f->repeated;
	return true;
}

/*
 * The longest length of each array in the messages the request selects
 * (decoding each in full; one that cannot be decoded is counted and
 * reported in a NOTICE, not an error).
 */
static HTAB *
array_lengths(const ScanRequest *req)
{
	HTAB	   *lengths = array_lengths_create();
	DecodedScan *ds;
	DecodedMessage m;

	ds = decoded_scan_begin(scan_begin(req), true);
	while (decoded_scan_next(ds, &m))
	{
		HdError		err;

		if (array_lengths_add(lengths, m.decoder, m.msg.data.data,
							  m.msg.data.len, &err) != HD_OK)
			decoded_scan_failed(ds, &m, err.message);
	}
	decoded_scan_end(ds);
	return lengths;
}

/*
 * The longest length of the innermost array on a leaf's path: the path up
 * to its last "[0]"; false when none was seen.
 */
static bool
leaf_max_length(HTAB *lengths, const char *path, int64 *max_length)
{
	const char *last = NULL;

	for (const char *p = strstr(path, "[0]"); p; p = strstr(p + 1, "[0]"))
		last = p;
	return last != NULL &&
		array_lengths_find(lengths, path, last - path, max_length);
}

/* One row: path, type, numeric, repeated, max_length, enum_names */
static void
put_row(ReturnSetInfo *rsinfo, const FieldRow *row, HTAB *lengths)
{
	Datum		values[FIELDS_COLUMNS];
	bool		nulls[FIELDS_COLUMNS] = {0};
	int64		max_length = 0;

	values[0] = CStringGetTextDatum(row->path);
	values[1] = CStringGetTextDatum(row->type);
	values[2] = BoolGetDatum(row->numeric);
	values[3] = BoolGetDatum(row->repeated);
	nulls[4] = !(row->repeated && lengths &&
				 leaf_max_length(lengths, row->path, &max_length));
	values[4] = Int32GetDatum((int32) Min(max_length, PG_INT32_MAX));
	values[5] = row->enum_names;
	nulls[5] = row->enum_names == (Datum) 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
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
	if (hd_fields(decoder, keep_field, sink, &err) != HD_OK)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("cannot list the fields of topic \"%s\": %s",
						ch->topic, err.message)));
}

Datum
hdaq_fields(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ScanRequest req = {0};
	FieldsSink	sink = {0};
	StoredChannel *chans;
	int			nchans;
	char	   *topic;
	HTAB	   *lengths = NULL;
	ListCell   *lc;

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

	SPI_connect();
	request_check(&req);
	chans = store_find_channels(&req, &nchans);
	for (int i = 0; i < nchans; i++)
		if (!same_schema_before(chans, i))
			list_channel_fields(&chans[i], &sink);
	if (sink.any_repeated && req.has_file_id)
		lengths = array_lengths(&req);
	/* the rows live in SPI's memory: put them out before it goes */
	foreach(lc, sink.rows)
		put_row(rsinfo, lfirst(lc), lengths);
	SPI_finish();
	if (sink.rows == NIL)
		ereport(NOTICE,
				(errmsg("the schema of topic \"%s\" does not list its fields", topic),
				 errdetail("Its messages are JSON without a schema, or of a schema without fields."),
				 errhint("SELECT message FROM hdaq.messages_json(ARRAY['%s']) LIMIT 1 shows the members its messages have.",
						 topic)));
	return (Datum) 0;
}
