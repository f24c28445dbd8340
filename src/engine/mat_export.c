/*-------------------------------------------------------------------------
 *
 * mat_export.c
 *	  Engine: the selected messages of a stored file as MATLAB variables,
 *	  for hdaq.export_mat.  One struct variable per topic
 *	  (src/mat/mattopic.c says how messages become structs), then the
 *	  variable hdaq_info describing the export (mat_info.c).
 *
 * For v5 and v7 (MAT 5 writes a variable at once, so the whole variable is
 * held anyway) each topic is read once through the decoded scan: every
 * message teaches the field tree and fills the columns, which grow
 * (src/mat/mattopic.h).  For v7.3, which appends a batch of MAT_BATCH_ROWS
 * rows per column as it goes and so must know each column's shape before
 * the first batch, a topic is read twice: the first pass learns its field
 * tree and sizes, the second fills the columns.  A topic the one pass
 * cannot fill (a leaf turning to text after holding numbers) is read again
 * with the two passes.  Topics are done one at a time, in a memory context
 * reset after each, so memory holds one topic.  What is kept
 * across topics is one row of hdaq_info.topics each.  The time origin is
 * the first exported message's log time: the earliest of each topic's
 * first message, read by a scan of that topic alone, so that no more than
 * one topic's segments are open at a time.  Every step is linear in the
 * number of topics (hash sets for the distinct topics and MATLAB names).
 *
 * hdaq.max_export_memory caps what one export holds: the rows kept for
 * hdaq_info, plus the current topic's field tree while pass 1 learns it,
 * plus the columns pass 2 will fill (known before they are allocated),
 * plus, for v7.3, an estimate of what libmatio and HDF5 keep of every
 * topic written until the file is finished.  The one pass counts its field
 * tree and the columns as they grow (their growth stays within what the
 * setting leaves while the values fit), and before writing checks the
 * same estimate of the whole variable as the two passes do, so that a
 * topic fits in one pass when it fits in two.
 * More is an error (54000) naming the setting.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_export.h"

#include "engine/decoded_scan.h"
#include "engine/decoders.h"
#include "engine/leaf_blocks.h"
#include "engine/mat_info.h"
#include "engine/mat_laps.h"
#include "engine/mat_math.h"
#include "engine/mat_output.h"
#include "engine/mat_units.h"
#include "engine/request.h"
#include "engine/scan.h"
#include "store/store.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* hdaq.max_export_memory, in kB */
static int	max_export_memory_kb = 1024 * 1024;

void
mat_export_define_gucs(void)
{
	DefineCustomIntVariable("hdaq.max_export_memory",
							"Most memory one hdaq.export_mat may hold.",
							"What the export keeps for every topic, plus the topic being written: its field tree and its columns (whole for v5 and v7, batches for v7.3).",
							&max_export_memory_kb,
							1024 * 1024, 1024, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
}

/* Memory a row of hdaq_info.topics takes, its text included. */
static uint64
topic_info_bytes(const char *topic, const char *schema)
{
	/* the row, the variable's name, and the three cells as libmatio holds them */
	return sizeof(MatTopicInfo) + 3 * (strlen(topic) + 1) + MB_NAME_MAX + 1 +
		3 * (strlen(schema) + 1) + 3 * 256;
}

/*
 * v7.3: what libmatio and HDF5 keep of each field of a written topic until
 * the file is finished (an estimate from measurement: 65,535 topics of
 * three fields each took about 83 kB per topic, 16 kB per HDF5 object).
 */
#define V73_FIELD_BYTES (32 * 1024)

static uint64
export_memory_limit(void)
{
	return (uint64) max_export_memory_kb * 1024;
}

void
mat_check_export_memory(uint64 held, const char *what_fmt,...)
{
	StringInfoData what;

	if (held <= export_memory_limit())
		return;
	initStringInfo(&what);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, what_fmt);
		needed = appendStringInfoVA(&what, what_fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&what, needed);
	}
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("the MAT export needs more memory than hdaq.max_export_memory (%s) allows",
					mat_size_text(export_memory_limit())),
			 errdetail("%s needs %s.", what.data, mat_size_text(held)),
			 errhint("Export fewer topics or a shorter time range, use format => 'v7.3' (which holds batches of rows, not whole topics), or raise hdaq.max_export_memory.")));
}

