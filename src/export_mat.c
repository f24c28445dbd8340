/*-------------------------------------------------------------------------
 *
 * export_mat.c
 *	  hdaq.export_mat(file_id, topics, start_time, end_time, format, layout):
 *	  the selected messages of a stored file as a MATLAB file, one struct
 *	  variable per topic (src/mat/mattopic.c says how messages become
 *	  structs) and a variable hdaq_info describing the export.
 *
 * Each topic is read twice through the scan: the first pass learns its
 * field tree and sizes, the second fills the columns.  Topics are done one
 * at a time, so memory holds one topic: the whole variable for v5 and v7
 * (MAT 5 writes a variable at once), a batch of MAT_BATCH_ROWS rows per
 * column for v7.3.  The time origin is the first exported message's log
 * time.
 *
 * Also here: the output file shared with query_to_mat.c, in the server's
 * temporary directory and removed on success, error and cancel.
 *
 *-------------------------------------------------------------------------
 */
#include "export_mat.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/pg_tablespace_d.h"
#include "catalog/pg_type.h"
#include "commands/tablespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "decode_scan.h"
#include "mattopic.h"

PG_FUNCTION_INFO_V1(hdaq_export_mat);

/* ---- the output file --------------------------------------------------------- */

MbFormat
mat_format_arg(FunctionCallInfo fcinfo, int arg)
{
	MbFormat	format = MB_FORMAT_V7;
	char	   *name;

	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
		return format;
	name = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	if (!mb_parse_format(name, &format))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid MAT format \"%s\"", name),
				 errhint("Use 'v7' (the default, compressed), 'v5' (uncompressed) or 'v7.3' (HDF5, no size limit).")));
	return format;
}

const char *
mat_format_name(MbFormat format)
{
	switch (format)
	{
		case MB_FORMAT_V5:
			return "v5";
		case MB_FORMAT_V7:
			return "v7";
		case MB_FORMAT_V73:
			return "v7.3";
	}
	return "?";
}

void
mat_report(const MbError *err, const char *what)
{
	ereport(ERROR,
			(errcode(strcmp(err->message, "out of memory") == 0 ?
					 ERRCODE_OUT_OF_MEMORY : ERRCODE_IO_ERROR),
			 errmsg("%s: %s", what, err->message)));
	pg_unreachable();
}

char *
mat_size_text(uint64 bytes)
{
	if (bytes >= (uint64) 1024 * 1024 * 1024)
		return psprintf("%.1f GB", bytes / (1024.0 * 1024 * 1024));
	return psprintf("%.1f MB", bytes / (1024.0 * 1024));
}

/* Reset callback: close and remove a file that was not finished. */
static void
discard_output(void *arg)
{
	MatOutput  *out = arg;

	if (out->file != NULL)
		mb_discard(out->file);
	out->file = NULL;
	if (!out->removed)
		unlink(out->path);
	out->removed = true;
}

/* The directory of temporary files (temp_tablespaces, or the default). */
static void
temp_directory(char *path)
{
	Oid			tablespace;

	PrepareTempTablespaces();
	tablespace = GetNextTempTableSpace();
	TempTablespacePath(path, OidIsValid(tablespace) ? tablespace : DEFAULTTABLESPACE_OID);
	if (MakePGDirectory(path) < 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", path)));
}

MatOutput *
mat_output_create(MbFormat format)
{
	static uint32 counter;
	MatOutput  *out = palloc0(sizeof(MatOutput));
	char		dir[MAXPGPATH];
	MbError		err;

	temp_directory(dir);
	/* the prefix lets the server remove it at restart after a crash */
	out->path = psprintf("%s/%s%d.hdaq_mat.%u", dir, PG_TEMP_FILE_PREFIX,
						 MyProcPid, counter++);
	out->removed = true;
	out->cb.func = discard_output;
	out->cb.arg = out;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &out->cb);
	out->removed = false;
	out->file = mb_create(out->path, format, &err);
	if (out->file == NULL)
		mat_report(&err, "cannot create a temporary MAT file");
	return out;
}

/* Read the finished file into a bytea. */
static bytea *
read_output(const char *path)
{
	struct stat st;
	bytea	   *result;
	size_t		done = 0;
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);

	if (fd < 0 || fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the MAT file \"%s\": %m", path)));
	if ((uint64) st.st_size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the MAT file is %s, more than a bytea value can hold (1 GB)",
						mat_size_text((uint64) st.st_size)),
				 errhint("Export fewer topics or a shorter time range.")));
	result = palloc(VARHDRSZ + st.st_size);
	while (done < (size_t) st.st_size)
	{
		ssize_t		n = read(fd, VARDATA(result) + done, st.st_size - done);

		CHECK_FOR_INTERRUPTS();
		if (n <= 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read the MAT file \"%s\": %m", path)));
		done += n;
	}
	CloseTransientFile(fd);
	SET_VARSIZE(result, VARHDRSZ + st.st_size);
	return result;
}

