/*-------------------------------------------------------------------------
 *
 * export_mcap.c
 *	  hdaq.export_mcap(file_id, topics, start_time, end_time): a valid,
 *	  indexed MCAP file (chunks, message indexes, summary, statistics)
 *	  holding the selected messages of a stored file with their schemas
 *	  and channels (ids and metadata as in the original), the file's
 *	  Metadata records and the Attachments logged inside the time range.
 *
 *-------------------------------------------------------------------------
 */
#include "scan.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(hdaq_export_mcap);

/* Where the writer's bytes go: a palloc'd buffer that becomes the value. */
typedef struct ExportSink
{
	MemoryContext context;		/* where the value is built */
	char	   *data;			/* VARHDRSZ bytes of header, then the file */
	size_t		len;			/* bytes of file written */
	size_t		cap;
} ExportSink;

/* Called from the writer: never ereport here; report failure instead. */
static bool
sink_write(void *ctx, const uint8_t *data, size_t len)
{
	ExportSink *sink = ctx;

	if (len > MaxAllocHugeSize - VARHDRSZ - sink->len)
		return false;
	if (VARHDRSZ + sink->len + len > sink->cap)
	{
		size_t		cap = Max(sink->cap * 2, VARHDRSZ + sink->len + len);
		char	   *grown;

		grown = MemoryContextAllocExtended(sink->context, cap,
										   MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (grown == NULL)
			return false;
		memcpy(grown, sink->data, VARHDRSZ + sink->len);
		pfree(sink->data);
		sink->data = grown;
		sink->cap = cap;
	}
	memcpy(sink->data + VARHDRSZ + sink->len, data, len);
	sink->len += len;
	return true;
}

static void
check(McapStatus status, const McapError *err)
{
	if (status != MCAP_OK)
		hdaq_report_mcap_error(err, "writing the MCAP export");
}

static void
free_writer(void *w)
{
	mcap_writer_close(w);
}

static void
append_u32le(StringInfo buf, uint32 v)
{
	uint8		le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};

	appendBinaryStringInfo(buf, (char *) le, 4);
}

/*
 * A jsonb object as MCAP map bytes (entries, without the length prefix).
 * Values are strings as ingest stored them; any other value is written as
 * its JSON text.
 */
static McapStringMap
string_map_from_jsonb(Jsonb *jb, StringInfo buf)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbIteratorToken tok;
	McapStringMap map;

	resetStringInfo(buf);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *s;
		int			len;

		if (tok != WJB_KEY && tok != WJB_VALUE)
			continue;
		if (v.type == jbvString)
		{
			s = v.val.string.val;
			len = v.val.string.len;
		}
		else
		{
			s = JsonbToCString(NULL, &JsonbValueToJsonb(&v)->root, 0);
			len = strlen(s);
		}
		append_u32le(buf, (uint32) len);
		appendBinaryStringInfo(buf, s, len);
	}
	map.data = (const uint8 *) buf->data;
	map.len = buf->len;
	return map;
}

static McapString
mstr(const char *s)
{
	McapString	m = {s, (uint32) strlen(s)};

	return m;
}

/* Run a query with arguments; the rows stay in SPI_tuptable. */
static void
query(const char *sql, int nargs, Oid *types, Datum *values)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL,
										   true, 0);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "export query failed: %s", SPI_result_code_string(rc));
}

static void
write_header_options(int64 file_id, McapWriterOptions *opts)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(file_id)};

	query("SELECT profile, library FROM hdaq.file WHERE file_id = $1",
		  1, types, values);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("file %lld does not exist", (long long) file_id)));
	mcap_writer_options_init(opts);
	opts->profile = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	opts->library = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (opts->profile == NULL)
		opts->profile = "";
	if (opts->library == NULL)
		opts->library = "";
}

static void
write_schema(McapWriter *w, HeapTuple t, TupleDesc d, int32 schema_id,
			 bool *schema_written)
{
	McapSchema	s;
	McapError	err;
	bool		isnull;
	bytea	   *data;

	if (schema_id == 0 || schema_written[schema_id])
		return;
	data = DatumGetByteaPP(SPI_getbinval(t, d, 7, &isnull));
	if (isnull)
		return;					/* a schema the file referred to but lacked */
	s.id = (uint16) schema_id;
	s.name = mstr(SPI_getvalue(t, d, 5));
	s.encoding = mstr(SPI_getvalue(t, d, 6));
	s.data.data = (const uint8 *) VARDATA_ANY(data);
	s.data.len = VARSIZE_ANY_EXHDR(data);
	check(mcap_writer_add_schema(w, &s, &err), &err);
	schema_written[schema_id] = true;
}

/*
 * The schema and channel records of every channel of the file that the
 * topics select, with or without messages in the time range: an export of
 * a whole file has every channel of the original.
 */