/* An error when a topic is too large for a variable of a MAT 5 file. */
static void
check_variable_size(MbFile *file, const MbTopic *t, const char *topic)
{
	if (mb_streams(file) || mb_topic_bytes(t) <= MAT5_VARIABLE_LIMIT)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("topic \"%s\" needs %s as a MAT variable, more than the 2 GB a variable of a %s file can hold",
					topic, mat_size_text(mb_topic_bytes(t)),
					mat_format_name(mb_format(file))),
			 errhint("Use format => 'v7.3', which has no such limit, or export a shorter time range.")));
}

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

/* A hash table of topic names (char *), for the distinct topics. */
static uint32
topic_hash(const void *key, Size keysize)
{
	const char *topic = *(char *const *) key;

	return string_hash(topic, strlen(topic) + 1);
}

static int
topic_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A topic of the selection and its channels, found once for the export. */
typedef struct SelectedTopic
{
	char	   *topic;
	ScanChannel *channels;
	int			nchannels;
	const LeafBlockIndex *blocks;	/* the file's leaves with blocks, or NULL */
	const MatMathChannels *math;	/* the math channels defined */
} SelectedTopic;

typedef struct TopicEntry
{
	char	   *topic;			/* the key */
	int			index;			/* into the SelectedTopic array */
} TopicEntry;

/*
 * The distinct topics of the selection's channels, in channel order, each
 * with its channels: one lookup in the store for the whole export, so that
 * the export does not depend on how the planner finds one topic's channels
 * (with statistics from before a large file, that read every channel of
 * the file, once per topic).
 */
static SelectedTopic *
selection_topics(const ScanRequest *req, int *ntopics)
{
	int			n;
	StoredChannel *channels = store_find_channels(req, &n);
	SelectedTopic *topics = palloc0(sizeof(SelectedTopic) * Max(n, 1));
	int		   *of = palloc(sizeof(int) * Max(n, 1));
	HASHCTL		ctl = {0};
	HTAB	   *seen;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(TopicEntry);
	ctl.hash = topic_hash;
	ctl.match = topic_match;
	ctl.hcxt = CurrentMemoryContext;
	seen = hash_create("hdaq export_mat topics", Max(n, 16), &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	*ntopics = 0;
	for (int i = 0; i < n; i++)
	{
		bool		found;
		TopicEntry *e = hash_search(seen, &channels[i].topic, HASH_ENTER, &found);

		if (!found)
		{
			e->index = (*ntopics)++;
			topics[e->index].topic = channels[i].topic;
		}
		of[i] = e->index;
		topics[e->index].nchannels++;
	}
	hash_destroy(seen);
	for (int k = 0; k < *ntopics; k++)
	{
		topics[k].channels = palloc(sizeof(ScanChannel) * topics[k].nchannels);
		topics[k].nchannels = 0;
	}
	for (int i = 0; i < n; i++)
		topics[of[i]].channels[topics[of[i]].nchannels++] = channels[i];
	pfree(of);
	return topics;
}

/* A schema's name, read once per export. */
typedef struct SchemaName
{
	int64		schema_key;
	char	   *name;
} SchemaName;

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The names of a topic's schemas: distinct, sorted, joined by ", " (''
 * for a channel without one).  Read by key (once per export for each
 * schema) rather than by topic, for the reason selection_topics says.
 */
