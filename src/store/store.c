/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Store tier: every SQL statement hdaq runs against its own tables, in
 *	  one table of statements below, each prepared once per backend and
 *	  kept (the plan cache revalidates it when the tables change); that
 *	  cache is the only state kept here.  Rows come back as C structures
 *	  allocated in the caller's memory context, so no other file reads
 *	  SPI's tuple tables for hdaq's data.
 *
 * Also here, because it is the other place SQL enters: the caller's own
 * query of hdaq.query_to_mat, opened as a read-only cursor.
 *
 *-------------------------------------------------------------------------
 */
#include "store/store.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"

typedef enum StoreStatement
{
	/* writing a file */
	STMT_FIND_FILE,
	STMT_LOCK_SHA256,
	STMT_INSERT_FILE,
	STMT_COMPLETE_FILE,
	STMT_DELETE_FILE,
	STMT_STORED_NAME,
	STMT_MERGE_TAGS,
	STMT_INSERT_SCHEMA,
	STMT_FIND_SCHEMA,
	STMT_INSERT_CHANNEL,
	STMT_COMPLETE_CHANNEL,
	STMT_INSERT_SEGMENT,
	STMT_INSERT_METADATA,
	STMT_INSERT_ATTACHMENT,
	/* storing a file piece by piece */
	STMT_LOCK_FILE,
	STMT_LOCK_UPLOAD,
	STMT_INSERT_UPLOAD,
	STMT_SAVE_UPLOAD,
	STMT_END_UPLOAD,
	STMT_SAVE_LIVE_FILE,
	STMT_UPLOAD_CHANNELS,
	STMT_SAVE_UPLOAD_CHANNEL,
	STMT_ADD_CHANNEL_MESSAGES,
	STMT_DELETE_SEGMENT,
	STMT_SEGMENT_SIZES,
	STMT_SET_CHANNEL_SPAN,
	STMT_OWN_SEGMENT_DATA,
	/* scanning: one channel statement per "topics given" x "file given" */
	STMT_CHANNELS,
	STMT_CHANNELS_BY_FILE,
	STMT_CHANNELS_BY_TOPIC,
	STMT_CHANNELS_BY_TOPIC_FILE,
	STMT_CHANNELS_IN_RANGE,
	STMT_CHANNELS_BY_TOPIC_IN_RANGE,
	STMT_CHANNELS_BY_FILES,
	STMT_CHANNELS_BY_TOPIC_FILES,
	STMT_SEGMENTS,
	STMT_SEGMENT_DATA,
	/* schemas and topics */
	STMT_SCHEMA,
	STMT_TOPIC_EXISTS,
	STMT_ALL_TOPICS,
	/* checking a request */
	STMT_FILE_EXISTS,
	STMT_FILE_ID_RANGE,
	STMT_FILE_HAS_TOPIC,
	STMT_FILE_TOPICS,
	STMT_TOPIC_FILES,
	/* a file's records, for exports */
	STMT_FILE_INFO,
	STMT_FILE_TAGS,
	STMT_METADATA_ENTRIES,
	STMT_TOPIC_SCHEMA_NAMES,
	STMT_FILE_HEADER,
	STMT_CHANNEL_RECORDS,
	STMT_METADATA,
	STMT_ATTACHMENTS,
	/* guarding a drop */
	STMT_COUNT_FILES,
	/* the message relation: the planner's estimates, EXPLAIN's counts */
	STMT_ESTIMATE,
	STMT_ESTIMATE_BY_FILES,
	STMT_ESTIMATE_BY_TOPIC,
	STMT_ESTIMATE_BY_TOPIC_FILES,
	STMT_TOTAL_MESSAGES,
	STMT_COUNT_SEGMENTS,
	/* leaf blocks */
	STMT_INSERT_LEAF_BLOCK,
	STMT_DELETE_LEAF_BLOCKS,
	STMT_DELETE_CHANNEL_LEAF_BLOCKS,
	STMT_LEAF_BLOCK_PATHS,
	STMT_FILE_LEAF_BLOCK_PATHS,
	STMT_LEAF_BLOCKS,
	STMT_LEAF_BLOCK_DATA,
	/* resampling on a lap's axis */
	STMT_FILE_SPAN,
	STMT_LAP_BOUNDS,
	STMT_LAP_PROFILE,
	STMT_MATH_CHANNEL,
	STMT_SIGNAL_UNIT,
	STMT_UNIT_CONVERSION,
	STMT_UNIT_KNOWN,
	STMT_DEFINE_MATH_CHANNEL,
	STMT_TOPIC_UNITS,
	STMT_MATH_CHANNELS,
	/* laps */
	STMT_FILE_LAPS,
	NUM_STATEMENTS
} StoreStatement;

typedef struct StatementDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[18];
	bool		read_only;		/* reads with the caller's snapshot */
	bool		generic_plan;	/* one plan for every call (below) */
} StatementDef;

/*
 * generic_plan: the statements run once per segment or once per channel
 * name segments by channel and start, and hdaq.segment is partitioned by
 * start (a partition per year).  The plan cache would plan them again at
 * every call, as a plan for any values looks to the planner as if it read
 * every partition; one plan, made once, that picks the partitions when it
 * starts to run saves that planning.
 */

/* The channels in a time range; each variant uses its index. */
#define CHANNELS_SQL(topic_filter, file_filter) \
	"SELECT channel_key, file_id, channel_id, topic, message_encoding," \
	" schema_key, max_segment_span_ns, start_ns, end_ns FROM hdaq.channel" \
	" WHERE message_count > 0 AND end_ns >= $1 AND start_ns <= $2" \
	" " topic_filter " " file_filter " ORDER BY file_id, channel_key"
#define CHANNELS_ARGS 4, {INT8OID, INT8OID, TEXTARRAYOID, INT8OID}, true
/* the same with a list of files */
#define CHANNELS_LIST_ARGS 4, {INT8OID, INT8OID, TEXTARRAYOID, INT8ARRAYOID}, true

/*
 * What the channels a selection reads hold: their messages in the time
 * range (as if each channel's messages were spread evenly over its own
 * time range), and how many files, topics and channels they are.
 */
#define ESTIMATE_SQL(topic_filter, file_filter) \
	"SELECT coalesce(sum(message_count * CASE WHEN end_ns <= start_ns THEN 1.0" \
	" ELSE (least(end_ns, $2)::float8 - greatest(start_ns, $1)::float8 + 1)" \
	" / (end_ns::float8 - start_ns::float8 + 1) END), 0)::float8," \
	" count(DISTINCT file_id)::float8, count(DISTINCT topic)::float8," \
	" count(*)::float8 FROM hdaq.channel" \
	" WHERE message_count > 0 AND end_ns >= $1 AND start_ns <= $2" \
	" " topic_filter " " file_filter
#define ESTIMATE_ARGS 4, {INT8OID, INT8OID, TEXTARRAYOID, INT8ARRAYOID}, true

/*
 * A time range across every file: [$1, $2] as the GiST index
 * channel_time_idx holds a channel's [start_ns, end_ns], a range whose end
 * is one past the last nanosecond (none for the largest time), so that
 * the lookup is a probe of that index however many files are stored.
 */
