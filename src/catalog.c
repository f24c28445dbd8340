/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing hdaq's tables through SPI.  Each statement is
 *	  prepared once per backend and kept (the plan cache revalidates it when
 *	  the tables change); that cache is the only state kept here.
 *
 *-------------------------------------------------------------------------
 */
#include "catalog.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

typedef enum CatalogStatement
{
	STMT_FIND_FILE,
	STMT_LOCK_SHA256,
	STMT_INSERT_FILE,
	STMT_COMPLETE_FILE,
	STMT_DELETE_FILE,
	STMT_INSERT_SCHEMA,
	STMT_FIND_SCHEMA,
	STMT_INSERT_CHANNEL,
	STMT_COMPLETE_CHANNEL,
	STMT_INSERT_SEGMENT,
	STMT_INSERT_METADATA,
	STMT_INSERT_ATTACHMENT,
	NUM_STATEMENTS
} CatalogStatement;

typedef struct StatementDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[10];
} StatementDef;

static const StatementDef statement_defs[NUM_STATEMENTS] = {
	[STMT_FIND_FILE] = {
		"SELECT file_id FROM hdaq.file WHERE sha256 = $1",
		1, {BYTEAOID}
	},
	[STMT_LOCK_SHA256] = {
		"SELECT pg_catalog.pg_advisory_xact_lock($1)",
		1, {INT8OID}
	},
	[STMT_INSERT_FILE] = {
		"INSERT INTO hdaq.file (name, sha256, size_bytes, tags)"
		" VALUES ($1, $2, 0, coalesce($3, '{}')) RETURNING file_id",
		3, {TEXTOID, BYTEAOID, JSONBOID}
	},
	[STMT_COMPLETE_FILE] = {
		"UPDATE hdaq.file SET sha256 = $2, size_bytes = $3, message_count = $4,"
		" start_ns = $5, end_ns = $6, recovery = $7, profile = $8, library = $9"
		" WHERE file_id = $1",
		9, {INT8OID, BYTEAOID, INT8OID, INT8OID, INT8OID, INT8OID, JSONBOID,
		TEXTOID, TEXTOID}
	},
	[STMT_DELETE_FILE] = {
		"DELETE FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}
	},
	[STMT_INSERT_SCHEMA] = {
		"INSERT INTO hdaq.schema (name, encoding, sha256, data)"
		" VALUES ($1, $2, pg_catalog.sha256($3), $3)"
		" ON CONFLICT (name, encoding, sha256) DO NOTHING RETURNING schema_key",
		3, {TEXTOID, TEXTOID, BYTEAOID}
	},
	[STMT_FIND_SCHEMA] = {
		"SELECT schema_key FROM hdaq.schema"
		" WHERE name = $1 AND encoding = $2 AND sha256 = pg_catalog.sha256($3)",
		3, {TEXTOID, TEXTOID, BYTEAOID}
	},
	[STMT_INSERT_CHANNEL] = {
		"INSERT INTO hdaq.channel (file_id, channel_id, topic, message_encoding,"
		" schema_id, schema_key, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)"
		" RETURNING channel_key",
		7, {INT8OID, INT4OID, TEXTOID, TEXTOID, INT4OID, INT8OID, JSONBOID}
	},
	[STMT_COMPLETE_CHANNEL] = {
		"UPDATE hdaq.channel SET message_count = $2, start_ns = $3, end_ns = $4,"
		" max_segment_span_ns = $5 WHERE channel_key = $1",
		5, {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}
	},
	[STMT_INSERT_SEGMENT] = {
		"INSERT INTO hdaq.segment (channel_key, start_ns, seq, end_ns,"
		" message_count, compression, uncompressed_size, data)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		8, {INT8OID, INT8OID, INT4OID, INT8OID, INT4OID, TEXTOID, INT4OID, BYTEAOID}
	},
	[STMT_INSERT_METADATA] = {
		"INSERT INTO hdaq.metadata (file_id, ord, name, metadata)"
		" VALUES ($1, $2, $3, $4)",
		4, {INT8OID, INT4OID, TEXTOID, JSONBOID}
	},
	[STMT_INSERT_ATTACHMENT] = {
		"INSERT INTO hdaq.attachment (file_id, ord, name, media_type,"
		" log_time_ns, create_time_ns, data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		7, {INT8OID, INT4OID, TEXTOID, TEXTOID, INT8OID, INT8OID, BYTEAOID}
	},
};