static char *
topic_schema_names(const SelectedTopic *st, HTAB *schemas)
{
	char	  **names = palloc(sizeof(char *) * Max(st->nchannels, 1));
	StringInfoData out;

	for (int i = 0; i < st->nchannels; i++)
	{
		const ScanChannel *ch = &st->channels[i];
		SchemaName *e;
		bool		found;

		names[i] = "";
		if (!ch->has_schema)
			continue;
		e = hash_search(schemas, &ch->schema_key, HASH_ENTER, &found);
		if (!found)
		{
			StoredSchema schema;

			e->name = store_read_schema(ch->schema_key, &schema) ? schema.name : "";
		}
		names[i] = e->name;
	}
	qsort(names, st->nchannels, sizeof(char *), compare_names);
	initStringInfo(&out);
	for (int i = 0; i < st->nchannels; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			appendStringInfo(&out, "%s%s", out.len > 0 || i > 0 ? ", " : "", names[i]);
	pfree(names);
	return out.data;
}

/* The one pass: an error when the topic outgrows what the export may hold. */
static void
check_one_pass_memory(MbTopic *t, MbFile *file, const SelectedTopic *st,
					  uint64 held)
{
	if (held + mb_topic_held_bytes(t) > export_memory_limit())
		check_variable_size(file, t, st->topic);
	mat_check_export_memory(held + mb_topic_held_bytes(t),
						"Topic \"%s\" (%.0f messages so far)",
						st->topic, (double) mb_topic_messages(t));
}

/* What a pass over a topic's messages does with each */
typedef enum TopicPass
{
	PASS_LEARN,					/* pass 1 */
	PASS_FILL,					/* pass 2 */
	PASS_ONE					/* both at once, the columns growing */
} TopicPass;

/*
 * One message of a pass into the topic.  held: what the export holds
 * besides the topic.  False when the one pass must stop (the topic needs
 * two).
 */
static bool
topic_message(MbTopic *t, MbFile *file, const SelectedTopic *st,
			  DecodedScan *ds, const DecodedMessage *m, TopicPass pass,
			  int64 origin_ns, uint64 held)
{
	double		time = (double) ((int64) m->msg.log_time - origin_ns) / 1e9;
	HdError		err;
	int			rc;

	if (pass == PASS_LEARN)
		rc = mb_topic_learn(t, m->decoder, m->msg.data.data, m->msg.data.len,
							&err);
	else if (pass == PASS_FILL)
		rc = mb_topic_fill(t, m->decoder, time, m->msg.data.data,
						   m->msg.data.len, &err);
	else
		rc = mb_topic_add(t, m->decoder, time, m->msg.data.data,
						  m->msg.data.len, &err);
	if (rc == HD_ERR_VISITOR)
		ereport(ERROR,
				(errcode(ERRCODE_IO_ERROR),
				 errmsg("cannot build topic \"%s\" of the MAT file: %s",
						m->channel->topic, err.message)));
	if (rc != HD_OK)
		decoded_scan_failed(ds, m, err.message);
	if (pass == PASS_LEARN)
		mat_check_export_memory(held + mb_topic_tree_bytes(t),
							"The field tree of topic \"%s\"", m->channel->topic);
	else if (pass == PASS_ONE)
	{
		if (mb_topic_needs_two_passes(t))
			return false;
		check_one_pass_memory(t, file, st, held);
	}
	return true;
}

/*
 * One pass over a topic's messages.  held: what the export holds besides
 * the topic.  The one pass stops early when the topic needs two.  With
 * only_first, the one pass stops after the first message when the topic's
 * leaves are all given from blocks (mb_topic_only_external); returns
 * whether it did.
 */
static bool
topic_pass(MbTopic *t, MbFile *file, const ScanRequest *req,
		   const SelectedTopic *st, TopicPass pass, int64 origin_ns,
		   uint64 held, bool only_first)
{
	DecodedScan *ds = decoded_scan_begin(scan_begin_channels(req, st->channels,
															 st->nchannels),
										 false);
	DecodedMessage m;
	bool		stopped = false;

	if (pass == PASS_ONE)
		mb_topic_set_budget(t, export_memory_limit() > held ?
							export_memory_limit() - held : 0);
	while (decoded_scan_next(ds, &m))
	{
		if (!topic_message(t, file, st, ds, &m, pass, origin_ns, held))
			break;
		if (only_first && mb_topic_only_external(t))
		{
			stopped = true;
			break;
		}
		only_first = false;
	}
	decoded_scan_end(ds);
	return stopped;
}

static MbTopic *
new_topic(const char *name, MbLayout layout)
{
	MbTopic    *t = mb_topic_new(name, layout);

	if (t == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	hdaq_free_with_context(t, free_topic);
	return t;
}

/* ---- the one pass from leaf blocks ---------------------------------------- */

/*
 * The leaves of a topic read from its leaf blocks: numeric leaves outside
 * arrays (not enums, whose names come with the messages) that its one
 * channel has blocks of, when it has MIN_BLOCK_MESSAGES messages or more.
 */
typedef struct TopicBlocks
{
	const StoredChannel *channel;
	const char **paths;
	bool	   *is_bool;
	int			npaths;
	bool		closed;			/* the blocks hold every leaf the messages can */
} TopicBlocks;

/*
 * Fewer messages than this in a channel's first block (so in the channel)
 * are decoded: reading blocks asks the store once per leaf, which costs
 * more than decoding a few messages (a file of 65,535 topics of one
 * message each took twice as long).
 */
#define MIN_BLOCK_MESSAGES 1024

/* hd_fields' leaves of a schema, and whether all are candidates. */
typedef struct SchemaLeaves
{
	List	   *paths;
	List	   *bools;
	bool		all;
} SchemaLeaves;

static bool
collect_block_leaf(void *ctx, const HdField *field)
{
	SchemaLeaves *sl = ctx;

	if (field->numeric && !field->repeated && strcmp(field->type, "enum") != 0)
	{
		sl->paths = lappend(sl->paths, pstrdup(field->path));
		sl->bools = lappend_int(sl->bools, strcmp(field->type, "bool") == 0);
	}
	else
		sl->all = false;
	return true;
}

/*
 * Whether the topic's leaves can be read from blocks, and which: one
 * channel, a schema the messages cannot go beyond (protobuf, ROS 1, CDR:
 * not JSON, whose messages may hold members the schema lacks and whose
 * numbers may be written as other kinds), blocks of at least one leaf.
 */
static bool
find_topic_blocks(const SelectedTopic *st, const LeafBlockIndex *ix,
				  TopicBlocks *tb)
{
	const StoredChannel *ch = &st->channels[0];
	const HdDecoder *decoder;
	const char *error;
	SchemaLeaves sl = {NIL, NIL, true};
	HdError		err;
	int			n;
	int			i = 0;
	ListCell   *lc;

	memset(tb, 0, sizeof(*tb));
	if (st->nchannels != 1 || ix == NULL || ix->npaths == 0 ||
		(strcmp(ch->message_encoding, "protobuf") != 0 &&
		 strcmp(ch->message_encoding, "ros1") != 0 &&
		 strcmp(ch->message_encoding, "cdr") != 0))
		return false;
	decoder = hdaq_get_decoder(ch->has_schema, ch->schema_key,
							   ch->message_encoding, &error);
	if (decoder == NULL || hd_fields(decoder, collect_block_leaf, &sl, &err) != HD_OK)
		return false;
	n = list_length(sl.paths);
	if (n == 0)
		return false;
	tb->paths = palloc(sizeof(char *) * n);
	tb->is_bool = palloc(sizeof(bool) * n);
	foreach(lc, sl.paths)
		tb->paths[i++] = lfirst(lc);
	tb->closed = sl.all;
	for (i = 0; i < n; i++)
	{
		if (leaf_blocks_index_first_count(ix, ch->channel_key, tb->paths[i]) <
			MIN_BLOCK_MESSAGES)
		{
			tb->closed = false;
			continue;
		}
		tb->paths[tb->npaths] = tb->paths[i];
		tb->is_bool[tb->npaths++] = list_nth_int(sl.bools, i) != 0;
	}
	tb->channel = ch;
	return tb->npaths > 0;
}

/* The rows of a topic's leaf blocks going into the topic. */
typedef struct BlockRows
{
	MbTopic    *t;
	MbFile	   *file;
	const SelectedTopic *st;
	int64		origin_ns;
	uint64		held;
	bool		add_rows;		/* each row is a message to add (not the first) */
	uint64		row;
} BlockRows;

static void
block_row(void *arg, int64 time_ns, const double *values)
{
	BlockRows  *br = arg;
	HdError		err;

	if (br->add_rows && br->row > 0 &&
		mb_topic_add_row(br->t, (double) (time_ns - br->origin_ns) / 1e9, &err) != HD_OK)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("cannot build topic \"%s\" of the MAT file: %s",
						br->st->topic, err.message)));
	if (br->row < mb_topic_messages(br->t) &&
		!mb_topic_put_external(br->t, br->row, values))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("cannot build topic \"%s\" of the MAT file: %s",
						br->st->topic, mb_topic_error(br->t))));
	br->row++;
	if ((br->row & 1023) == 0)
		check_one_pass_memory(br->t, br->file, br->st, br->held);
}