#define CHANNELS_IN_RANGE \
	"AND int8range(start_ns, CASE WHEN end_ns < 9223372036854775807" \
	" THEN end_ns + 1 END) && int8range(least($1, CASE WHEN $2 <" \
	" 9223372036854775807 THEN $2 + 1 END), CASE WHEN $2 <" \
	" 9223372036854775807 THEN $2 + 1 END)"

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
		"INSERT INTO hdaq.file (name, sha256, size_bytes, tags, state)"
		" VALUES ($1, $2, 0, coalesce($3, '{}'), $4) RETURNING file_id",
		4, {TEXTOID, BYTEAOID, JSONBOID, TEXTOID}
	},
	[STMT_COMPLETE_FILE] = {
		"UPDATE hdaq.file SET sha256 = $2, size_bytes = $3, message_count = $4,"
		" start_ns = $5, end_ns = $6, recovery = $7, profile = $8, library = $9,"
		" state = $10, stored_bytes = $3 WHERE file_id = $1",
		10, {INT8OID, BYTEAOID, INT8OID, INT8OID, INT8OID, INT8OID, JSONBOID,
		TEXTOID, TEXTOID, TEXTOID}
	},
	[STMT_DELETE_FILE] = {
		"DELETE FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}
	},
	[STMT_STORED_NAME] = {
		"SELECT name, tags::text FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}
	},
	[STMT_MERGE_TAGS] = {
		"UPDATE hdaq.file SET tags = tags || $2 WHERE file_id = $1"
		" RETURNING name, tags::text",
		2, {INT8OID, JSONBOID}
	},
	[STMT_INSERT_SCHEMA] = {
		"INSERT INTO hdaq.schema (schema_key, name, encoding, sha256, data)"
		" VALUES (hdaq.schema_key($1, $2, $3), $1, $2, pg_catalog.sha256($3), $3)"
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
		" message_count, compression, uncompressed_size, data, file_id)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		9, {INT8OID, INT8OID, INT4OID, INT8OID, INT4OID, TEXTOID, INT4OID, BYTEAOID,
		INT8OID}
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
	[STMT_LOCK_FILE] = {
		"SELECT file_id FROM hdaq.file WHERE file_id = $1 FOR UPDATE",
		1, {INT8OID}
	},
	[STMT_LOCK_UPLOAD] = {
		"SELECT f.name, f.state, f.stored_bytes, f.tags, f.message_count,"
		" f.start_ns, f.end_ns, f.profile, f.library, u.file_id IS NOT NULL,"
		" u.sha256_state, u.resume_point, u.pending, u.schema_ids, u.schema_keys,"
		" u.metadata_count, u.attachment_count, u.chunks_skipped,"
		" u.records_skipped, u.bytes_skipped, u.messages_dropped, u.first_drop,"
		" u.problem_codes, u.problem_offsets, u.problem_messages"
		" FROM hdaq.file f LEFT JOIN hdaq.upload u ON u.file_id = f.file_id"
		" WHERE f.file_id = $1",
		1, {INT8OID}
	},
	[STMT_INSERT_UPLOAD] = {
		"INSERT INTO hdaq.upload (file_id, sha256_state) VALUES ($1, $2)",
		2, {INT8OID, BYTEAOID}
	},
	[STMT_SAVE_UPLOAD] = {
		"UPDATE hdaq.upload SET sha256_state = $2, resume_point = $3,"
		" pending = $4, schema_ids = $5, schema_keys = $6, metadata_count = $7,"
		" attachment_count = $8, chunks_skipped = $9, records_skipped = $10,"
		" bytes_skipped = $11, messages_dropped = $12, first_drop = $13,"
		" problem_codes = $14, problem_offsets = $15, problem_messages = $16,"
		" updated_at = pg_catalog.now() WHERE file_id = $1",
		16, {INT8OID, BYTEAOID, BYTEAOID, BYTEAOID, INT4ARRAYOID, INT8ARRAYOID,
			INT4OID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID,
		INT4ARRAYOID, INT8ARRAYOID, TEXTARRAYOID}
	},
	[STMT_END_UPLOAD] = {
		"DELETE FROM hdaq.upload WHERE file_id = $1",
		1, {INT8OID}
	},
	[STMT_SAVE_LIVE_FILE] = {
		"UPDATE hdaq.file SET stored_bytes = $2, size_bytes = $2,"
		" message_count = message_count + $3,"
		" start_ns = LEAST(start_ns, $4),"
		" end_ns = GREATEST(end_ns, $5),"
		" profile = coalesce(profile, $6), library = coalesce(library, $7)"
		" WHERE file_id = $1",
		7, {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID}
	},
	[STMT_UPLOAD_CHANNELS] = {
		"SELECT channel_key, channel_id, next_seq, max_segment_span_ns,"
		" run_start_ns, run_seqs, run_sizes"
		" FROM hdaq.upload_channel WHERE file_id = $1"
		" ORDER BY channel_id",
		1, {INT8OID}
	},
	[STMT_SAVE_UPLOAD_CHANNEL] = {
		"INSERT INTO hdaq.upload_channel AS u (channel_key, file_id, channel_id,"
		" next_seq, max_segment_span_ns, run_start_ns, run_seqs, run_sizes)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel_key) DO UPDATE"
		" SET next_seq = $4, max_segment_span_ns = $5, run_start_ns = $6,"
		" run_seqs = $7, run_sizes = $8",
		8, {INT8OID, INT8OID, INT4OID, INT4OID, INT8OID, INT8ARRAYOID,
		INT4ARRAYOID, INT4ARRAYOID}
	},
	[STMT_ADD_CHANNEL_MESSAGES] = {
		"UPDATE hdaq.channel SET message_count = message_count + $2,"
		" start_ns = LEAST(start_ns, $3),"
		" end_ns = GREATEST(end_ns, $4),"
		" max_segment_span_ns = GREATEST(max_segment_span_ns, $5)"
		" WHERE channel_key = $1",
		5, {INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}
	},
	[STMT_DELETE_SEGMENT] = {
		"DELETE FROM hdaq.segment WHERE channel_key = $1 AND start_ns = $2"
		" AND seq = $3",
		3, {INT8OID, INT8OID, INT4OID}, false, true
	},
	[STMT_SEGMENT_SIZES] = {
		"SELECT seq, start_ns, end_ns, uncompressed_size FROM hdaq.segment"
		" WHERE channel_key = $1 AND start_ns >= $2 AND start_ns <= $3"
		" ORDER BY start_ns, seq",
		3, {INT8OID, INT8OID, INT8OID}, false, true
	},
	/* as STMT_SEGMENT_DATA, but seeing what this transaction just wrote */
	[STMT_OWN_SEGMENT_DATA] = {
		"SELECT compression, uncompressed_size, data"
		" FROM hdaq.segment WHERE channel_key = $1"
		" AND start_ns = $2 AND seq = $3",
		3, {INT8OID, INT8OID, INT4OID}
	},
	[STMT_SET_CHANNEL_SPAN] = {
		"WITH c AS (UPDATE hdaq.channel SET max_segment_span_ns = $2"
		" WHERE channel_key = $1 RETURNING channel_key)"
		" UPDATE hdaq.upload_channel SET next_seq = $3, run_start_ns = '{}',"
		" run_seqs = '{}', run_sizes = '{}', max_segment_span_ns = $2"
		" WHERE channel_key = (SELECT channel_key FROM c)",
		3, {INT8OID, INT8OID, INT4OID}
	},
	[STMT_CHANNELS] = {
		CHANNELS_SQL("AND $3 IS NULL", "AND $4 IS NULL"), CHANNELS_ARGS
	},
	[STMT_CHANNELS_BY_FILE] = {
		CHANNELS_SQL("AND $3 IS NULL", "AND file_id = $4"), CHANNELS_ARGS
	},
	[STMT_CHANNELS_BY_TOPIC] = {
		CHANNELS_SQL("AND topic = ANY ($3)", "AND $4 IS NULL"), CHANNELS_ARGS
	},
	/*
	 * "file_id + 0": statistics from before a large file was stored make
	 * its file_id look rare, and the planner would then read every channel
	 * of the file through (file_id, channel_id) to find one topic, once per
	 * topic (quadratic in a file's topics); the topic's index is always
	 * the right one (channel_topic_file_idx is on topic, file_id + 0).
	 * Whatever the values, that index is the plan: made once (generic),
	 * not again at every call (hdaq.signal_stats of each of 1,000 runs
	 * spent 44% of its time planning this statement).
	 */
	[STMT_CHANNELS_BY_TOPIC_FILE] = {
		CHANNELS_SQL("AND topic = ANY ($3)", "AND file_id + 0 = $4"),
		4, {INT8OID, INT8OID, TEXTARRAYOID, INT8OID}, true, true
	},
	/*
	 * A time range in every file.  "topic || ''": the topic's index would
	 * be read whole (one entry per stored file) to be ANDed with the time
	 * index's few entries; the time index alone is the probe.
	 */
	[STMT_CHANNELS_IN_RANGE] = {
		CHANNELS_SQL("AND $3 IS NULL", "AND $4 IS NULL " CHANNELS_IN_RANGE),
		CHANNELS_ARGS
	},
	[STMT_CHANNELS_BY_TOPIC_IN_RANGE] = {
		CHANNELS_SQL("AND topic || '' = ANY ($3)",
					 "AND $4 IS NULL " CHANNELS_IN_RANGE),
		CHANNELS_ARGS
	},
	[STMT_CHANNELS_BY_FILES] = {
		CHANNELS_SQL("AND $3 IS NULL", "AND file_id = ANY ($4)"), CHANNELS_LIST_ARGS
	},
	[STMT_CHANNELS_BY_TOPIC_FILES] = {
		CHANNELS_SQL("AND topic = ANY ($3)", "AND file_id + 0 = ANY ($4)"),
		CHANNELS_LIST_ARGS
	},
	[STMT_SEGMENTS] = {
		"SELECT seq, start_ns, end_ns FROM hdaq.segment"
		" WHERE channel_key = $1 AND start_ns >= $2"
		" AND start_ns <= $3 AND end_ns >= $4"
		" ORDER BY start_ns, seq",
		4, {INT8OID, INT8OID, INT8OID, INT8OID}, true, true
	},
	[STMT_SEGMENT_DATA] = {
		"SELECT compression, uncompressed_size, data"
		" FROM hdaq.segment WHERE channel_key = $1"
		" AND start_ns = $2 AND seq = $3",
		3, {INT8OID, INT8OID, INT4OID}, true, true
	},
	[STMT_SCHEMA] = {
		"SELECT name, encoding, data FROM hdaq.schema"
		" WHERE schema_key = $1",
		1, {INT8OID}, true
	},
	[STMT_TOPIC_EXISTS] = {
		"SELECT 1 FROM hdaq.channel WHERE topic = $1 LIMIT 1",
		1, {TEXTOID}, true
	},
	[STMT_ALL_TOPICS] = {
		"SELECT DISTINCT topic FROM hdaq.channel",
		0, {InvalidOid}, true
	},
	[STMT_FILE_EXISTS] = {
		"SELECT 1 FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}, true
	},
	[STMT_FILE_ID_RANGE] = {
		"SELECT count(*), min(file_id), max(file_id) FROM hdaq.file",
		0, {InvalidOid}, true
	},
	[STMT_FILE_HAS_TOPIC] = {
		"SELECT 1 FROM hdaq.channel WHERE topic = $1 AND file_id = $2 LIMIT 1",
		2, {TEXTOID, INT8OID}, true
	},
	[STMT_FILE_TOPICS] = {
		"SELECT DISTINCT topic FROM hdaq.channel WHERE file_id = $1 ORDER BY 1",
		1, {INT8OID}, true
	},
	[STMT_TOPIC_FILES] = {
		"SELECT DISTINCT file_id FROM hdaq.channel WHERE topic = $1 ORDER BY 1",
		1, {TEXTOID}, true
	},
	[STMT_FILE_INFO] = {
		"SELECT name, encode(sha256, 'hex'),"
		" (SELECT extversion FROM pg_extension WHERE extname = 'hdaq')"
		" FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}, true
	},
	[STMT_FILE_TAGS] = {
		"SELECT e.key, jsonb_typeof(e.value), e.value #>> '{}'"
		" FROM hdaq.file f, jsonb_each(f.tags) WITH ORDINALITY e"
		" WHERE f.file_id = $1 ORDER BY e.ordinality",
		1, {INT8OID}, true
	},
	[STMT_METADATA_ENTRIES] = {
		"SELECT m.ord, m.name, e.key, e.value #>> '{}'"
		" FROM hdaq.metadata m LEFT JOIN LATERAL jsonb_each(m.metadata)"
		" WITH ORDINALITY e ON true WHERE m.file_id = $1"
		" ORDER BY m.ord, e.ordinality",
		1, {INT8OID}, true
	},
	[STMT_TOPIC_SCHEMA_NAMES] = {
		"SELECT string_agg(DISTINCT coalesce(s.name, ''), ', ')"
		" FROM hdaq.channel c LEFT JOIN hdaq.schema s USING (schema_key)"
		" WHERE c.file_id = $1 AND c.topic = $2",
		2, {INT8OID, TEXTOID}, true
	},
	[STMT_FILE_HEADER] = {
		"SELECT profile, library FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}, true
	},
	[STMT_CHANNEL_RECORDS] = {
		"SELECT c.channel_id, c.topic, c.message_encoding, c.metadata,"
		" s.name, s.encoding, s.data, c.schema_id"
		" FROM hdaq.channel c LEFT JOIN hdaq.schema s USING (schema_key)"
		" WHERE c.file_id = $1 AND ($2 IS NULL OR c.topic = ANY ($2))"
		" ORDER BY c.channel_id",
		2, {INT8OID, TEXTARRAYOID}, true
	},
	[STMT_METADATA] = {
		"SELECT name, metadata FROM hdaq.metadata WHERE file_id = $1 ORDER BY ord",
		1, {INT8OID}, true
	},
	[STMT_ATTACHMENTS] = {
		"SELECT name, media_type, log_time_ns, create_time_ns, data"
		" FROM hdaq.attachment WHERE file_id = $1"
		" AND log_time_ns BETWEEN $2 AND $3 ORDER BY ord",
		3, {INT8OID, INT8OID, INT8OID}, true
	},
	[STMT_COUNT_FILES] = {
		"SELECT count(*), coalesce(sum(size_bytes), 0)::bigint FROM hdaq.file",
		0, {InvalidOid}, true
	},
	[STMT_ESTIMATE] = {
		ESTIMATE_SQL("AND $3 IS NULL", "AND $4 IS NULL"), ESTIMATE_ARGS
	},
	[STMT_ESTIMATE_BY_FILES] = {
		ESTIMATE_SQL("AND $3 IS NULL", "AND file_id = ANY ($4)"), ESTIMATE_ARGS
	},
	[STMT_ESTIMATE_BY_TOPIC] = {
		ESTIMATE_SQL("AND topic = ANY ($3)", "AND $4 IS NULL"), ESTIMATE_ARGS
	},
	[STMT_ESTIMATE_BY_TOPIC_FILES] = {
		ESTIMATE_SQL("AND topic = ANY ($3)", "AND file_id + 0 = ANY ($4)"),
		ESTIMATE_ARGS
	},
	[STMT_TOTAL_MESSAGES] = {
		"SELECT coalesce(sum(message_count), 0)::float8 FROM hdaq.file",
		0, {InvalidOid}, true
	},
	[STMT_COUNT_SEGMENTS] = {
		"SELECT count(*) FROM hdaq.segment WHERE channel_key = $1"
		" AND start_ns >= $2 AND start_ns <= $3",
		3, {INT8OID, INT8OID, INT8OID}, true, true
	},
	[STMT_INSERT_LEAF_BLOCK] = {
		"INSERT INTO hdaq.leaf_block (file_id, channel_key, path, start_ns, ord,"
		" end_ns, value_count, min_value, min_ns, max_value, max_ns, first_value,"
		" last_value, sum_value, data)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
		15, {INT8OID, INT8OID, TEXTOID, INT8OID, INT4OID, INT8OID, INT4OID,
			FLOAT8OID, INT8OID, FLOAT8OID, INT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID,
		BYTEAOID}
	},
	[STMT_DELETE_LEAF_BLOCKS] = {
		"DELETE FROM hdaq.leaf_block WHERE file_id = $1",
		1, {INT8OID}
	},
	/* $2 NULL: every leaf of the channel */
	[STMT_DELETE_CHANNEL_LEAF_BLOCKS] = {
		"DELETE FROM hdaq.leaf_block WHERE channel_key = $1"
		" AND ($2::text IS NULL OR path = $2)",
		2, {INT8OID, TEXTOID}
	},
	/*
	 * which (channel, path) pairs have blocks, by their 1-based positions: an
	 * index probe per pair (as an EXISTS it was planned as a scan of every block)
	 */
	[STMT_LEAF_BLOCK_PATHS] = {
		"SELECT c.i, p.j FROM unnest($1::int8[]) WITH ORDINALITY c(key, i),"
		" unnest($2::text[]) WITH ORDINALITY p(path, j),"
		" LATERAL (SELECT FROM hdaq.leaf_block b"
		" WHERE b.channel_key = c.key AND b.path = p.path LIMIT 1) b",
		2, {INT8ARRAYOID, TEXTARRAYOID}, true, true
	},
	/* each leaf with blocks has one block of ord 0; ordered as strcmp orders */
	[STMT_FILE_LEAF_BLOCK_PATHS] = {
		"SELECT channel_key, path, value_count FROM hdaq.leaf_block WHERE file_id = $1"
		" AND ord = 0 AND path <> '' ORDER BY channel_key, path COLLATE \"C\"",
		1, {INT8OID}, true, true
	},
	/* $5: with the data, or the summaries only */
	[STMT_LEAF_BLOCKS] = {
		"SELECT start_ns, end_ns, value_count, min_value, min_ns, max_value, max_ns,"
		" first_value, last_value, sum_value, CASE WHEN $5 THEN data END, ord"
		" FROM hdaq.leaf_block WHERE channel_key = $1 AND path = $2"
		" AND end_ns >= $3 AND start_ns <= $4 ORDER BY start_ns, ord",
		5, {INT8OID, TEXTOID, INT8OID, INT8OID, BOOLOID}, true, true
	},
	[STMT_LEAF_BLOCK_DATA] = {
		"SELECT data FROM hdaq.leaf_block WHERE channel_key = $1 AND path = $2"
		" AND start_ns = $3 AND ord = $4",
		4, {INT8OID, TEXTOID, INT8OID, INT4OID}, true, true
	},
	[STMT_FILE_SPAN] = {
		"SELECT start_ns, end_ns FROM hdaq.file WHERE file_id = $1",
		1, {INT8OID}, true
	},
	[STMT_LAP_BOUNDS] = {
		"SELECT start_ns, end_ns FROM hdaq.laps($1, $2, $3, $4, $5) WHERE lap = $6",
		6, {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID}, true
	},
	[STMT_LAP_PROFILE] = {
		"SELECT distance_m, time_s FROM hdaq.lap_profile($1, $2, $6, $3, $4, $5)",
		6, {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID}, true
	},
	[STMT_MATH_CHANNEL] = {
		"SELECT expression, unit FROM hdaq.math_channel"
		" WHERE topic = $1 AND name = $2",
		2, {TEXTOID, TEXTOID}, true
	},
	[STMT_SIGNAL_UNIT] = {
		"SELECT hdaq.signal_unit($1, $2, $3)",
		3, {TEXTOID, TEXTOID, INT8OID}, true
	},
	/* stored either way: to = from * scale + offset */
	[STMT_UNIT_CONVERSION] = {
		"SELECT scale, \"offset\" FROM hdaq.unit_conversion"
		" WHERE from_unit = $1 AND to_unit = $2"
		" UNION ALL SELECT 1 / scale, -\"offset\" / scale FROM hdaq.unit_conversion"
		" WHERE from_unit = $2 AND to_unit = $1",
		2, {TEXTOID, TEXTOID}, true
	},
	[STMT_UNIT_KNOWN] = {
		"SELECT 1 FROM hdaq.unit_conversion WHERE from_unit = $1 OR to_unit = $1 LIMIT 1",
		1, {TEXTOID}, true
	},
	[STMT_DEFINE_MATH_CHANNEL] = {
		"INSERT INTO hdaq.math_channel (topic, name, expression, unit, description)"
		" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (topic, name) DO UPDATE"
		" SET expression = excluded.expression, unit = excluded.unit,"
		" description = excluded.description",
		5, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID}
	},
	[STMT_TOPIC_UNITS] = {
		"SELECT DISTINCT ON (u.path) u.path, u.unit FROM hdaq.unit u"
		" JOIN hdaq.schema s ON s.name = u.schema_name"
		" JOIN hdaq.channel c ON c.schema_key = s.schema_key"
		" WHERE c.topic = $1 AND c.file_id = $2 ORDER BY u.path, u.unit",
		2, {TEXTOID, INT8OID}, true
	},
	[STMT_MATH_CHANNELS] = {
		"SELECT topic, name, unit FROM hdaq.math_channel ORDER BY topic, name",
		0, {InvalidOid}, true
	},
	/* a split a lap did not pass (NULL) as NaN */
	[STMT_FILE_LAPS] = {
		"SELECT track, lap, start_ns, end_ns, lap_time_s, distance_m, out_lap,"
		" in_lap, valid, ARRAY(SELECT coalesce(x, 'NaN') FROM unnest(split_times_s) x)"
		" FROM hdaq.lap WHERE file_id = $1 ORDER BY track, lap",
		1, {INT8OID}, true, true
	},
};

