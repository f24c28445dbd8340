/*-------------------------------------------------------------------------
 *
 * store.h
 *	  Store tier: every SQL statement that reads or writes hdaq's tables
 *	  (file, schema, channel, segment, metadata, attachment), run through
 *	  SPI with plans prepared once per backend.  Nothing else in src/
 *	  holds SQL text.
 *
 * Callers must be connected to SPI.  What a function here returns is
 * allocated in the caller's CurrentMemoryContext, which is current again
 * when it returns.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_STORE_H
#define HDAQ_STORE_H

#include "hdaq.h"

#include "column.h"

#include "utils/jsonb.h"
#include "utils/portal.h"

/* ---- writing a file (ingest) ---- */

/* What hdaq.file holds once an ingest is complete. */
typedef struct FileSummary
{
	const uint8 *sha256;		/* 32 bytes */
	int64		size_bytes;
	int64		message_count;
	bool		has_messages;
	int64		start_ns;
	int64		end_ns;
	Jsonb	   *recovery;		/* NULL when complete */
	const char *profile;
	const char *library;
	const char *state;			/* "complete" or "cut short" */
} FileSummary;

/* What hdaq.channel holds once an ingest is complete. */
typedef struct ChannelSummary
{
	int64		message_count;
	int64		start_ns;
	int64		end_ns;
	int64		max_segment_span_ns;
} ChannelSummary;

/* One hdaq.segment row to insert. */
typedef struct SegmentRow
{
	int64		file_id;		/* the channel's file */
	int64		channel_key;
	int64		start_ns;
	int32		seq;
	int64		end_ns;
	int32		message_count;
	const char *compression;
	int32		uncompressed_size;
	bytea	   *data;
} SegmentRow;

extern int64 store_find_file(const uint8 *sha256);
extern void store_lock_sha256(const uint8 *sha256);
extern int64 store_insert_file(const char *name, const uint8 *sha256,
							   Jsonb *tags, const char *state);
extern void store_complete_file(int64 file_id, const FileSummary *summary);
extern void store_delete_file(int64 file_id);

/* A stored file's name (NULL if it has none) and tags as JSON text. */
typedef struct StoredFile
{
	char	   *name;
	char	   *tags;
} StoredFile;

/*
 * A stored file's name and tags, after merging merge_tags into its tags
 * (a key given replaces the stored value) unless merge_tags is NULL; false
 * when there is no such file.
 */
extern bool store_stored_file(int64 file_id, Jsonb *merge_tags,
							  StoredFile *out);

extern int64 store_upsert_schema(const McapSchema *schema);
extern int64 store_insert_channel(int64 file_id, const McapChannel *channel,
								  int64 schema_key, bool has_schema_key);
extern void store_complete_channel(int64 channel_key,
								   const ChannelSummary *summary);
extern void store_insert_segment(const SegmentRow *row);
extern void store_insert_metadata(int64 file_id, int32 ord,
								  const McapMetadata *md);
extern void store_insert_attachment(int64 file_id, int32 ord,
									const McapAttachment *att);

/* ---- storing a file piece by piece (live.c) ---- */

/* A problem the reader found, kept between pieces. */
typedef struct UploadProblem
{
	int32		code;			/* McapStatus */
	int64		offset;
	char	   *message;
} UploadProblem;

/* A recording file's row and what its next piece continues from. */
typedef struct UploadState
{
	int64		file_id;
	char	   *name;			/* NULL if it has none */
	char	   *state;			/* recording, complete, cut short */
	int64		stored_bytes;
	Jsonb	   *tags;
	int64		message_count;
	bool		has_messages;
	int64		start_ns;
	int64		end_ns;
	char	   *profile;		/* NULL until the Header arrived */
	char	   *library;
	/* from hdaq.upload; has_upload false when the file is not recording */
	bool		has_upload;
	bytea	   *sha256_state;
	bytea	   *resume_point;	/* NULL before the opening magic */
	bytea	   *pending;
	int			nschemas;
	int32	   *schema_ids;
	int64	   *schema_keys;
	int32		metadata_count;
	int32		attachment_count;
	int64		chunks_skipped;
	int64		records_skipped;
	int64		bytes_skipped;
	int64		messages_dropped;
	char	   *first_drop;		/* NULL if none */
	int			nproblems;
	UploadProblem *problems;
} UploadState;