bytea *
mat_output_finish(MatOutput *out)
{
	MbError		err;
	MbFile	   *file = out->file;
	bytea	   *result;

	out->file = NULL;
	if (!mb_finish(file, &err))
		mat_report(&err, "cannot finish the MAT file");
	result = read_output(out->path);
	if (unlink(out->path) < 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove temporary file \"%s\": %m", out->path)));
	out->removed = true;
	return result;
}

/* ---- hdaq_info ------------------------------------------------------------------ */

/* One exported topic, for hdaq_info. */
typedef struct TopicInfo
{
	char	   *topic;
	char	   *variable;
	char	   *schema;
	double		messages;
} TopicInfo;

/* A name and a value, from a jsonb object. */
typedef struct KeyValue
{
	char	   *key;
	char	   *type;			/* jsonb_typeof */
	char	   *text;
} KeyValue;

typedef struct ExportInfo
{
	int64		file_id;
	char	   *file_name;
	char	   *sha256;
	bool		has_origin;
	int64		origin_ns;
	KeyValue   *tags;
	int			ntags;
	char	  **record_names;	/* metadata records */
	KeyValue  **records;
	int		   *nrecord;
	int			nrecords;
	TopicInfo  *topics;
	int			ntopics;
	char	   *version;
	MbFormat	format;
	MbLayout	layout;
} ExportInfo;

static char *
value_or_empty(HeapTuple t, TupleDesc d, int col)
{
	char	   *v = SPI_getvalue(t, d, col);

	return v ? v : "";
}

static void
run_query(const char *sql, int64 file_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(file_id)};

	if (SPI_execute_with_args(sql, 1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "export query failed: %s", sql);
}

static void
read_file_info(ExportInfo *info)
{
	run_query("SELECT name, encode(sha256, 'hex'),"
			  " (SELECT extversion FROM pg_extension WHERE extname = 'hdaq')"
			  " FROM hdaq.file WHERE file_id = $1", info->file_id);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("file %lld does not exist", (long long) info->file_id)));
	info->file_name = value_or_empty(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	info->sha256 = value_or_empty(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	info->version = value_or_empty(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);

	run_query("SELECT e.key, jsonb_typeof(e.value), e.value #>> '{}'"
			  " FROM hdaq.file f, jsonb_each(f.tags) WITH ORDINALITY e"
			  " WHERE f.file_id = $1 ORDER BY e.ordinality", info->file_id);
	info->ntags = (int) SPI_processed;
	info->tags = palloc0(sizeof(KeyValue) * Max(info->ntags, 1));
	for (int i = 0; i < info->ntags; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];

		info->tags[i].key = value_or_empty(t, SPI_tuptable->tupdesc, 1);
		info->tags[i].type = value_or_empty(t, SPI_tuptable->tupdesc, 2);
		info->tags[i].text = value_or_empty(t, SPI_tuptable->tupdesc, 3);
	}

	run_query("SELECT m.ord, m.name, e.key, e.value #>> '{}'"
			  " FROM hdaq.metadata m LEFT JOIN LATERAL jsonb_each(m.metadata)"
			  " WITH ORDINALITY e ON true WHERE m.file_id = $1"
			  " ORDER BY m.ord, e.ordinality", info->file_id);
	info->record_names = palloc0(sizeof(char *) * Max(SPI_processed, 1));
	info->records = palloc0(sizeof(KeyValue *) * Max(SPI_processed, 1));
	info->nrecord = palloc0(sizeof(int) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		int			r;

		if (i == 0 || strcmp(SPI_getvalue(t, d, 1),
							 SPI_getvalue(SPI_tuptable->vals[i - 1], d, 1)) != 0)
		{
			r = info->nrecords++;
			info->record_names[r] = value_or_empty(t, d, 2);
			info->records[r] = palloc0(sizeof(KeyValue) * SPI_processed);
		}
		r = info->nrecords - 1;
		if (SPI_getvalue(t, d, 3) == NULL)
			continue;			/* a record without entries */
		info->records[r][info->nrecord[r]].key = value_or_empty(t, d, 3);
		info->records[r][info->nrecord[r]].type = "string";
		info->records[r][info->nrecord[r]].text = value_or_empty(t, d, 4);
		info->nrecord[r]++;
	}
}