static SPIPlanPtr statement_plans[NUM_STATEMENTS];

/* ---- running statements ---------------------------------------------------- */

/*
 * hdaq's statements name its tables hdaq.x; everything else they use is
 * PostgreSQL's own.  They are parsed and run with only pg_catalog on the
 * search path, so that no schema on the caller's search_path can put an
 * operator or function of its own in place of those.  An error pops it
 * with the (sub)transaction.
 */
static void
pin_search_path(void)
{
	OverrideSearchPath path;

	memset(&path, 0, sizeof(path));
	path.addCatalog = true;
	PushOverrideSearchPath(&path);
}

/*
 * The statement's plan, prepared on first use and kept for the backend.
 * The caller has pinned the search path.
 */
static SPIPlanPtr
statement_plan(StoreStatement which)
{
	const StatementDef *def = &statement_defs[which];

	if (statement_plans[which] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(def->sql, def->nargs,
											  (Oid *) def->argtypes,
											  def->generic_plan ?
											  CURSOR_OPT_GENERIC_PLAN : 0);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 def->sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		statement_plans[which] = plan;
	}
	return statement_plans[which];
}

/*
 * Run a statement (at most limit rows, 0 for all); nulls is a string of
 * ' ' and 'n' as SPI_execute_plan takes it (NULL for none).  The rows stay
 * in SPI_tuptable until store_done(); the caller's memory context is
 * current again.  Returns the number of rows.
 */