/* A channel of a recording file: where its segments go on. */
typedef struct UploadChannel
{
	int64		channel_key;
	int32		channel_id;
	int32		next_seq;
	int64		max_segment_span_ns;
	/* the small segments at the channel's end, oldest first */
	int			nrun;
	int64	   *run_start_ns;
	int32	   *run_seqs;
	int32	   *run_sizes;
} UploadChannel;

/*
 * Lock a file's row until the end of the transaction and read it, with
 * its upload state if it is recording: false if there is no such file.
 */
extern bool store_lock_upload(int64 file_id, UploadState *out);
extern void store_insert_upload(int64 file_id, const bytea *sha256_state);
extern void store_save_upload(const UploadState *st);
extern void store_end_upload(int64 file_id);

/* A recording file's progress: its bytes, and the messages a piece added. */
extern void store_save_live_file(int64 file_id, int64 stored_bytes,
								 int64 messages_added, int64 start_ns,
								 int64 end_ns, const char *profile,
								 const char *library);
extern UploadChannel *store_upload_channels(int64 file_id, int *count);
extern void store_save_upload_channel(int64 file_id, const UploadChannel *ch);

/* Messages added to a channel: its counts, time range and longest span. */
extern void store_add_channel_messages(int64 channel_key,
									   const ChannelSummary *added);
extern void store_delete_segment(int64 channel_key, int64 start_ns,
								 int32 seq);

/*
 * A channel's segments with their sizes, in (start_ns, seq) order; the
 * channel's time range bounds their starts, so that only the partitions
 * of hdaq.segment that can hold them are read.
 */
typedef struct SegmentSize
{
	int32		seq;
	int64		start_ns;
	int64		end_ns;
	int32		uncompressed_size;
} SegmentSize;

extern SegmentSize *store_segment_sizes(int64 channel_key, int64 start_ns,
										int64 end_ns, int *count);

/*
 * After a channel's segments were rewritten: its longest segment span, and
 * (while its file is recording) where its segments go on, with no last
 * segment to take up.
 */
extern void store_set_channel_segments(int64 channel_key, int64 max_span_ns,
									   int32 next_seq);

/* ---- reading messages back (scan) ---- */

/* A channel with messages, as a scan reads it. */
typedef struct StoredChannel
{
	int64		channel_key;
	int64		file_id;
	int32		channel_id;
	char	   *topic;
	char	   *message_encoding;
	bool		has_schema;
	int64		schema_key;
	int64		max_segment_span_ns;
	/* the first and last log time of its messages: its segments start in it */
	int64		start_ns;
	int64		end_ns;
} StoredChannel;

/* Where a segment sits in its channel, without its data. */
typedef struct StoredSegment
{
	int32		seq;
	int64		start_ns;
	int64		end_ns;
} StoredSegment;

/* A segment's stored bytes. */
typedef struct StoredSegmentData
{
	char	   *compression;	/* "" when stored as is */
	int32		uncompressed_size;
	bytea	   *data;
} StoredSegmentData;

/*
 * The channels a request selects that have messages in its time range,
 * by file, then channel.
 */
extern StoredChannel *store_find_channels(const ScanRequest *req, int *count);

/*
 * What the channels a request selects hold, for the planner: their
 * messages in its time range (each channel's taken as spread evenly over
 * its own time range), and how many files, topics and channels they are.
 */
typedef struct ChannelEstimate
{
	double		messages;
	double		files;
	double		topics;
	double		channels;
} ChannelEstimate;

extern void store_estimate_channels(const ScanRequest *req,
									ChannelEstimate *out);

/* How many messages every stored file holds together. */
extern double store_total_messages(void);

/* How many segments of a channel start in [lowest_start, highest_start]. */
extern int64 store_count_segments(int64 channel_key, int64 lowest_start,
								  int64 highest_start);

/*
 * The segments of a channel that start in [lowest_start, highest_start]
 * and end at or after min_end, by start, then seq.
 */
extern StoredSegment *store_find_segments(int64 channel_key,
										  int64 lowest_start,
										  int64 highest_start,
										  int64 min_end, int *count);

/* One segment's bytes; false when it is not there (any more). */
extern bool store_read_segment(int64 channel_key, int64 start_ns, int32 seq,
							   StoredSegmentData *out);
/* The same, seeing what this transaction wrote since the query began. */
extern bool store_read_own_segment(int64 channel_key, int64 start_ns,
								   int32 seq, StoredSegmentData *out);

/* ---- schemas and topics (decoders, signal paths) ---- */

typedef struct StoredSchema
{
	char	   *name;
	char	   *encoding;
	bytea	   *data;
} StoredSchema;