static void
write_channels(McapWriter *w, const ScanRequest *req)
{
	Oid			types[2] = {INT8OID, TEXTARRAYOID};
	Datum		values[2];
	char		nulls[3] = "  ";
	bool	   *schema_written = palloc0(sizeof(bool) * 65536);
	StringInfoData map;
	int			rc;

	values[0] = Int64GetDatum(req->file_id);
	values[1] = req->topics ? scan_topics_array(req) : (Datum) 0;
	nulls[1] = req->topics ? ' ' : 'n';
	rc = SPI_execute_with_args("SELECT c.channel_id, c.topic, c.message_encoding, c.metadata,"
							   " s.name, s.encoding, s.data, c.schema_id"
							   " FROM hdaq.channel c LEFT JOIN hdaq.schema s USING (schema_key)"
							   " WHERE c.file_id = $1 AND ($2 IS NULL OR c.topic = ANY ($2))"
							   " ORDER BY c.channel_id", 2, types, values, nulls, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "export query failed: %s", SPI_result_code_string(rc));
	initStringInfo(&map);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		schema_id = DatumGetInt32(SPI_getbinval(t, d, 8, &isnull));
		McapChannel c;
		McapError	err;

		write_schema(w, t, d, schema_id, schema_written);
		c.id = (uint16) DatumGetInt32(SPI_getbinval(t, d, 1, &isnull));
		c.schema_id = schema_written[schema_id] ? (uint16) schema_id : 0;
		c.topic = mstr(SPI_getvalue(t, d, 2));
		c.message_encoding = mstr(SPI_getvalue(t, d, 3));
		c.metadata = string_map_from_jsonb(DatumGetJsonbP(SPI_getbinval(t, d, 4, &isnull)),
										   &map);
		check(mcap_writer_add_channel(w, &c, &err), &err);
	}
	SPI_freetuptable(SPI_tuptable);
}

static void
write_metadata(McapWriter *w, int64 file_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(file_id)};
	StringInfoData map;
	McapError	err;

	initStringInfo(&map);
	query("SELECT name, metadata FROM hdaq.metadata WHERE file_id = $1 ORDER BY ord",
		  1, types, values);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		bool		isnull;
		McapMetadata md;

		md.name = mstr(SPI_getvalue(t, SPI_tuptable->tupdesc, 1));
		md.metadata = string_map_from_jsonb(DatumGetJsonbP(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull)),
											&map);
		check(mcap_writer_add_metadata(w, &md, &err), &err);
	}
	SPI_freetuptable(SPI_tuptable);
}

static void
write_attachments(McapWriter *w, int64 file_id, const ScanRequest *req)
{
	Oid			types[3] = {INT8OID, INT8OID, INT8OID};
	Datum		values[3] = {Int64GetDatum(file_id), Int64GetDatum(req->start_ns),
	Int64GetDatum(req->end_ns)};
	McapError	err;

	query("SELECT name, media_type, log_time_ns, create_time_ns, data"
		  " FROM hdaq.attachment WHERE file_id = $1"
		  " AND log_time_ns BETWEEN $2 AND $3 ORDER BY ord", 3, types, values);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;
		bytea	   *data = DatumGetByteaPP(SPI_getbinval(t, d, 5, &isnull));
		McapAttachment a;

		a.name = mstr(SPI_getvalue(t, d, 1));
		a.media_type = mstr(SPI_getvalue(t, d, 2));
		a.log_time = (uint64) DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
		a.create_time = (uint64) DatumGetInt64(SPI_getbinval(t, d, 4, &isnull));
		a.data.data = (const uint8 *) VARDATA_ANY(data);
		a.data.len = VARSIZE_ANY_EXHDR(data);
		a.crc = 0;
		check(mcap_writer_add_attachment(w, &a, &err), &err);
	}
	SPI_freetuptable(SPI_tuptable);
}

Datum
hdaq_export_mcap(PG_FUNCTION_ARGS)
{
	ScanRequest req;
	McapWriterOptions opts;
	McapWriter *w;
	MessageScan *scan;
	ExportSink *sink;
	McapError	err;
	const ScanChannel *ch;
	McapMessage msg;
	MemoryContext caller = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("file_id must not be null")));
	scan_request_from_args(fcinfo, 1, 2, &req);
	req.has_file_id = true;
	req.file_id = PG_GETARG_INT64(0);

	sink = MemoryContextAllocZero(caller, sizeof(ExportSink));
	sink->context = caller;
	sink->cap = 64 * 1024;
	sink->data = MemoryContextAlloc(caller, sink->cap);

	SPI_connect();
	write_header_options(req.file_id, &opts);
	w = mcap_writer_open(sink_write, sink, &opts, &err);
	if (w == NULL)
		hdaq_report_mcap_error(&err, "writing the MCAP export");
	hdaq_free_with_context(w, free_writer);

	write_channels(w, &req);
	write_metadata(w, req.file_id);
	write_attachments(w, req.file_id, &req);

	scan = scan_begin(&req);
	while (scan_next(scan, &ch, &msg))
	{
		CHECK_FOR_INTERRUPTS();
		msg.channel_id = (uint16) ch->channel_id;
		check(mcap_writer_add_message(w, &msg, &err), &err);
	}
	check(mcap_writer_finish(w, &err), &err);
	SPI_finish();

	SET_VARSIZE(sink->data, VARHDRSZ + sink->len);
	PG_RETURN_POINTER(sink->data);
}