static uint64
store_run(StoreStatement which, Datum *values, const char *nulls, long limit)
{
	MemoryContext caller = CurrentMemoryContext;
	const StatementDef *def = &statement_defs[which];
	int			rc;

	pin_search_path();
	rc = SPI_execute_plan(statement_plan(which), values, nulls,
						  def->read_only, limit);
	PopOverrideSearchPath();
	/* SPI leaves its own context current */
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		elog(ERROR, "hdaq statement \"%s\" failed: %s",
			 def->sql, SPI_result_code_string(rc));
	return SPI_processed;
}

/* Free the rows of the last statement. */
static void
store_done(void)
{
	if (SPI_tuptable != NULL)
		SPI_freetuptable(SPI_tuptable);
}

/* ---- reading columns of the last statement's rows (1-based columns) ---- */

static Datum
col_datum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col,
						 isnull);
}

static int64
col_int8(uint64 row, int col, bool *isnull)
{
	bool		dummy;

	return DatumGetInt64(col_datum(row, col, isnull ? isnull : &dummy));
}

static int32
col_int4(uint64 row, int col)
{
	bool		isnull;

	return DatumGetInt32(col_datum(row, col, &isnull));
}

/* A column as text (its output function); NULL when null. */
static char *
col_text(uint64 row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

static char *
col_text_or_empty(uint64 row, int col)
{
	char	   *v = col_text(row, col);

	return v ? v : "";
}

/* A varlena column copied out of the row (detoasted); NULL when null. */
static struct varlena *
col_varlena(uint64 row, int col)
{
	bool		isnull;
	Datum		d = col_datum(row, col, &isnull);

	if (isnull)
		return NULL;
	return pg_detoast_datum_copy((struct varlena *) DatumGetPointer(d));
}

/* The int8 in the first column of the first row, if there is one. */
static bool
first_int8(int64 *value)
{
	bool		isnull = true;

	if (SPI_tuptable != NULL && SPI_processed > 0 &&
		SPI_tuptable->tupdesc->natts >= 1 &&
		SPI_gettypeid(SPI_tuptable->tupdesc, 1) == INT8OID)
		*value = col_int8(0, 1, &isnull);
	return !isnull;
}

/*
 * Run a statement that returns at most one int8 (or nothing): the value,
 * or 0 with *found false.
 */
static int64
store_run_int8(StoreStatement which, Datum *values, const char *nulls,
			   bool *found)
{
	int64		result = 0;
	bool		got;

	store_run(which, values, nulls, 0);
	got = first_int8(&result);
	store_done();
	if (found)
		*found = got;
	return got ? result : 0;
}

/* Fills one row's structure from row i of the last statement. */
typedef void (*RowReader) (uint64 i, void *row);

/*
 * Run a statement and read each of its rows into an array of structures
 * of row_size bytes (zeroed first); *count gets the number of rows.
 */
static void *
store_read_rows(StoreStatement which, Datum *values, const char *nulls,
				size_t row_size, RowReader read_row, int *count)
{
	uint64		n = store_run(which, values, nulls, 0);
	char	   *rows = palloc_extended(row_size * Max(n, 1),
									   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	for (uint64 i = 0; i < n; i++)
		read_row(i, rows + i * row_size);
	store_done();
	*count = (int) n;
	return rows;
}

/*
 * Run a statement that reads at most one row and read it into *row: false
 * when there is none.
 */
static bool
store_read_one(StoreStatement which, Datum *values, RowReader read_row,
			   void *row)
{
	bool		found = store_run(which, values, NULL, 1) == 1;

	if (found)
		read_row(0, row);
	store_done();
	return found;
}

/* The rows of a statement whose one argument is a file_id. */
static void *
store_read_file_rows(StoreStatement which, int64 file_id, size_t row_size,
					 RowReader read_row, int *count)
{
	Datum		values[1] = {Int64GetDatum(file_id)};

	return store_read_rows(which, values, NULL, row_size, read_row, count);
}

/* ---- arguments ------------------------------------------------------------------ */

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

/* A time that does not fit bigint is refused by ingest before it comes here. */
static Datum
ns_datum(uint64_t ns)
{
	return Int64GetDatum((int64) ns);
}

/* The request's topics as a text[] datum. */
static Datum int8_array(const int64 *v, int n);

static Datum
topics_array(const ScanRequest *req)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(req->ntopics, 1));

	for (int i = 0; i < req->ntopics; i++)
		elems[i] = CStringGetTextDatum(req->topics[i]);
	return PointerGetDatum(construct_array(elems, req->ntopics, TEXTOID, -1,
										   false, TYPALIGN_INT));
}

/* ---- writing a file --------------------------------------------------------------- */

int64
store_find_file(const uint8 *sha256)
{
	Datum		values[1] = {PointerGetDatum(bytea_from(sha256, 32))};

	return store_run_int8(STMT_FIND_FILE, values, NULL, NULL);
}

/*
 * Serialise ingests of the same content until the end of the transaction,
 * so that two sessions storing one file at once end with one copy.
 */
void
store_lock_sha256(const uint8 *sha256)
{
	int64		key;
	Datum		values[1];

	memcpy(&key, sha256, sizeof(key));
	values[0] = Int64GetDatum(key);
	store_run_int8(STMT_LOCK_SHA256, values, NULL, NULL);
}

int64
store_insert_file(const char *name, const uint8 *sha256, Jsonb *tags,
				  const char *state)
{
	Datum		values[4];
	char		nulls[5] = "    ";

	values[0] = name ? CStringGetTextDatum(name) : (Datum) 0;
	nulls[0] = name ? ' ' : 'n';
	values[1] = sha256 ? PointerGetDatum(bytea_from(sha256, 32)) : (Datum) 0;
	nulls[1] = sha256 ? ' ' : 'n';
	values[2] = PointerGetDatum(tags);
	nulls[2] = tags ? ' ' : 'n';
	values[3] = CStringGetTextDatum(state);
	return store_run_int8(STMT_INSERT_FILE, values, nulls, NULL);
}

void
store_complete_file(int64 file_id, const FileSummary *summary)
{
	Datum		values[10];
	char		nulls[11] = "          ";

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
	values[9] = CStringGetTextDatum(summary->state);
	store_run_int8(STMT_COMPLETE_FILE, values, nulls, NULL);
}

void
store_delete_file(int64 file_id)
{
	Datum		values[1] = {Int64GetDatum(file_id)};

	store_run_int8(STMT_DELETE_FILE, values, NULL, NULL);
}

static void
read_stored_file(uint64 i, void *row)
{
	StoredFile *f = row;

	f->name = col_text(i, 1);
	f->tags = col_text_or_empty(i, 2);
}

bool
store_stored_file(int64 file_id, Jsonb *merge_tags, StoredFile *out)
{
	Datum		values[2] = {Int64GetDatum(file_id), PointerGetDatum(merge_tags)};

	return store_read_one(merge_tags ? STMT_MERGE_TAGS : STMT_STORED_NAME,
						  values, read_stored_file, out);
}

/* The schema's key, inserting it if no identical schema is stored yet. */
int64
store_upsert_schema(const McapSchema *schema)
{
	Datum		values[3];
	bool		found;
	int64		key;

	values[0] = text_datum(schema->name);
	values[1] = text_datum(schema->encoding);
	values[2] = PointerGetDatum(bytea_from(schema->data.data, schema->data.len));
	key = store_run_int8(STMT_INSERT_SCHEMA, values, NULL, &found);
	if (!found)
		key = store_run_int8(STMT_FIND_SCHEMA, values, NULL, &found);
	if (!found)
		elog(ERROR, "schema \"%s\" was neither inserted nor found",
			 hdaq_cstring_from_bytes(schema->name.data, schema->name.len));
	return key;
}

int64
store_insert_channel(int64 file_id, const McapChannel *channel,
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
	return store_run_int8(STMT_INSERT_CHANNEL, values, nulls, NULL);
}

/* A statement taking (channel_key, count, start_ns, end_ns, span). */
static void
run_channel_summary(StoreStatement which, int64 channel_key,
					const ChannelSummary *summary)
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
	store_run_int8(which, values, nulls, NULL);
}

void
store_complete_channel(int64 channel_key, const ChannelSummary *summary)
{
	run_channel_summary(STMT_COMPLETE_CHANNEL, channel_key, summary);
}

void
store_insert_segment(const SegmentRow *row)
{
	Datum		values[9];

	values[0] = Int64GetDatum(row->channel_key);
	values[1] = Int64GetDatum(row->start_ns);
	values[2] = Int32GetDatum(row->seq);
	values[3] = Int64GetDatum(row->end_ns);
	values[4] = Int32GetDatum(row->message_count);
	values[5] = CStringGetTextDatum(row->compression);
	values[6] = Int32GetDatum(row->uncompressed_size);
	values[7] = PointerGetDatum(row->data);
	values[8] = Int64GetDatum(row->file_id);
	store_run_int8(STMT_INSERT_SEGMENT, values, NULL, NULL);
}

void
store_insert_metadata(int64 file_id, int32 ord, const McapMetadata *md)
{
	Datum		values[4];
	char	   *name = hdaq_cstring_from_bytes(md->name.data, md->name.len);

	values[0] = Int64GetDatum(file_id);
	values[1] = Int32GetDatum(ord);
	values[2] = CStringGetTextDatum(name);
	values[3] = PointerGetDatum(hdaq_jsonb_from_string_map(md->metadata, name));
	store_run_int8(STMT_INSERT_METADATA, values, NULL, NULL);
}

void
store_insert_attachment(int64 file_id, int32 ord, const McapAttachment *att)
{
	Datum		values[7];

	values[0] = Int64GetDatum(file_id);
	values[1] = Int32GetDatum(ord);
	values[2] = text_datum(att->name);
	values[3] = text_datum(att->media_type);
	values[4] = ns_datum(att->log_time);
	values[5] = ns_datum(att->create_time);
	values[6] = PointerGetDatum(bytea_from(att->data.data, att->data.len));
	store_run_int8(STMT_INSERT_ATTACHMENT, values, NULL, NULL);
}

/* ---- reading messages back ------------------------------------------------------ */

/*
 * The channel statement that can use its index for this request: the
 * file's, the time range's across files, else the topic's.
 */