/* A schema by key; false when there is none. */
extern bool store_read_schema(int64 schema_key, StoredSchema *out);

/* Whether any stored file has the topic. */
extern bool store_topic_exists(const char *topic);

/* Every distinct topic of every stored file. */
extern char **store_all_topics(int *count);

/* ---- checking a request ---- */

/* Whether a file with this file_id is stored. */
extern bool store_file_exists(int64 file_id);

/* How many files are stored and their lowest and highest file_id. */
extern void store_file_id_range(int64 *count, int64 *lowest, int64 *highest);

/* Whether a file has a channel with this topic. */
extern bool store_file_has_topic(int64 file_id, const char *topic);

/* The distinct topics of a file, sorted. */
extern char **store_file_topics(int64 file_id, int *count);

/* The files that have a channel with this topic, by file_id. */
extern int64 *store_topic_files(const char *topic, int *count);

/* ---- a file's records (exports) ---- */

/* A key and its value, from a jsonb object. */
typedef struct StoredKeyValue
{
	char	   *key;
	char	   *type;			/* jsonb_typeof */
	char	   *text;
} StoredKeyValue;

/* A Metadata record as entries of text. */
typedef struct StoredRecord
{
	char	   *name;
	StoredKeyValue *entries;
	int			nentries;
} StoredRecord;

/* What hdaq_info says of a file. */
typedef struct StoredFileInfo
{
	char	   *name;
	char	   *sha256_hex;
	char	   *hdaq_version;	/* of the installed extension */
} StoredFileInfo;

/* The file's name, digest and the extension's version; an error if none. */
extern void store_read_file_info(int64 file_id, StoredFileInfo *out);

/* The file's tags, in their order. */
extern StoredKeyValue *store_read_file_tags(int64 file_id, int *count);

/* The file's Metadata records with their entries as text, in file order. */
extern StoredRecord *store_read_metadata_entries(int64 file_id, int *count);

/* The schema names of a topic of a file, comma-separated. */
extern char *store_topic_schema_names(int64 file_id, const char *topic);

/* The file's Header: profile and library (never NULL); an error if none. */
extern void store_read_file_header(int64 file_id, char **profile,
								   char **library);

/* A channel of a file with its schema, as export_mcap writes them. */
typedef struct StoredChannelRecord
{
	int32		channel_id;
	char	   *topic;
	char	   *message_encoding;
	Jsonb	   *metadata;
	int32		schema_id;
	bool		has_schema;		/* the schema row exists */
	char	   *schema_name;
	char	   *schema_encoding;
	bytea	   *schema_data;
} StoredChannelRecord;

/* The channels of a file that the request's topics select, by id. */
extern StoredChannelRecord *store_read_channel_records(int64 file_id,
													   const ScanRequest *req,
													   int *count);

typedef struct StoredMetadata
{
	char	   *name;
	Jsonb	   *metadata;
} StoredMetadata;

/* The file's Metadata records, in file order. */
extern StoredMetadata *store_read_metadata(int64 file_id, int *count);

typedef struct StoredAttachment
{
	char	   *name;
	char	   *media_type;
	int64		log_time_ns;
	int64		create_time_ns;
	bytea	   *data;
} StoredAttachment;

/* The file's Attachments logged in [start_ns, end_ns], in file order. */
extern StoredAttachment *store_read_attachments(int64 file_id, int64 start_ns,
												int64 end_ns, int *count);

/* ---- the caller's own query (query_to_mat) ---- */

/*
 * A read-only cursor over the caller's query, which must be one statement
 * that returns rows; an error otherwise.
 */
extern Portal store_open_rows_query(const char *query);

/* ---- guarding a drop ---- */

extern void store_count_files(int64 *count, int64 *bytes);

/* ---- leaf blocks (engine/leaf_blocks.c) ---- */

/* A leaf block to insert: its summary gives its times and count. */
typedef struct LeafBlockRow
{
	int64		file_id;
	int64		channel_key;
	const char *path;
	int32		ord;
	HdColumnSummary summary;
	bytea	   *data;
} LeafBlockRow;

/* A stored leaf block: its summary, and its bytes when asked for. */
typedef struct StoredLeafBlock
{
	HdColumnSummary summary;
	bytea	   *data;			/* NULL when read without them */
	int32		ord;
} StoredLeafBlock;

extern void store_insert_leaf_block(const LeafBlockRow *row);
extern void store_delete_leaf_blocks(int64 file_id);
/* The blocks of one leaf of a channel, or of all its leaves (path NULL). */
extern void store_delete_channel_leaf_blocks(int64 channel_key, const char *path);
/*
 * Which of some leaves of some channels have blocks (then every message of
 * the channel is in them), in one statement: has[i * npaths + j] for
 * channel i and path j.
 */