/*
 * The one pass with the leaves of blocks given from them: the messages
 * walked for the other leaves (only the first, to learn the tree, when the
 * blocks hold every leaf), then the blocks read into the topic.  False when
 * the blocks do not match the messages (then read the topic without them).
 */
static bool
one_pass_with_blocks(MbTopic *t, MbFile *file, const ScanRequest *req,
					 const SelectedTopic *st, const TopicBlocks *tb,
					 int64 origin_ns, uint64 held)
{
	BlockRows	br = {t, file, st, origin_ns, held, false, 0};

	if (!mb_topic_set_external(t, tb->paths, tb->is_bool, tb->npaths))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	br.add_rows = topic_pass(t, file, req, st, PASS_ONE, origin_ns, held, tb->closed);
	if (mb_topic_needs_two_passes(t))
		return true;
	if (!leaf_blocks_read(tb->channel, tb->paths, tb->npaths, req->start_ns,
						  req->end_ns, block_row, &br))
		return false;
	check_one_pass_memory(t, file, st, held);
	return br.row == mb_topic_messages(t);
}

/*
 * A topic read by the one pass, in a memory context of its own; NULL (the
 * context and the topic gone) when it needs two passes.  Its leaves with
 * blocks are read from them when they match the messages.
 */
static MbTopic *
topic_in_one_pass(MbFile *file, const ScanRequest *req, const SelectedTopic *st,
				  const char *name, MbLayout layout, int64 origin_ns,
				  uint64 held)
{
	MemoryContext parent = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(parent, "hdaq export_mat one pass",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	MbTopic    *t = new_topic(name, layout);
	TopicBlocks tb;

	if (!find_topic_blocks(st, st->blocks, &tb) ||
		!one_pass_with_blocks(t, file, req, st, &tb, origin_ns, held))
	{
		/* without blocks, from the start */
		MemoryContextSwitchTo(parent);
		MemoryContextDelete(cxt);
		cxt = AllocSetContextCreate(parent, "hdaq export_mat one pass",
									ALLOCSET_DEFAULT_SIZES);
		MemoryContextSwitchTo(cxt);
		t = new_topic(name, layout);
		topic_pass(t, file, req, st, PASS_ONE, origin_ns, held, false);
	}
	MemoryContextSwitchTo(oldcxt);
	if (!mb_topic_needs_two_passes(t))
		return t;
	MemoryContextDelete(cxt);
	return NULL;
}

/*
 * Export one topic as variable 'name'; its message count into *messages.
 * held: what the export holds besides the topic.  Returns what the written
 * topic leaves held until the file is finished.
 */
static uint64
export_topic(MbFile *file, const ScanRequest *req, const SelectedTopic *st,
			 const char *name, MbLayout layout, int64 origin_ns,
			 uint64 held, double *messages)
{
	const char *topic = st->topic;
	MbTopic    *t = NULL;
	bool		one_pass;
	MbError		err;

	if (!mb_streams(file))
		t = topic_in_one_pass(file, req, st, name, layout, origin_ns, held);
	one_pass = t != NULL;
	if (!one_pass)
	{
		t = new_topic(name, layout);
		topic_pass(t, file, req, st, PASS_LEARN, origin_ns, held, false);
	}
	*messages = (double) mb_topic_messages(t);
	if (mb_topic_messages(t) == 0)
		return 0;
	check_variable_size(file, t, topic);
	mat_check_export_memory(held + mb_topic_memory(t, mb_streams(file), MAT_BATCH_ROWS),
						"Topic \"%s\" (%.0f messages)", topic,
						(double) mb_topic_messages(t));
	mat_topic_units(t, topic, req->file_id);
	if (one_pass)
		mat_topic_math_channels(t, req, st->math, topic, held);
	else
		mat_notice_math_channels_not_written(st->math, topic);
	if (!mb_topic_prepare(t, file, MAT_BATCH_ROWS, &err))
		mat_report(&err, psprintf("cannot build topic \"%s\"", topic));
	if (!one_pass)
		topic_pass(t, file, req, st, PASS_FILL, origin_ns, held, false);
	if (!mb_topic_write(t, &err))
		mat_report(&err, psprintf("cannot write topic \"%s\"", topic));
	return mb_streams(file) ? V73_FIELD_BYTES * (mb_topic_fields(t) + 1) : 0;
}

/*
 * The first log time of the selection (the earliest first message of its
 * topics), each topic scanned alone in a context reset after it; false
 * when the selection has no message.
 */
static bool
first_log_time(const ScanRequest *req, const SelectedTopic *topics, int ntopics,
			   int64 *ns)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "hdaq export_mat origin",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	bool		found = false;

	for (int i = 0; i < ntopics; i++)
	{
		const ScanChannel *ch;
		McapMessage msg;

		CHECK_FOR_INTERRUPTS();
		if (scan_next(scan_begin_channels(req, topics[i].channels,
										  topics[i].nchannels), &ch, &msg) &&
			(!found || (int64) msg.log_time < *ns))
		{
			*ns = (int64) msg.log_time;
			found = true;
		}
		MemoryContextReset(cxt);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	return found;
}

/* What the store says of the file for hdaq_info; an error if there is none. */
static void
read_file_info(MatExportInfo *info)
{
	store_read_file_info(info->file_id, &info->file);
	info->tags = store_read_file_tags(info->file_id, &info->ntags);
	info->records = store_read_metadata_entries(info->file_id, &info->nrecords);
}

/* Take a name for a variable the export writes besides the topics. */
static void
reserve_name(MbNameSet *names, const char *name)
{
	if (!mb_unique_name(names, name, strlen(name), palloc(MB_NAME_MAX + 1)))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

/*
 * The MATLAB names already taken: hdaq_info's, and those of the laps and
 * the distance when they are written (a topic of that name takes "_2").
 */
static MbNameSet *
reserved_names(const MatLaps *laps, bool with_laps)
{
	MbNameSet  *names = palloc(sizeof(MbNameSet));

	mb_nameset_init(names);
	hdaq_free_with_context(names, free_names);
	reserve_name(names, "hdaq_info");
	if (with_laps)
		reserve_name(names, MAT_LAPS_VARIABLE);
	if (with_laps && laps->has_gps)
		reserve_name(names, MAT_DISTANCE_VARIABLE);
	return names;
}

/*
 * Export each topic in its own memory context, noting what it became;
 * held: what the export holds before them; returns what it holds after.
 */
static uint64
export_topics(MbFile *file, const ScanRequest *req, MatExportInfo *info,
			  const SelectedTopic *topics, MbNameSet *names, uint64 held)
{
	HASHCTL		ctl = {0};
	HTAB	   *schemas;
	MemoryContext topic_cxt;
	MemoryContext oldcxt;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(SchemaName);
	ctl.hcxt = CurrentMemoryContext;
	schemas = hash_create("hdaq export_mat schemas", 64, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	topic_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq export_mat topic",
									  ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < info->ntopics; i++)
	{
		MatTopicInfo *ti = &info->topics[i];

		CHECK_FOR_INTERRUPTS();
		ti->topic = topics[i].topic;
		ti->variable = palloc(MB_NAME_MAX + 1);
		if (!mb_unique_name(names, ti->topic, strlen(ti->topic), ti->variable))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		ti->schema = topic_schema_names(&topics[i], schemas);
		held += topic_info_bytes(ti->topic, ti->schema) +
			sizeof(ScanChannel) * topics[i].nchannels;
		mat_check_export_memory(held + names->bytes,
							"The list of %d exported topics", i + 1);
		oldcxt = MemoryContextSwitchTo(topic_cxt);
		held += export_topic(file, req, &topics[i], ti->variable, info->layout,
							 info->origin_ns, held + names->bytes, &ti->messages);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(topic_cxt);
	}
	return held + names->bytes;
}

/* Topics without a message in the time range have no variable. */
static void
drop_empty_topics(MatExportInfo *info)
{
	int			kept = 0;

	for (int i = 0; i < info->ntopics; i++)
		if (info->topics[i].messages > 0)
			info->topics[kept++] = info->topics[i];
	info->ntopics = kept;
}

void
mat_export_selection(MbFile *file, const ScanRequest *req, MbFormat format,
					 MbLayout layout, MatLapsMode laps_mode)
{
	MatExportInfo info = {0};
	SelectedTopic *topics;
	MatLaps		laps;
	bool		with_laps;
	MbNameSet  *names;
	uint64		held = 0;

	info.file_id = req->file_id;
	info.format = format;
	info.layout = layout;
	read_file_info(&info);
	with_laps = mat_laps_read(req->file_id, laps_mode, &laps);
	names = reserved_names(&laps, with_laps);
	topics = selection_topics(req, &info.ntopics);
	if (!mb_streams(file) && info.ntopics > 0)
	{
		/* v5, v7: the leaves with blocks, asked of the store once */
		LeafBlockIndex *blocks = leaf_blocks_index(req->file_id);

		for (int i = 0; i < info.ntopics; i++)
			topics[i].blocks = blocks;
		held += blocks ? blocks->bytes : 0;
		mat_check_export_memory(held, "The file's list of %d leaves with leaf blocks",
								blocks ? blocks->npaths : 0);
	}
	if (info.ntopics > 0)
	{
		MatMathChannels *math = mat_math_channels_read();

		for (int i = 0; i < info.ntopics; i++)
			topics[i].math = math;
	}
	info.has_origin = first_log_time(req, topics, info.ntopics, &info.origin_ns);
	info.topics = palloc0(sizeof(MatTopicInfo) * Max(info.ntopics, 1));
	if (info.has_origin)
		held = export_topics(file, req, &info, topics, names, held);
	else
	{
		info.ntopics = 0;
		request_notice_empty(req, "the MAT export");
	}
	drop_empty_topics(&info);
	/* on the topics' time base: none when no message was exported */
	if (with_laps && info.has_origin)
		mat_write_laps(file, req, &laps, info.origin_ns, held,
					   MAT_LAPS_VARIABLE, MAT_DISTANCE_VARIABLE);
	mat_write_info(file, &info);
}