static StoreStatement
channels_statement(const ScanRequest *req, bool bounded)
{
	bool		by_topic = req->topics != NULL;

	if (req->file_ids != NULL)
		return by_topic ? STMT_CHANNELS_BY_TOPIC_FILES : STMT_CHANNELS_BY_FILES;
	if (req->has_file_id)
		return by_topic ? STMT_CHANNELS_BY_TOPIC_FILE : STMT_CHANNELS_BY_FILE;
	if (bounded)
		return by_topic ? STMT_CHANNELS_BY_TOPIC_IN_RANGE : STMT_CHANNELS_IN_RANGE;
	return by_topic ? STMT_CHANNELS_BY_TOPIC : STMT_CHANNELS;
}

static void
read_channel(uint64 i, void *row)
{
	StoredChannel *ch = row;
	bool		isnull;

	ch->channel_key = col_int8(i, 1, NULL);
	ch->file_id = col_int8(i, 2, NULL);
	ch->channel_id = col_int4(i, 3);
	ch->topic = col_text(i, 4);
	ch->message_encoding = col_text(i, 5);
	ch->schema_key = col_int8(i, 6, &isnull);
	ch->has_schema = !isnull;
	ch->max_segment_span_ns = col_int8(i, 7, NULL);
	ch->start_ns = col_int8(i, 8, NULL);
	ch->end_ns = col_int8(i, 9, NULL);
}

StoredChannel *
store_find_channels(const ScanRequest *req, int *count)
{
	Datum		values[4];
	char		nulls[5] = "    ";
	bool		by_topic = req->topics != NULL;
	bool		bounded = req->start_ns != PG_INT64_MIN ||
		req->end_ns != PG_INT64_MAX;

	values[0] = Int64GetDatum(req->start_ns);
	values[1] = Int64GetDatum(req->end_ns);
	values[2] = by_topic ? topics_array(req) : (Datum) 0;
	nulls[2] = by_topic ? ' ' : 'n';
	if (req->file_ids != NULL)
		values[3] = int8_array(req->file_ids, req->nfile_ids);
	else
		values[3] = Int64GetDatum(req->file_id);
	nulls[3] = req->has_file_id || req->file_ids != NULL ? ' ' : 'n';
	return store_read_rows(channels_statement(req, bounded), values, nulls,
						   sizeof(StoredChannel), read_channel, count);
}

void
store_estimate_channels(const ScanRequest *req, ChannelEstimate *out)
{
	Datum		values[4];
	char		nulls[5] = "    ";
	bool		by_topic = req->topics != NULL;
	bool		by_files = req->file_ids != NULL;
	StoreStatement which;

	values[0] = Int64GetDatum(req->start_ns);
	values[1] = Int64GetDatum(req->end_ns);
	values[2] = by_topic ? topics_array(req) : (Datum) 0;
	nulls[2] = by_topic ? ' ' : 'n';
	values[3] = by_files ? int8_array(req->file_ids, req->nfile_ids) : (Datum) 0;
	nulls[3] = by_files ? ' ' : 'n';
	if (by_topic)
		which = by_files ? STMT_ESTIMATE_BY_TOPIC_FILES : STMT_ESTIMATE_BY_TOPIC;
	else
		which = by_files ? STMT_ESTIMATE_BY_FILES : STMT_ESTIMATE;
	memset(out, 0, sizeof(ChannelEstimate));
	if (store_run(which, values, nulls, 0) == 1)
	{
		bool		isnull;

		out->messages = DatumGetFloat8(col_datum(0, 1, &isnull));
		out->files = DatumGetFloat8(col_datum(0, 2, &isnull));
		out->topics = DatumGetFloat8(col_datum(0, 3, &isnull));
		out->channels = DatumGetFloat8(col_datum(0, 4, &isnull));
	}
	store_done();
}

double
store_total_messages(void)
{
	double		total = 0;

	if (store_run(STMT_TOTAL_MESSAGES, NULL, NULL, 0) == 1)
	{
		bool		isnull;

		total = DatumGetFloat8(col_datum(0, 1, &isnull));
	}
	store_done();
	return total;
}

int64
store_count_segments(int64 channel_key, int64 lowest_start,
					 int64 highest_start)
{
	Datum		values[3];

	values[0] = Int64GetDatum(channel_key);
	values[1] = Int64GetDatum(lowest_start);
	values[2] = Int64GetDatum(highest_start);
	return store_run_int8(STMT_COUNT_SEGMENTS, values, NULL, NULL);
}

static void
read_segment(uint64 i, void *row)
{
	StoredSegment *seg = row;

	seg->seq = col_int4(i, 1);
	seg->start_ns = col_int8(i, 2, NULL);
	seg->end_ns = col_int8(i, 3, NULL);
}

StoredSegment *
store_find_segments(int64 channel_key, int64 lowest_start,
					int64 highest_start, int64 min_end, int *count)
{
	Datum		values[4];

	values[0] = Int64GetDatum(channel_key);
	values[1] = Int64GetDatum(lowest_start);
	values[2] = Int64GetDatum(highest_start);
	values[3] = Int64GetDatum(min_end);
	return store_read_rows(STMT_SEGMENTS, values, NULL, sizeof(StoredSegment),
						   read_segment, count);
}

static void
read_segment_data(uint64 i, void *row)
{
	StoredSegmentData *data = row;

	data->compression = col_text(i, 1);
	data->uncompressed_size = col_int4(i, 2);
	data->data = (bytea *) col_varlena(i, 3);
}

bool
store_read_segment(int64 channel_key, int64 start_ns, int32 seq,
				   StoredSegmentData *out)
{
	Datum		values[3];

	values[0] = Int64GetDatum(channel_key);
	values[1] = Int64GetDatum(start_ns);
	values[2] = Int32GetDatum(seq);
	return store_read_one(STMT_SEGMENT_DATA, values, read_segment_data, out);
}

bool
store_read_own_segment(int64 channel_key, int64 start_ns, int32 seq,
					   StoredSegmentData *out)
{
	Datum		values[3];

	values[0] = Int64GetDatum(channel_key);
	values[1] = Int64GetDatum(start_ns);
	values[2] = Int32GetDatum(seq);
	return store_read_one(STMT_OWN_SEGMENT_DATA, values, read_segment_data,
						  out);
}

/* ---- schemas and topics ---------------------------------------------------------- */

static void
read_schema(uint64 i, void *row)
{
	StoredSchema *schema = row;

	schema->name = col_text(i, 1);
	schema->encoding = col_text(i, 2);
	schema->data = (bytea *) col_varlena(i, 3);
}

bool
store_read_schema(int64 schema_key, StoredSchema *out)
{
	Datum		values[1] = {Int64GetDatum(schema_key)};

	return store_read_one(STMT_SCHEMA, values, read_schema, out);
}

bool
store_topic_exists(const char *topic)
{
	Datum		values[1] = {CStringGetTextDatum(topic)};
	bool		exists = store_run(STMT_TOPIC_EXISTS, values, NULL, 1) > 0;

	store_done();
	return exists;
}

static void
read_topic(uint64 i, void *row)
{
	*(char **) row = col_text(i, 1);
}

char **
store_all_topics(int *count)
{
	return store_read_rows(STMT_ALL_TOPICS, NULL, NULL, sizeof(char *),
						   read_topic, count);
}

/* ---- checking a request ------------------------------------------------------ */

bool
store_file_exists(int64 file_id)
{
	Datum		values[1] = {Int64GetDatum(file_id)};
	bool		exists = store_run(STMT_FILE_EXISTS, values, NULL, 1) > 0;

	store_done();
	return exists;
}

void
store_file_id_range(int64 *count, int64 *lowest, int64 *highest)
{
	bool		isnull;

	store_run(STMT_FILE_ID_RANGE, NULL, NULL, 0);
	*count = col_int8(0, 1, NULL);
	*lowest = col_int8(0, 2, &isnull);
	*highest = col_int8(0, 3, &isnull);
	store_done();
}

bool
store_file_has_topic(int64 file_id, const char *topic)
{
	Datum		values[2] = {CStringGetTextDatum(topic), Int64GetDatum(file_id)};
	bool		has = store_run(STMT_FILE_HAS_TOPIC, values, NULL, 1) > 0;

	store_done();
	return has;
}

char	  **
store_file_topics(int64 file_id, int *count)
{
	return store_read_file_rows(STMT_FILE_TOPICS, file_id, sizeof(char *),
								read_topic, count);
}

static void
read_file_id(uint64 i, void *row)
{
	*(int64 *) row = col_int8(i, 1, NULL);
}

int64 *
store_topic_files(const char *topic, int *count)
{
	Datum		values[1] = {CStringGetTextDatum(topic)};

	return store_read_rows(STMT_TOPIC_FILES, values, NULL, sizeof(int64),
						   read_file_id, count);
}

/* ---- a file's records ----------------------------------------------------------- */

/* Read a file's one row into *row; an error if there is no such file. */
static void
store_read_file_row(StoreStatement which, int64 file_id, RowReader read_row,
					void *row)
{
	Datum		values[1] = {Int64GetDatum(file_id)};

	if (!store_read_one(which, values, read_row, row))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("file %lld does not exist", (long long) file_id)));
}

static void
read_file_info(uint64 i, void *row)
{
	StoredFileInfo *info = row;

	info->name = col_text_or_empty(i, 1);
	info->sha256_hex = col_text_or_empty(i, 2);
	info->hdaq_version = col_text_or_empty(i, 3);
}

void
store_read_file_info(int64 file_id, StoredFileInfo *out)
{
	store_read_file_row(STMT_FILE_INFO, file_id, read_file_info, out);
}

static void
read_tag(uint64 i, void *row)
{
	StoredKeyValue *tag = row;

	tag->key = col_text_or_empty(i, 1);
	tag->type = col_text_or_empty(i, 2);
	tag->text = col_text_or_empty(i, 3);
}

StoredKeyValue *
store_read_file_tags(int64 file_id, int *count)
{
	return store_read_file_rows(STMT_FILE_TAGS, file_id,
								sizeof(StoredKeyValue), read_tag, count);
}