static SPIPlanPtr statement_plans[NUM_STATEMENTS];

/*
 * A statement prepared once per backend and kept in *slot (the plan cache
 * revalidates it when the tables change).  The caller is connected to SPI.
 */
SPIPlanPtr
hdaq_kept_plan(SPIPlanPtr *slot, const char *sql, int nargs, const Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, (Oid *) types);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*slot = plan;
	}
	return *slot;
}

static SPIPlanPtr
statement_plan(CatalogStatement which)
{
	const StatementDef *def = &statement_defs[which];

	return hdaq_kept_plan(&statement_plans[which], def->sql, def->nargs,
						  def->argtypes);
}

/*
 * Run a statement; nulls is a string of ' ' and 'n' as SPI_execute_plan
 * takes it (NULL for none).  Returns the int8 in the first column of the
 * first row, if the statement returns one, else 0 with *found false.
 */
static int64
run_statement(CatalogStatement which, Datum *values, const char *nulls,
			  bool *found)
{
	int			rc = SPI_execute_plan(statement_plan(which), values, nulls,
									  false, 0);
	int64		result = 0;
	bool		got = false;

	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	if (SPI_tuptable != NULL && SPI_processed > 0 &&
		SPI_tuptable->tupdesc->natts >= 1 &&
		SPI_gettypeid(SPI_tuptable->tupdesc, 1) == INT8OID)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			result = DatumGetInt64(d);
			got = true;
		}
	}
	if (SPI_tuptable != NULL)
		SPI_freetuptable(SPI_tuptable);
	if (found)
		*found = got;
	return result;
}

static bytea *
bytea_from(const void *data, size_t len)
{
	bytea	   *b;

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a value of %zu bytes is too large to store", len)));
	b = palloc(VARHDRSZ + len);
	SET_VARSIZE(b, VARHDRSZ + len);
	if (len > 0)
		memcpy(VARDATA(b), data, len);
	return b;
}

static Datum
text_datum(McapString s)
{
	return PointerGetDatum(hdaq_text_from_bytes(s.data, s.len));
}

/* A time that does not fit bigint is refused by the caller; see ingest.c. */
static Datum
ns_datum(uint64_t ns)
{
	return Int64GetDatum((int64) ns);
}

int64
catalog_find_file(const uint8 *sha256)
{
	Datum		values[1] = {PointerGetDatum(bytea_from(sha256, 32))};
	bool		found;
	int64		file_id = run_statement(STMT_FIND_FILE, values, NULL, &found);

	return found ? file_id : 0;
}

/*
 * Serialise ingests of the same content until the end of the transaction,
 * so that two sessions storing one file at once end with one copy.
 */
void
catalog_lock_sha256(const uint8 *sha256)
{
	int64		key;
	Datum		values[1];

	memcpy(&key, sha256, sizeof(key));
	values[0] = Int64GetDatum(key);
	run_statement(STMT_LOCK_SHA256, values, NULL, NULL);
}

int64
catalog_insert_file(const char *name, const uint8 *sha256, Jsonb *tags)
{
	Datum		values[3];
	char		nulls[4] = "   ";

	values[0] = name ? CStringGetTextDatum(name) : (Datum) 0;
	nulls[0] = name ? ' ' : 'n';
	values[1] = sha256 ? PointerGetDatum(bytea_from(sha256, 32)) : (Datum) 0;
	nulls[1] = sha256 ? ' ' : 'n';
	values[2] = PointerGetDatum(tags);
	nulls[2] = tags ? ' ' : 'n';
	return run_statement(STMT_INSERT_FILE, values, nulls, NULL);
}

void
catalog_complete_file(int64 file_id, const FileSummary *summary)
{
	Datum		values[9];
	char		nulls[10] = "         ";

	values[0] = Int64GetDatum(file_id);
	values[1] = PointerGetDatum(bytea_from(summary->sha256, 32));
	values[2] = Int64GetDatum(summary->size_bytes);
	values[3] = Int64GetDatum(summary->message_count);
	values[4] = Int64GetDatum(summary->start_ns);
	values[5] = Int64GetDatum(summary->end_ns);
	if (!summary->has_messages)
		nulls[4] = nulls[5] = 'n';
	values[6] = PointerGetDatum(summary->recovery);
	if (summary->recovery == NULL)
		nulls[6] = 'n';
	values[7] = CStringGetTextDatum(summary->profile);
	values[8] = CStringGetTextDatum(summary->library);
	run_statement(STMT_COMPLETE_FILE, values, nulls, NULL);
}