/* The schema names of each topic of the file, comma-separated. */
static char *
topic_schemas(int64 file_id, const char *topic)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2] = {Int64GetDatum(file_id), CStringGetTextDatum(topic)};

	if (SPI_execute_with_args("SELECT string_agg(DISTINCT coalesce(s.name, ''), ', ')"
							  " FROM hdaq.channel c LEFT JOIN hdaq.schema s USING (schema_key)"
							  " WHERE c.file_id = $1 AND c.topic = $2",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		return "";
	return value_or_empty(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* ISO 8601 UTC text of nanoseconds since the Unix epoch, to the nanosecond. */
static char *
iso8601_ns(int64 ns)
{
	int64		sec = ns / 1000000000;
	int64		frac = ns % 1000000000;
	time_t		tt;
	struct tm	tm;

	if (frac < 0)
	{
		frac += 1000000000;
		sec--;
	}
	tt = (time_t) sec;
	gmtime_r(&tt, &tm);
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
					tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (long long) frac);
}

static matvar_t *
scalar_var(const char *name, double value)
{
	return mb_double_var(name, &value, 1, 1, false);
}

/* A jsonb value as MATLAB sees it: number, logical, or text. */
static matvar_t *
json_value_var(const char *name, const KeyValue *kv)
{
	uint8		b;

	if (strcmp(kv->type, "number") == 0)
		return scalar_var(name, strtod(kv->text, NULL));
	if (strcmp(kv->type, "boolean") == 0)
	{
		b = strcmp(kv->text, "true") == 0;
		return mb_logical_var(name, &b, 1, 1, false);
	}
	return mb_char_var(name, kv->text);
}

/* Makes field i of a struct under the cleaned name; NULL when out of memory. */
typedef matvar_t *(*FieldMaker) (const void *arg, int i, const char *clean);

/* The name of field i before cleaning. */
typedef const char *(*FieldName) (const void *arg, int i);

/*
 * A struct of n fields named names[i] (cleaned and made unique), each made by
 * make_field; NULL when out of memory.
 */
static matvar_t *
named_struct(const char *name, int n, FieldName field_name,
			 FieldMaker make_field, const void *arg)
{
	matvar_t  **fields = calloc(Max(n, 1), sizeof(matvar_t *));
	MbNameSet	names;
	char		clean[MB_NAME_MAX + 1];
	matvar_t   *var = NULL;
	int			made = 0;

	mb_nameset_init(&names);
	if (fields != NULL)
	{
		for (; made < n; made++)
		{
			const char *key = field_name(arg, made);

			if (!mb_unique_name(&names, key, strlen(key), clean) ||
				(fields[made] = make_field(arg, made, clean)) == NULL)
				break;
		}
		if (made == n)
			var = mb_struct_var(name, fields, n);
		else
			for (int i = 0; i < made; i++)
				Mat_VarFree(fields[i]);
	}
	free(fields);
	mb_nameset_free(&names);
	return var;
}

static const char *
key_value_name(const void *arg, int i)
{
	return ((const KeyValue *) arg)[i].key;
}

static matvar_t *
key_value_field(const void *arg, int i, const char *clean)
{
	return json_value_var(clean, &((const KeyValue *) arg)[i]);
}

/* A struct of named values; NULL when out of memory. */
static matvar_t *
key_value_struct(const char *name, const KeyValue *kvs, int n)
{
	return named_struct(name, n, key_value_name, key_value_field, kvs);
}

static const char *
record_name(const void *arg, int i)
{
	return ((const ExportInfo *) arg)->record_names[i];
}

static matvar_t *
record_field(const void *arg, int i, const char *clean)
{
	const ExportInfo *info = arg;

	return key_value_struct(clean, info->records[i], info->nrecord[i]);
}

/* hdaq_info.metadata: one struct of key-value fields per Metadata record. */
static matvar_t *
metadata_struct(const ExportInfo *info)
{
	return named_struct("metadata", info->nrecords, record_name, record_field, info);
}

/* hdaq_info.topics: {topic, variable, schema, messages}, one row per topic. */
static matvar_t *
topics_struct(const ExportInfo *info)
{
	int			n = info->ntopics;
	const char **strs = palloc0(sizeof(char *) * Max(n, 1) * 3);
	size_t	   *lens = palloc0(sizeof(size_t) * Max(n, 1) * 3);
	double	   *counts = palloc0(sizeof(double) * Max(n, 1));
	matvar_t   *fields[4];

	for (int i = 0; i < n; i++)
	{
		strs[i] = info->topics[i].topic;
		strs[n + i] = info->topics[i].variable;
		strs[2 * n + i] = info->topics[i].schema;
		counts[i] = info->topics[i].messages;
	}
	for (int i = 0; i < 3 * n; i++)
		lens[i] = strlen(strs[i]);
	fields[0] = mb_cell_var("topic", strs, lens, n, 1);
	fields[1] = mb_cell_var("variable", strs + n, lens + n, n, 1);
	fields[2] = mb_cell_var("schema", strs + 2 * n, lens + 2 * n, n, 1);
	fields[3] = mb_double_var("messages", counts, n, 1, false);
	for (int i = 0; i < 4; i++)
		if (fields[i] == NULL)
		{
			for (int j = 0; j < 4; j++)
				Mat_VarFree(fields[j]);
			return NULL;
		}
	return mb_struct_var("topics", fields, 4);
}

static void
write_info(MbFile *file, const ExportInfo *info)
{
	matvar_t   *fields[13];
	int			n = 0;
	bool		ok = true;
	MbError		err;

	fields[n++] = scalar_var("time_origin",
							 info->has_origin ? info->origin_ns / 1e9 : NAN);
	fields[n++] = info->has_origin ? mb_int64_var("time_origin_ns", info->origin_ns)
		: mb_double_var("time_origin_ns", NULL, 0, 0, false);
	fields[n++] = mb_char_var("time_origin_iso",
							  info->has_origin ? iso8601_ns(info->origin_ns) : "");
	fields[n++] = mb_char_var("file_name", info->file_name);
	fields[n++] = scalar_var("file_id", (double) info->file_id);
	fields[n++] = mb_char_var("sha256", info->sha256);
	fields[n++] = metadata_struct(info);
	fields[n++] = key_value_struct("tags", info->tags, info->ntags);
	fields[n++] = topics_struct(info);
	fields[n++] = mb_char_var("format", mat_format_name(info->format));
	fields[n++] = mb_char_var("layout", info->layout == MB_LAYOUT_LEAF ? "leaf" : "topic");
	fields[n++] = mb_char_var("hdaq_version", info->version);
	for (int i = 0; i < n; i++)
		ok = ok && fields[i] != NULL;
	if (!ok)
	{
		for (int i = 0; i < n; i++)
			Mat_VarFree(fields[i]);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building hdaq_info")));
	}
	if (!mb_write(file, mb_struct_var("hdaq_info", fields, n), &err))
		mat_report(&err, "cannot write hdaq_info");
}

/* Topics without a message in the time range have no variable. */
static void
drop_empty_topics(ExportInfo *info)
{
	int			kept = 0;

	for (int i = 0; i < info->ntopics; i++)
		if (info->topics[i].messages > 0)
			info->topics[kept++] = info->topics[i];
	info->ntopics = kept;
}

/* ---- topics ---------------------------------------------------------------------- */

static void
free_topic(void *t)
{
	mb_topic_free(t);
}

static void
free_names(void *names)
{
	mb_nameset_free(names);
}

/* The distinct topics of a scan's channels, in channel order. */
static char **
scan_topics(MessageScan *scan, int *ntopics)
{
	int			n = scan_channel_count(scan);
	char	  **topics = palloc(sizeof(char *) * Max(n, 1));

	*ntopics = 0;
	for (int i = 0; i < n; i++)
	{
		const char *topic = scan_channel(scan, i)->topic;
		bool		seen = false;

		for (int j = 0; j < *ntopics && !seen; j++)
			seen = strcmp(topics[j], topic) == 0;
		if (!seen)
			topics[(*ntopics)++] = pstrdup(topic);
	}
	return topics;
}

/* One pass over a topic's messages: learn (pass 1) or fill (pass 2). */
static void
topic_pass(MbTopic *t, const ScanRequest *req, int pass, int64 origin_ns)
{
	MessageScan *scan = scan_begin(req);
	ChannelDecoder *decoders = channel_decoders(scan);
	SkipCounter skip = {0};
	const ScanChannel *ch;
	McapMessage msg;

	while (scan_next(scan, &ch, &msg))
	{
		ChannelDecoder *d = &decoders[channel_index(scan, ch)];
		HdError		err;
		int			rc;

		CHECK_FOR_INTERRUPTS();
		if (d->decoder == NULL)
		{
			decode_failed(&skip, ch, msg.log_time, d->error);
			continue;
		}
		if (pass == 1)
			rc = mb_topic_learn(t, d->decoder, msg.data.data, msg.data.len, &err);
		else
			rc = mb_topic_fill(t, d->decoder,
							   (double) ((int64) msg.log_time - origin_ns) / 1e9,
							   msg.data.data, msg.data.len, &err);
		if (rc == HD_ERR_VISITOR)
			ereport(ERROR,
					(errcode(ERRCODE_IO_ERROR),
					 errmsg("cannot build topic \"%s\" of the MAT file: %s",
							ch->topic, err.message)));
		if (rc != HD_OK)
			decode_failed(&skip, ch, msg.log_time, err.message);
	}
}

/* Export one topic as variable 'name'; its message count into *messages. */
static void
export_topic(MbFile *file, const ScanRequest *all, char *topic,
			 const char *name, MbLayout layout, int64 origin_ns,
			 double *messages)
{
	ScanRequest req = *all;
	MbTopic    *t = mb_topic_new(name, layout);
	MbError		err;

	if (t == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	hdaq_free_with_context(t, free_topic);
	req.topics = &topic;
	req.ntopics = 1;
	topic_pass(t, &req, 1, origin_ns);
	*messages = (double) mb_topic_messages(t);
	if (mb_topic_messages(t) == 0)
		return;
	if (!mb_streams(file) && mb_topic_bytes(t) > MAT5_VARIABLE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("topic \"%s\" needs %s as a MAT variable, more than the 2 GB a variable of a %s file can hold",
						topic, mat_size_text(mb_topic_bytes(t)),
						mat_format_name(mb_format(file))),
				 errhint("Use format => 'v7.3', which has no such limit, or export a shorter time range.")));
	if (!mb_topic_prepare(t, file, MAT_BATCH_ROWS, &err))
		mat_report(&err, psprintf("cannot build topic \"%s\"", topic));
	topic_pass(t, &req, 2, origin_ns);
	if (!mb_topic_write(t, &err))
		mat_report(&err, psprintf("cannot write topic \"%s\"", topic));
}

/* The first log time of the selection; false when it has no message. */
static bool
first_log_time(const ScanRequest *req, int64 *ns, char ***topics, int *ntopics)
{
	MessageScan *scan = scan_begin(req);
	const ScanChannel *ch;
	McapMessage msg;
	bool		found = scan_next(scan, &ch, &msg);

	*topics = scan_topics(scan, ntopics);
	if (found)
		*ns = (int64) msg.log_time;
	return found;
}

Datum
hdaq_export_mat(PG_FUNCTION_ARGS)
{
	ScanRequest req;
	ExportInfo	info = {0};
	MatOutput  *out;
	MemoryContext topic_cxt;
	MemoryContext oldcxt;
	MbNameSet  *names;
	char	  **topics;
	char	   *layout = "leaf";
	bytea	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("file_id must not be null")));
	info.format = mat_format_arg(fcinfo, 4);
	if (PG_NARGS() > 5 && !PG_ARGISNULL(5))
		layout = text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (!mb_parse_layout(layout, &info.layout))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid MAT layout \"%s\"", layout),
				 errhint("Use 'leaf' (each leaf a struct of Data and Timestamp) or 'topic' (one Timestamp per topic).")));
	/* topics and times; the file is the first argument */
	scan_request_from_args(fcinfo, 1, 2, &req);
	req.has_file_id = true;
	req.file_id = info.file_id = PG_GETARG_INT64(0);

	out = mat_output_create(info.format);
	SPI_connect();
	read_file_info(&info);
	info.has_origin = first_log_time(&req, &info.origin_ns, &topics, &info.ntopics);
	info.topics = palloc0(sizeof(TopicInfo) * Max(info.ntopics, 1));

	names = palloc(sizeof(MbNameSet));
	mb_nameset_init(names);
	hdaq_free_with_context(names, free_names);
	if (!mb_unique_name(names, "hdaq_info", 9, palloc(MB_NAME_MAX + 1)))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	topic_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq export_mat topic",
									  ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < info.ntopics && info.has_origin; i++)
	{
		TopicInfo  *ti = &info.topics[i];

		ti->topic = topics[i];
		ti->variable = palloc(MB_NAME_MAX + 1);
		if (!mb_unique_name(names, ti->topic, strlen(ti->topic), ti->variable))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		ti->schema = topic_schemas(info.file_id, ti->topic);
		oldcxt = MemoryContextSwitchTo(topic_cxt);
		export_topic(out->file, &req, ti->topic, ti->variable, info.layout,
					 info.origin_ns, &ti->messages);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(topic_cxt);
	}
	if (!info.has_origin)
		info.ntopics = 0;
	drop_empty_topics(&info);
	write_info(out->file, &info);
	SPI_finish();

	result = mat_output_finish(out);
	PG_RETURN_BYTEA_P(result);
}
