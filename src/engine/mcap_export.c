/*-------------------------------------------------------------------------
 *
 * mcap_export.c
 *	  Engine: the MCAP file hdaq.export_mcap returns, valid and indexed
 *	  (chunks, message indexes, summary, statistics), holding the selected
 *	  messages of a stored file with their schemas and channels (ids and
 *	  metadata as in the original), the file's Metadata records and the
 *	  Attachments logged inside the time range.  The records come from the
 *	  store, the messages from the scan, and the core's writer writes them
 *	  into a value built in place.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mcap_export.h"

#include "engine/request.h"
#include "engine/scan.h"
#include "store/store.h"

#include "miscadmin.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

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

static void
write_header_options(int64 file_id, McapWriterOptions *opts)
{
	char	   *profile;
	char	   *library;

	store_read_file_header(file_id, &profile, &library);
	mcap_writer_options_init(opts);
	opts->profile = profile;
	opts->library = library;
}

static void
write_schema(McapWriter *w, const StoredChannelRecord *rec,
			 bool *schema_written)
{
	McapSchema	s;
	McapError	err;

	if (rec->schema_id == 0 || schema_written[rec->schema_id])
		return;
	if (!rec->has_schema)
		return;					/* a schema the file referred to but lacked */
	s.id = (uint16) rec->schema_id;
	s.name = mstr(rec->schema_name);
	s.encoding = mstr(rec->schema_encoding);
	s.data.data = (const uint8 *) VARDATA_ANY(rec->schema_data);
	s.data.len = VARSIZE_ANY_EXHDR(rec->schema_data);
	check(mcap_writer_add_schema(w, &s, &err), &err);
	schema_written[rec->schema_id] = true;
}

/*
 * The schema and channel records of every channel of the file that the
 * topics select, with or without messages in the time range: an export of
 * a whole file has every channel of the original.
 */
static void
write_channels(McapWriter *w, const ScanRequest *req)
{
	bool	   *schema_written = palloc0(sizeof(bool) * 65536);
	StringInfoData map;
	int			n;
	StoredChannelRecord *recs = store_read_channel_records(req->file_id, req,
														   &n);

	initStringInfo(&map);
	for (int i = 0; i < n; i++)
	{
		McapChannel c;
		McapError	err;

		write_schema(w, &recs[i], schema_written);
		c.id = (uint16) recs[i].channel_id;
		c.schema_id = schema_written[recs[i].schema_id] ? (uint16) recs[i].schema_id : 0;
		c.topic = mstr(recs[i].topic);
		c.message_encoding = mstr(recs[i].message_encoding);
		c.metadata = string_map_from_jsonb(recs[i].metadata, &map);
		check(mcap_writer_add_channel(w, &c, &err), &err);
	}
}

static void
write_metadata(McapWriter *w, int64 file_id)
{
	StringInfoData map;
	McapError	err;
	int			n;
	StoredMetadata *records = store_read_metadata(file_id, &n);

	initStringInfo(&map);
	for (int i = 0; i < n; i++)
	{
		McapMetadata md;

		md.name = mstr(records[i].name);
		md.metadata = string_map_from_jsonb(records[i].metadata, &map);
		check(mcap_writer_add_metadata(w, &md, &err), &err);
	}
}

static void
write_attachments(McapWriter *w, const ScanRequest *req)
{
	McapError	err;
	int			n;
	StoredAttachment *atts = store_read_attachments(req->file_id,
													req->start_ns,
													req->end_ns, &n);

	for (int i = 0; i < n; i++)
	{
		McapAttachment a;

		a.name = mstr(atts[i].name);
		a.media_type = mstr(atts[i].media_type);
		a.log_time = (uint64) atts[i].log_time_ns;
		a.create_time = (uint64) atts[i].create_time_ns;
		a.data.data = (const uint8 *) VARDATA_ANY(atts[i].data);
		a.data.len = VARSIZE_ANY_EXHDR(atts[i].data);
		a.crc = 0;
		check(mcap_writer_add_attachment(w, &a, &err), &err);
	}
}

/*
 * The selected messages, in log-time order, under their original channel
 * ids; returns how many.
 */
static int64
write_messages(McapWriter *w, const ScanRequest *req)
{
	MessageScan *scan = scan_begin(req);
	const ScanChannel *ch;
	McapMessage msg;
	McapError	err;
	int64		n = 0;

	while (scan_next(scan, &ch, &msg))
	{
		CHECK_FOR_INTERRUPTS();
		msg.channel_id = (uint16) ch->channel_id;
		check(mcap_writer_add_message(w, &msg, &err), &err);
		n++;
	}
	return n;
}

/* An empty value of 64 kB to start from, in context. */
static ExportSink *
sink_create(MemoryContext context)
{
	ExportSink *sink = MemoryContextAllocZero(context, sizeof(ExportSink));

	sink->context = context;
	sink->cap = 64 * 1024;
	sink->data = MemoryContextAlloc(context, sink->cap);
	return sink;
}

bytea *
mcap_export_selection(const ScanRequest *req, MemoryContext result_context)
{
	ExportSink *sink = sink_create(result_context);
	McapWriterOptions opts;
	McapWriter *w;
	McapError	err;

	write_header_options(req->file_id, &opts);
	w = mcap_writer_open(sink_write, sink, &opts, &err);
	if (w == NULL)
		hdaq_report_mcap_error(&err, "writing the MCAP export");
	hdaq_free_with_context(w, free_writer);

	write_channels(w, req);
	write_metadata(w, req->file_id);
	write_attachments(w, req);
	if (write_messages(w, req) == 0)
		request_notice_empty(req, "the MCAP export");
	check(mcap_writer_finish(w, &err), &err);

	SET_VARSIZE(sink->data, VARHDRSZ + sink->len);
	return (bytea *) sink->data;
}