extern bool *store_leaf_block_paths(const int64 *channel_keys, int nchannels,
									const char *const *paths, int npaths);
/* A leaf of a channel that has blocks. */
typedef struct StoredLeafPath
{
	int64		channel_key;
	char	   *path;
	int32		first_count;	/* values in its first block */
} StoredLeafPath;

/*
 * Every leaf with blocks of a file's channels, ordered by channel key and
 * path (bytewise, as strcmp orders).
 */
extern StoredLeafPath *store_file_leaf_block_paths(int64 file_id, int *count);
/* The blocks of a channel's leaf that overlap [start_ns, end_ns], in time order. */
extern StoredLeafBlock *store_find_leaf_blocks(int64 channel_key, const char *path,
											   int64 start_ns, int64 end_ns,
											   bool with_data, int *count);
/* The bytes of a block found without them; NULL if it is not there any more. */
extern bytea *store_read_leaf_block(int64 channel_key, const char *path,
									const StoredLeafBlock *block);

/* ---- resampling on a lap's axis ---- */

/* The file's first and last log time; false if the file is not stored. */
extern bool store_file_span(int64 file_id, int64 *start_ns, int64 *end_ns);

/* A lap of a run on a stored track, found through hdaq.laps. */
typedef struct StoredLapKey
{
	int64		file_id;
	const char *track;
	int32		lap;
	const char *gps_topic;
	const char *lat_path;
	const char *lon_path;
} StoredLapKey;

/* The lap's start and end (hdaq.laps); false if the run has no such lap. */
extern bool store_lap_bounds(const StoredLapKey *key, int64 *start_ns,
							 int64 *end_ns);

/*
 * The lap's profile (hdaq.lap_profile): distance since its start line and
 * time since its start, a point per fix; returns the number of points.
 */
extern int	store_lap_profile(const StoredLapKey *key, double **dist,
							  double **time_s);

/*
 * Math channels and units (hdaq.math_channel, hdaq.unit,
 * hdaq.unit_conversion): the caller has checked that the tables exist
 * (math_channels_available()).
 */
/* A math channel's expression and unit (NULL when it has none); false if none is defined. */
extern bool store_find_math_channel(const char *topic, const char *name,
									char **expression, char **unit);
/* The unit of a signal (hdaq.signal_unit); NULL when not known. */
extern char *store_signal_unit(const char *topic, const char *path,
							   const int64 *file_id);
/* to = from * scale + offset, stored either way; false when neither is. */
extern bool store_unit_conversion(const char *from_unit, const char *to_unit,
								  double *scale, double *offset);
/* Whether hdaq.unit_conversion names the unit at all. */
extern bool store_unit_known(const char *unit);
/* Store a checked definition (replacing one of the same topic and name). */
extern void store_define_math_channel(const char *topic, const char *name,
									  const char *expression, const char *unit,
									  const char *description);
/* The units hdaq.unit gives the paths of a topic's schemas in a file. */
typedef struct StoredPathUnit
{
	char	   *path;
	char	   *unit;
} StoredPathUnit;
extern StoredPathUnit *store_topic_units(const char *topic, int64 file_id,
										 int *count);
/* Every math channel, by topic and name; unit NULL when it has none. */
typedef struct StoredMathChannel
{
	char	   *topic;
	char	   *name;
	char	   *unit;
} StoredMathChannel;
extern StoredMathChannel *store_math_channels(int *count);

/* ---- laps (engine/mat_laps.c) ---- */

/* A lap stored by hdaq.detect_laps (a row of hdaq.lap). */
typedef struct StoredLap
{
	char	   *track;
	int32		lap;
	int64		start_ns;
	int64		end_ns;
	double		lap_time_s;
	double		distance_m;
	bool		out_lap;
	bool		in_lap;
	bool		valid;
	double	   *split_times_s;	/* NaN for a split the lap did not pass */
	int			nsplits;
} StoredLap;

/*
 * Whether hdaq's table exists (a 0.1.0 store lacks the newer ones until
 * ALTER EXTENSION hdaq UPDATE) and the user has these privileges on it.
 */
extern bool store_table_usable(const char *table, AclMode mode);

/* A file's stored laps, by track and lap number. */
extern StoredLap *store_read_file_laps(int64 file_id, int *count);

#endif							/* HDAQ_STORE_H */