/*
 * Rows are (ord, name, key, value) by record, then entry; a record without
 * entries has one row with a null key.
 */
StoredRecord *
store_read_metadata_entries(int64 file_id, int *count)
{
	Datum		values[1] = {Int64GetDatum(file_id)};
	uint64		n = store_run(STMT_METADATA_ENTRIES, values, NULL, 0);
	StoredRecord *records = palloc0(sizeof(StoredRecord) * Max(n, 1));
	int			nrecords = 0;

	for (uint64 i = 0; i < n; i++)
	{
		StoredRecord *r;

		if (i == 0 || strcmp(col_text(i, 1), col_text(i - 1, 1)) != 0)
		{
			r = &records[nrecords++];
			r->name = col_text_or_empty(i, 2);
			r->entries = palloc0(sizeof(StoredKeyValue) * n);
		}
		r = &records[nrecords - 1];
		if (col_text(i, 3) == NULL)
			continue;			/* a record without entries */
		r->entries[r->nentries].key = col_text_or_empty(i, 3);
		r->entries[r->nentries].type = "string";
		r->entries[r->nentries].text = col_text_or_empty(i, 4);
		r->nentries++;
	}
	store_done();
	*count = nrecords;
	return records;
}

char *
store_topic_schema_names(int64 file_id, const char *topic)
{
	Datum		values[2] = {Int64GetDatum(file_id), CStringGetTextDatum(topic)};
	char	   *names = "";

	if (store_run(STMT_TOPIC_SCHEMA_NAMES, values, NULL, 1) == 1)
		names = col_text_or_empty(0, 1);
	store_done();
	return names;
}

/* A file's Header: profile and library. */
typedef struct StoredHeader
{
	char	   *profile;
	char	   *library;
} StoredHeader;

static void
read_header(uint64 i, void *row)
{
	StoredHeader *header = row;

	header->profile = col_text_or_empty(i, 1);
	header->library = col_text_or_empty(i, 2);
}

void
store_read_file_header(int64 file_id, char **profile, char **library)
{
	StoredHeader header;

	store_read_file_row(STMT_FILE_HEADER, file_id, read_header, &header);
	*profile = header.profile;
	*library = header.library;
}

static void
read_channel_record(uint64 i, void *row)
{
	StoredChannelRecord *c = row;

	c->channel_id = col_int4(i, 1);
	c->topic = col_text(i, 2);
	c->message_encoding = col_text(i, 3);
	c->metadata = (Jsonb *) col_varlena(i, 4);
	c->schema_name = col_text(i, 5);
	c->schema_encoding = col_text(i, 6);
	c->schema_data = (bytea *) col_varlena(i, 7);
	c->has_schema = c->schema_data != NULL;
	c->schema_id = col_int4(i, 8);
}

StoredChannelRecord *
store_read_channel_records(int64 file_id, const ScanRequest *req, int *count)
{
	Datum		values[2];
	char		nulls[3] = "  ";

	values[0] = Int64GetDatum(file_id);
	values[1] = req->topics ? topics_array(req) : (Datum) 0;
	nulls[1] = req->topics ? ' ' : 'n';
	return store_read_rows(STMT_CHANNEL_RECORDS, values, nulls,
						   sizeof(StoredChannelRecord), read_channel_record,
						   count);
}

static void
read_metadata(uint64 i, void *row)
{
	StoredMetadata *md = row;

	md->name = col_text(i, 1);
	md->metadata = (Jsonb *) col_varlena(i, 2);
}

StoredMetadata *
store_read_metadata(int64 file_id, int *count)
{
	return store_read_file_rows(STMT_METADATA, file_id,
								sizeof(StoredMetadata), read_metadata, count);
}

static void
read_attachment(uint64 i, void *row)
{
	StoredAttachment *att = row;

	att->name = col_text(i, 1);
	att->media_type = col_text(i, 2);
	att->log_time_ns = col_int8(i, 3, NULL);
	att->create_time_ns = col_int8(i, 4, NULL);
	att->data = (bytea *) col_varlena(i, 5);
}

StoredAttachment *
store_read_attachments(int64 file_id, int64 start_ns, int64 end_ns,
					   int *count)
{
	Datum		values[3];

	values[0] = Int64GetDatum(file_id);
	values[1] = Int64GetDatum(start_ns);
	values[2] = Int64GetDatum(end_ns);
	return store_read_rows(STMT_ATTACHMENTS, values, NULL,
						   sizeof(StoredAttachment), read_attachment, count);
}

/* ---- the caller's own query -------------------------------------------------------- */

/* Only a query that returns rows: SELECT, VALUES, TABLE. */
/* A WITH clause holding INSERT, UPDATE or DELETE: query_to_mat only reads. */
static void
refuse_modifying_query(CachedPlanSource *source)
{
	ListCell   *lc;

	foreach(lc, source->query_list)
	{
		Query	   *q = lfirst_node(Query, lc);

		if (q->hasModifyingCTE || q->commandType != CMD_SELECT)
			ereport(ERROR,
					(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
					 errmsg("query_to_mat runs its query read-only: it cannot change data"),
					 errdetail("The query has a WITH clause that inserts, updates or deletes rows."),
					 errhint("Run the change on its own, then export with a query that only reads.")));
	}
}

Portal
store_open_rows_query(const char *query)
{
	SPIPlanPtr	plan = SPI_prepare(query, 0, NULL);
	List	   *sources;

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	sources = SPI_plan_get_plan_sources(plan);
	if (list_length(sources) != 1 || !SPI_is_cursor_plan(plan) ||
		((CachedPlanSource *) linitial(sources))->commandTag != CMDTAG_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("query_to_mat needs one query that returns rows (SELECT, VALUES or TABLE)")));
	refuse_modifying_query(linitial(sources));
	return SPI_cursor_open(NULL, plan, NULL, NULL, true);
}

/* ---- guarding a drop ------------------------------------------------------ */

/* How many files are stored, and their size in bytes. */
void
store_count_files(int64 *count, int64 *bytes)
{
	store_run(STMT_COUNT_FILES, NULL, NULL, 0);
	*count = col_int8(0, 1, NULL);
	*bytes = col_int8(0, 2, NULL);
	store_done();
}

/* ---- storing a file piece by piece ------------------------------------------ */

static Datum
int4_array(const int32 *v, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = Int32GetDatum(v[i]);
	return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true,
										   TYPALIGN_INT));
}