void
catalog_delete_file(int64 file_id)
{
	Datum		values[1] = {Int64GetDatum(file_id)};

	run_statement(STMT_DELETE_FILE, values, NULL, NULL);
}

/* The schema's key, inserting it if no identical schema is stored yet. */
int64
catalog_upsert_schema(const McapSchema *schema)
{
	Datum		values[3];
	bool		found;
	int64		key;

	values[0] = text_datum(schema->name);
	values[1] = text_datum(schema->encoding);
	values[2] = PointerGetDatum(bytea_from(schema->data.data, schema->data.len));
	key = run_statement(STMT_INSERT_SCHEMA, values, NULL, &found);
	if (!found)
		key = run_statement(STMT_FIND_SCHEMA, values, NULL, &found);
	if (!found)
		elog(ERROR, "schema \"%s\" was neither inserted nor found",
			 hdaq_cstring_from_bytes(schema->name.data, schema->name.len));
	return key;
}

int64
catalog_insert_channel(int64 file_id, const McapChannel *channel,
					   int64 schema_key, bool has_schema_key)
{
	Datum		values[7];
	char		nulls[8] = "       ";
	char	   *topic = hdaq_cstring_from_bytes(channel->topic.data,
												channel->topic.len);

	values[0] = Int64GetDatum(file_id);
	values[1] = Int32GetDatum(channel->id);
	values[2] = CStringGetTextDatum(topic);
	values[3] = text_datum(channel->message_encoding);
	values[4] = Int32GetDatum(channel->schema_id);
	values[5] = Int64GetDatum(schema_key);
	nulls[5] = has_schema_key ? ' ' : 'n';
	values[6] = PointerGetDatum(hdaq_jsonb_from_string_map(channel->metadata,
														   topic));
	return run_statement(STMT_INSERT_CHANNEL, values, nulls, NULL);
}

void
catalog_complete_channel(int64 channel_key, const ChannelSummary *summary)
{
	Datum		values[5];
	char		nulls[6] = "     ";

	values[0] = Int64GetDatum(channel_key);
	values[1] = Int64GetDatum(summary->message_count);
	values[2] = Int64GetDatum(summary->start_ns);
	values[3] = Int64GetDatum(summary->end_ns);
	values[4] = Int64GetDatum(summary->max_segment_span_ns);
	if (summary->message_count == 0)
		nulls[2] = nulls[3] = 'n';
	run_statement(STMT_COMPLETE_CHANNEL, values, nulls, NULL);
}

void
catalog_insert_segment(const SegmentRow *row)
{
	Datum		values[8];

	values[0] = Int64GetDatum(row->channel_key);
	values[1] = Int64GetDatum(row->start_ns);
	values[2] = Int32GetDatum(row->seq);
	values[3] = Int64GetDatum(row->end_ns);
	values[4] = Int32GetDatum(row->message_count);
	values[5] = CStringGetTextDatum(row->compression);
	values[6] = Int32GetDatum(row->uncompressed_size);
	values[7] = PointerGetDatum(row->data);
	run_statement(STMT_INSERT_SEGMENT, values, NULL, NULL);
}

void
catalog_insert_metadata(int64 file_id, int32 ord, const McapMetadata *md)
{
	Datum		values[4];
	char	   *name = hdaq_cstring_from_bytes(md->name.data, md->name.len);

	values[0] = Int64GetDatum(file_id);
	values[1] = Int32GetDatum(ord);
	values[2] = CStringGetTextDatum(name);
	values[3] = PointerGetDatum(hdaq_jsonb_from_string_map(md->metadata, name));
	run_statement(STMT_INSERT_METADATA, values, NULL, NULL);
}

void
catalog_insert_attachment(int64 file_id, int32 ord, const McapAttachment *att)
{
	Datum		values[7];

	values[0] = Int64GetDatum(file_id);
	values[1] = Int32GetDatum(ord);
	values[2] = text_datum(att->name);
	values[3] = text_datum(att->media_type);
	values[4] = ns_datum(att->log_time);
	values[5] = ns_datum(att->create_time);
	values[6] = PointerGetDatum(bytea_from(att->data.data, att->data.len));
	run_statement(STMT_INSERT_ATTACHMENT, values, NULL, NULL);
}