static Datum
int8_array(const int64 *v, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum(v[i]);
	return PointerGetDatum(construct_array(elems, n, INT8OID, 8,
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* An array column's elements (none when null). */
static Datum *
col_array(uint64 row, int col, Oid elemtype, int *n)
{
	bool		isnull;
	Datum		d = col_datum(row, col, &isnull);
	Datum	   *elems;
	int16		typlen;
	bool		byval;
	char		align;

	*n = 0;
	if (isnull)
		return NULL;
	get_typlenbyvalalign(elemtype, &typlen, &byval, &align);
	deconstruct_array(DatumGetArrayTypePCopy(d), elemtype, typlen, byval,
					  align, &elems, NULL, n);
	return elems;
}

static void
read_upload_problems(uint64 i, UploadState *st)
{
	int			ncodes;
	int			noffsets;
	int			nmessages;
	Datum	   *codes = col_array(i, 23, INT4OID, &ncodes);
	Datum	   *offsets = col_array(i, 24, INT8OID, &noffsets);
	Datum	   *messages = col_array(i, 25, TEXTOID, &nmessages);

	st->nproblems = Min(ncodes, Min(noffsets, nmessages));
	st->problems = palloc0(sizeof(UploadProblem) * Max(st->nproblems, 1));
	for (int k = 0; k < st->nproblems; k++)
	{
		st->problems[k].code = DatumGetInt32(codes[k]);
		st->problems[k].offset = DatumGetInt64(offsets[k]);
		st->problems[k].message = TextDatumGetCString(messages[k]);
	}
}

static void
read_upload_schemas(uint64 i, UploadState *st)
{
	int			nids;
	int			nkeys;
	Datum	   *ids = col_array(i, 14, INT4OID, &nids);
	Datum	   *keys = col_array(i, 15, INT8OID, &nkeys);

	st->nschemas = Min(nids, nkeys);
	st->schema_ids = palloc(sizeof(int32) * Max(st->nschemas, 1));
	st->schema_keys = palloc(sizeof(int64) * Max(st->nschemas, 1));
	for (int k = 0; k < st->nschemas; k++)
	{
		st->schema_ids[k] = DatumGetInt32(ids[k]);
		st->schema_keys[k] = DatumGetInt64(keys[k]);
	}
}

static void
read_upload(uint64 i, void *row)
{
	UploadState *st = row;
	bool		isnull;

	st->name = col_text(i, 1);
	st->state = col_text(i, 2);
	st->stored_bytes = col_int8(i, 3, NULL);
	st->tags = (Jsonb *) col_varlena(i, 4);
	st->message_count = col_int8(i, 5, NULL);
	st->start_ns = col_int8(i, 6, &isnull);
	st->has_messages = !isnull;
	st->end_ns = col_int8(i, 7, NULL);
	st->profile = col_text(i, 8);
	st->library = col_text(i, 9);
	st->has_upload = DatumGetBool(col_datum(i, 10, &isnull));
	if (!st->has_upload)
		return;
	st->sha256_state = (bytea *) col_varlena(i, 11);
	st->resume_point = (bytea *) col_varlena(i, 12);
	st->pending = (bytea *) col_varlena(i, 13);
	read_upload_schemas(i, st);
	st->metadata_count = col_int4(i, 16);
	st->attachment_count = col_int4(i, 17);
	st->chunks_skipped = col_int8(i, 18, NULL);
	st->records_skipped = col_int8(i, 19, NULL);
	st->bytes_skipped = col_int8(i, 20, NULL);
	st->messages_dropped = col_int8(i, 21, NULL);
	st->first_drop = col_text(i, 22);
	read_upload_problems(i, st);
}

bool
store_lock_upload(int64 file_id, UploadState *out)
{
	Datum		values[1] = {Int64GetDatum(file_id)};

	bool		found;

	memset(out, 0, sizeof(*out));
	out->file_id = file_id;

	/*
	 * Lock first, then read with a snapshot taken after the lock: a
	 * concurrent append that held the lock has committed by then, and its
	 * upload row is read as it left it.
	 */
	store_run_int8(STMT_LOCK_FILE, values, NULL, &found);
	if (!found)
		return false;
	return store_read_one(STMT_LOCK_UPLOAD, values, read_upload, out);
}

void
store_insert_upload(int64 file_id, const bytea *sha256_state)
{
	Datum		values[2] = {Int64GetDatum(file_id),
	PointerGetDatum(sha256_state)};

	store_run_int8(STMT_INSERT_UPLOAD, values, NULL, NULL);
}

void
store_save_upload(const UploadState *st)
{
	Datum		values[16];
	char		nulls[17] = "                ";
	int32	   *codes = palloc(sizeof(int32) * Max(st->nproblems, 1));
	int64	   *offsets = palloc(sizeof(int64) * Max(st->nproblems, 1));
	Datum	   *messages = palloc(sizeof(Datum) * Max(st->nproblems, 1));

	for (int k = 0; k < st->nproblems; k++)
	{
		codes[k] = st->problems[k].code;
		offsets[k] = st->problems[k].offset;
		messages[k] = CStringGetTextDatum(st->problems[k].message);
	}
	values[0] = Int64GetDatum(st->file_id);
	values[1] = PointerGetDatum(st->sha256_state);
	values[2] = PointerGetDatum(st->resume_point);
	nulls[2] = st->resume_point ? ' ' : 'n';
	values[3] = PointerGetDatum(st->pending);
	values[4] = int4_array(st->schema_ids, st->nschemas);
	values[5] = int8_array(st->schema_keys, st->nschemas);
	values[6] = Int32GetDatum(st->metadata_count);
	values[7] = Int32GetDatum(st->attachment_count);
	values[8] = Int64GetDatum(st->chunks_skipped);
	values[9] = Int64GetDatum(st->records_skipped);
	values[10] = Int64GetDatum(st->bytes_skipped);
	values[11] = Int64GetDatum(st->messages_dropped);
	values[12] = st->first_drop ? CStringGetTextDatum(st->first_drop) : (Datum) 0;
	nulls[12] = st->first_drop ? ' ' : 'n';
	values[13] = int4_array(codes, st->nproblems);
	values[14] = int8_array(offsets, st->nproblems);
	values[15] = PointerGetDatum(construct_array(messages, st->nproblems,
												 TEXTOID, -1, false,
												 TYPALIGN_INT));
	store_run_int8(STMT_SAVE_UPLOAD, values, nulls, NULL);
}

void
store_end_upload(int64 file_id)
{
	Datum		values[1] = {Int64GetDatum(file_id)};

	store_run_int8(STMT_END_UPLOAD, values, NULL, NULL);
}

void
store_save_live_file(int64 file_id, int64 stored_bytes, int64 messages_added,
					 int64 start_ns, int64 end_ns, const char *profile,
					 const char *library)
{
	Datum		values[7];
	char		nulls[8] = "       ";

	values[0] = Int64GetDatum(file_id);
	values[1] = Int64GetDatum(stored_bytes);
	values[2] = Int64GetDatum(messages_added);
	values[3] = Int64GetDatum(start_ns);
	values[4] = Int64GetDatum(end_ns);
	if (messages_added == 0)
		nulls[3] = nulls[4] = 'n';
	values[5] = profile ? CStringGetTextDatum(profile) : (Datum) 0;
	nulls[5] = profile ? ' ' : 'n';
	values[6] = library ? CStringGetTextDatum(library) : (Datum) 0;
	nulls[6] = library ? ' ' : 'n';
	store_run_int8(STMT_SAVE_LIVE_FILE, values, nulls, NULL);
}

static void
read_upload_channel(uint64 i, void *row)
{
	UploadChannel *ch = row;
	int			nstarts;
	int			nseqs;
	int			nsizes;
	Datum	   *starts;
	Datum	   *seqs;
	Datum	   *sizes;

	ch->channel_key = col_int8(i, 1, NULL);
	ch->channel_id = col_int4(i, 2);
	ch->next_seq = col_int4(i, 3);
	ch->max_segment_span_ns = col_int8(i, 4, NULL);
	starts = col_array(i, 5, INT8OID, &nstarts);
	seqs = col_array(i, 6, INT4OID, &nseqs);
	sizes = col_array(i, 7, INT4OID, &nsizes);
	ch->nrun = Min(nstarts, Min(nseqs, nsizes));
	ch->run_start_ns = palloc(sizeof(int64) * Max(ch->nrun, 1));
	ch->run_seqs = palloc(sizeof(int32) * Max(ch->nrun, 1));
	ch->run_sizes = palloc(sizeof(int32) * Max(ch->nrun, 1));
	for (int k = 0; k < ch->nrun; k++)
	{
		ch->run_start_ns[k] = DatumGetInt64(starts[k]);
		ch->run_seqs[k] = DatumGetInt32(seqs[k]);
		ch->run_sizes[k] = DatumGetInt32(sizes[k]);
	}
}

UploadChannel *
store_upload_channels(int64 file_id, int *count)
{
	return store_read_file_rows(STMT_UPLOAD_CHANNELS, file_id,
								sizeof(UploadChannel), read_upload_channel,
								count);
}

void
store_save_upload_channel(int64 file_id, const UploadChannel *ch)
{
	Datum		values[8];

	values[0] = Int64GetDatum(ch->channel_key);
	values[1] = Int64GetDatum(file_id);
	values[2] = Int32GetDatum(ch->channel_id);
	values[3] = Int32GetDatum(ch->next_seq);
	values[4] = Int64GetDatum(ch->max_segment_span_ns);
	values[5] = int8_array(ch->run_start_ns, ch->nrun);
	values[6] = int4_array(ch->run_seqs, ch->nrun);
	values[7] = int4_array(ch->run_sizes, ch->nrun);
	store_run_int8(STMT_SAVE_UPLOAD_CHANNEL, values, NULL, NULL);
}

void
store_add_channel_messages(int64 channel_key, const ChannelSummary *added)
{
	run_channel_summary(STMT_ADD_CHANNEL_MESSAGES, channel_key, added);
}

void
store_delete_segment(int64 channel_key, int64 start_ns, int32 seq)
{
	Datum		values[3] = {Int64GetDatum(channel_key),
		Int64GetDatum(start_ns), Int32GetDatum(seq)};

	store_run_int8(STMT_DELETE_SEGMENT, values, NULL, NULL);
}

static void
read_segment_size(uint64 i, void *row)
{
	SegmentSize *seg = row;

	seg->seq = col_int4(i, 1);
	seg->start_ns = col_int8(i, 2, NULL);
	seg->end_ns = col_int8(i, 3, NULL);
	seg->uncompressed_size = col_int4(i, 4);
}

SegmentSize *
store_segment_sizes(int64 channel_key, int64 start_ns, int64 end_ns,
					int *count)
{
	Datum		values[3] = {Int64GetDatum(channel_key),
		Int64GetDatum(start_ns), Int64GetDatum(end_ns)};

	return store_read_rows(STMT_SEGMENT_SIZES, values, NULL,
						   sizeof(SegmentSize), read_segment_size, count);
}

void
store_set_channel_segments(int64 channel_key, int64 max_span_ns,
						   int32 next_seq)
{
	Datum		values[3] = {Int64GetDatum(channel_key),
		Int64GetDatum(max_span_ns), Int32GetDatum(next_seq)};

	store_run_int8(STMT_SET_CHANNEL_SPAN, values, NULL, NULL);
}

/* ---- leaf blocks -------------------------------------------------------------------- */

void
store_insert_leaf_block(const LeafBlockRow *row)
{
	Datum		values[15];
	const HdColumnSummary *s = &row->summary;

	values[0] = Int64GetDatum(row->file_id);
	values[1] = Int64GetDatum(row->channel_key);
	values[2] = CStringGetTextDatum(row->path);
	values[3] = Int64GetDatum(s->first_time);
	values[4] = Int32GetDatum(row->ord);
	values[5] = Int64GetDatum(s->last_time);
	values[6] = Int32GetDatum((int32) s->count);
	values[7] = Float8GetDatum(s->min);
	values[8] = Int64GetDatum(s->min_time);
	values[9] = Float8GetDatum(s->max);
	values[10] = Int64GetDatum(s->max_time);
	values[11] = Float8GetDatum(s->first);
	values[12] = Float8GetDatum(s->last);
	values[13] = Float8GetDatum(s->sum);
	values[14] = PointerGetDatum(row->data);
	store_run_int8(STMT_INSERT_LEAF_BLOCK, values, NULL, NULL);
}

void
store_delete_leaf_blocks(int64 file_id)
{
	Datum		values[1];

	values[0] = Int64GetDatum(file_id);
	store_run(STMT_DELETE_LEAF_BLOCKS, values, NULL, 0);
	store_done();
}

void
store_delete_channel_leaf_blocks(int64 channel_key, const char *path)
{
	Datum		values[2];

	values[0] = Int64GetDatum(channel_key);
	values[1] = path ? CStringGetTextDatum(path) : (Datum) 0;
	store_run(STMT_DELETE_CHANNEL_LEAF_BLOCKS, values, path ? NULL : " n", 0);
	store_done();
}

bool *
store_leaf_block_paths(const int64 *channel_keys, int nchannels,
					   const char *const *paths, int npaths)
{
	Datum		values[2];
	Datum	   *elems = palloc(sizeof(Datum) * Max(npaths, 1));
	bool	   *has = palloc0(sizeof(bool) * Max((Size) nchannels * npaths, 1));
	uint64		n;

	for (int p = 0; p < npaths; p++)
		elems[p] = CStringGetTextDatum(paths[p]);
	values[0] = int8_array(channel_keys, nchannels);
	values[1] = PointerGetDatum(construct_array(elems, npaths, TEXTOID, -1,
												false, TYPALIGN_INT));
	n = store_run(STMT_LEAF_BLOCK_PATHS, values, NULL, 0);
	for (uint64 r = 0; r < n; r++)
	{
		int64		i = col_int8(r, 1, NULL) - 1;
		int64		j = col_int8(r, 2, NULL) - 1;

		if (i >= 0 && i < nchannels && j >= 0 && j < npaths)
			has[i * npaths + j] = true;
	}
	store_done();
	return has;
}

static void
read_leaf_path(uint64 i, void *row)
{
	StoredLeafPath *lp = row;

	lp->channel_key = col_int8(i, 1, NULL);
	lp->path = col_text_or_empty(i, 2);
	lp->first_count = col_int4(i, 3);
}

StoredLeafPath *
store_file_leaf_block_paths(int64 file_id, int *count)
{
	Datum		values[1];

	values[0] = Int64GetDatum(file_id);
	return store_read_rows(STMT_FILE_LEAF_BLOCK_PATHS, values, NULL,
						   sizeof(StoredLeafPath), read_leaf_path, count);
}

static double
col_float8(uint64 row, int col)
{
	bool		isnull;

	return DatumGetFloat8(col_datum(row, col, &isnull));
}

static void
read_leaf_block(uint64 i, void *row)
{
	StoredLeafBlock *b = row;
	HdColumnSummary *s = &b->summary;

	s->first_time = col_int8(i, 1, NULL);
	s->last_time = col_int8(i, 2, NULL);
	s->count = (uint64) col_int4(i, 3);
	s->min = col_float8(i, 4);
	s->min_time = col_int8(i, 5, NULL);
	s->max = col_float8(i, 6);
	s->max_time = col_int8(i, 7, NULL);
	s->first = col_float8(i, 8);
	s->last = col_float8(i, 9);
	s->sum = col_float8(i, 10);
	b->data = (bytea *) col_varlena(i, 11);
	b->ord = col_int4(i, 12);
}

static void
read_leaf_block_data(uint64 i, void *row)
{
	*(bytea **) row = (bytea *) col_varlena(i, 1);
}

bytea *
store_read_leaf_block(int64 channel_key, const char *path,
					  const StoredLeafBlock *block)
{
	Datum		values[4];
	bytea	   *data = NULL;

	values[0] = Int64GetDatum(channel_key);
	values[1] = CStringGetTextDatum(path);
	values[2] = Int64GetDatum(block->summary.first_time);
	values[3] = Int32GetDatum(block->ord);
	if (!store_read_one(STMT_LEAF_BLOCK_DATA, values, read_leaf_block_data, &data))
		return NULL;
	return data;
}

StoredLeafBlock *
store_find_leaf_blocks(int64 channel_key, const char *path, int64 start_ns,
					   int64 end_ns, bool with_data, int *count)
{
	Datum		values[5];

	values[0] = Int64GetDatum(channel_key);
	values[1] = CStringGetTextDatum(path);
	values[2] = Int64GetDatum(start_ns);
	values[3] = Int64GetDatum(end_ns);
	values[4] = BoolGetDatum(with_data);
	return store_read_rows(STMT_LEAF_BLOCKS, values, NULL, sizeof(StoredLeafBlock),
						   read_leaf_block, count);
}

/* ---- resampling on a lap's axis --------------------------------------------- */

bool
store_file_span(int64 file_id, int64 *start_ns, int64 *end_ns)
{
	Datum		values[1] = {Int64GetDatum(file_id)};
	bool		found = store_run(STMT_FILE_SPAN, values, NULL, 1) > 0;
	bool		isnull;

	*start_ns = PG_INT64_MIN;
	*end_ns = PG_INT64_MAX;
	if (found)
	{
		int64		v = col_int8(0, 1, &isnull);

		if (!isnull)
			*start_ns = v;
		v = col_int8(0, 2, &isnull);
		if (!isnull)
			*end_ns = v;
	}
	store_done();
	return found;
}

/* The arguments of the lap statements. */
static void
lap_args(const StoredLapKey *key, Datum *values)
{
	values[0] = Int64GetDatum(key->file_id);
	values[1] = CStringGetTextDatum(key->track);
	values[2] = CStringGetTextDatum(key->gps_topic);
	values[3] = CStringGetTextDatum(key->lat_path);
	values[4] = CStringGetTextDatum(key->lon_path);
	values[5] = Int32GetDatum(key->lap);
}

bool
store_lap_bounds(const StoredLapKey *key, int64 *start_ns, int64 *end_ns)
{
	Datum		values[6];
	bool		found;

	lap_args(key, values);
	found = store_run(STMT_LAP_BOUNDS, values, NULL, 1) > 0;
	if (found)
	{
		*start_ns = col_int8(0, 1, NULL);
		*end_ns = col_int8(0, 2, NULL);
	}
	store_done();
	return found;
}

int
store_lap_profile(const StoredLapKey *key, double **dist, double **time_s)
{
	Datum		values[6];
	uint64		n;

	lap_args(key, values);
	n = store_run(STMT_LAP_PROFILE, values, NULL, 0);
	if (n > (uint64) (MaxAllocSize / sizeof(double)))
		elog(ERROR, "a lap profile of " UINT64_FORMAT " points is too long", n);
	*dist = palloc(sizeof(double) * Max(n, 1));
	*time_s = palloc(sizeof(double) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		(*dist)[i] = col_float8(i, 1);
		(*time_s)[i] = col_float8(i, 2);
	}
	store_done();
	return (int) n;
}

/* ---- math channels and units ------------------------------------------------ */

bool
store_find_math_channel(const char *topic, const char *name,
						char **expression, char **unit)
{
	Datum		values[2] = {CStringGetTextDatum(topic), CStringGetTextDatum(name)};
	bool		found = store_run(STMT_MATH_CHANNEL, values, NULL, 1) == 1;

	if (found)
	{
		*expression = col_text(0, 1);
		*unit = col_text(0, 2);
	}
	store_done();
	return found;
}

char *
store_signal_unit(const char *topic, const char *path, const int64 *file_id)
{
	Datum		values[3] = {CStringGetTextDatum(topic), CStringGetTextDatum(path),
	Int64GetDatum(file_id ? *file_id : 0)};
	char	   *unit = NULL;

	if (store_run(STMT_SIGNAL_UNIT, values, file_id ? NULL : "  n", 1) == 1)
		unit = col_text(0, 1);
	store_done();
	return unit;
}

bool
store_unit_conversion(const char *from_unit, const char *to_unit,
					  double *scale, double *offset)
{
	Datum		values[2] = {CStringGetTextDatum(from_unit), CStringGetTextDatum(to_unit)};
	bool		isnull;
	bool		found = store_run(STMT_UNIT_CONVERSION, values, NULL, 1) == 1;

	if (found)
	{
		*scale = DatumGetFloat8(col_datum(0, 1, &isnull));
		*offset = DatumGetFloat8(col_datum(0, 2, &isnull));
	}
	store_done();
	return found;
}

bool
store_unit_known(const char *unit)
{
	Datum		values[1] = {CStringGetTextDatum(unit)};
	bool		known = store_run(STMT_UNIT_KNOWN, values, NULL, 1) > 0;

	store_done();
	return known;
}

void
store_define_math_channel(const char *topic, const char *name,
						  const char *expression, const char *unit,
						  const char *description)
{
	Datum		values[5] = {CStringGetTextDatum(topic), CStringGetTextDatum(name),
		CStringGetTextDatum(expression),
		unit ? CStringGetTextDatum(unit) : (Datum) 0,
	description ? CStringGetTextDatum(description) : (Datum) 0};
	char		nulls[6] = {' ', ' ', ' ', unit ? ' ' : 'n', description ? ' ' : 'n', '\0'};

	store_run(STMT_DEFINE_MATH_CHANNEL, values, nulls, 0);
}

static void
read_path_unit(uint64 i, void *row)
{
	StoredPathUnit *pu = row;

	pu->path = col_text(i, 1);
	pu->unit = col_text(i, 2);
}

StoredPathUnit *
store_topic_units(const char *topic, int64 file_id, int *count)
{
	Datum		values[2] = {CStringGetTextDatum(topic), Int64GetDatum(file_id)};

	return store_read_rows(STMT_TOPIC_UNITS, values, NULL, sizeof(StoredPathUnit),
						   read_path_unit, count);
}

static void
read_math_channel(uint64 i, void *row)
{
	StoredMathChannel *mc = row;

	mc->topic = col_text(i, 1);
	mc->name = col_text(i, 2);
	mc->unit = col_text(i, 3);
}

StoredMathChannel *
store_math_channels(int *count)
{
	return store_read_rows(STMT_MATH_CHANNELS, NULL, NULL,
						   sizeof(StoredMathChannel), read_math_channel, count);
}

/* ---- laps ---------------------------------------------------------------- */

bool
store_table_usable(const char *table, AclMode mode)
{
	Oid			ns = get_namespace_oid("hdaq", true);
	Oid			rel = OidIsValid(ns) ? get_relname_relid(table, ns) : InvalidOid;

	return OidIsValid(rel) && pg_class_aclcheck(rel, GetUserId(), mode) == ACLCHECK_OK;
}

static void
read_lap(uint64 i, void *row)
{
	StoredLap  *lap = row;
	bool		isnull;
	int			n;
	Datum	   *splits;

	lap->track = col_text_or_empty(i, 1);
	lap->lap = col_int4(i, 2);
	lap->start_ns = col_int8(i, 3, NULL);
	lap->end_ns = col_int8(i, 4, NULL);
	lap->lap_time_s = col_float8(i, 5);
	lap->distance_m = col_float8(i, 6);
	lap->out_lap = DatumGetBool(col_datum(i, 7, &isnull));
	lap->in_lap = DatumGetBool(col_datum(i, 8, &isnull));
	lap->valid = DatumGetBool(col_datum(i, 9, &isnull));
	splits = col_array(i, 10, FLOAT8OID, &n);
	lap->split_times_s = palloc(sizeof(double) * Max(n, 1));
	for (int k = 0; k < n; k++)
		lap->split_times_s[k] = DatumGetFloat8(splits[k]);
	lap->nsplits = n;
}

StoredLap *
store_read_file_laps(int64 file_id, int *count)
{
	Datum		values[1];

	values[0] = Int64GetDatum(file_id);
	return store_read_rows(STMT_FILE_LAPS, values, NULL, sizeof(StoredLap),
						   read_lap, count);
}
