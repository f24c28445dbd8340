/*-------------------------------------------------------------------------
 *
 * mat_export.c
 *	  Engine: the selected messages of a stored file as MATLAB variables,
 *	  for hdaq.export_mat.  One struct variable per topic
 *	  (src/mat/mattopic.c says how messages become structs), then the
 *	  variable hdaq_info describing the export (mat_info.c).
 *
 * Each topic is read twice through the decoded scan: the first pass learns
 * its field tree and sizes, the second fills the columns.  Topics are done
 * one at a time, so memory holds one topic: the whole variable for v5 and
 * v7 (MAT 5 writes a variable at once), a batch of MAT_BATCH_ROWS rows per
 * column for v7.3.  The time origin is the first exported message's log
 * time.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_export.h"

#include "engine/decoded_scan.h"
#include "engine/mat_info.h"
#include "engine/mat_output.h"
#include "engine/request.h"
#include "engine/scan.h"
#include "store/store.h"

#include "utils/memutils.h"

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
	DecodedScan *ds = decoded_scan_begin(scan_begin(req), false);
	DecodedMessage m;

	while (decoded_scan_next(ds, &m))
	{
		HdError		err;
		int			rc;

		if (pass == 1)
			rc = mb_topic_learn(t, m.decoder, m.msg.data.data, m.msg.data.len,
								&err);
		else
			rc = mb_topic_fill(t, m.decoder,
							   (double) ((int64) m.msg.log_time - origin_ns) / 1e9,
							   m.msg.data.data, m.msg.data.len, &err);
		if (rc == HD_ERR_VISITOR)
			ereport(ERROR,
					(errcode(ERRCODE_IO_ERROR),
					 errmsg("cannot build topic \"%s\" of the MAT file: %s",
							m.channel->topic, err.message)));
		if (rc != HD_OK)
			decoded_scan_failed(ds, &m, err.message);
	}
	decoded_scan_end(ds);
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

/* What the store says of the file for hdaq_info; an error if there is none. */
static void
read_file_info(MatExportInfo *info)
{
	store_read_file_info(info->file_id, &info->file);
	info->tags = store_read_file_tags(info->file_id, &info->ntags);
	info->records = store_read_metadata_entries(info->file_id, &info->nrecords);
}

/* The MATLAB names already taken: hdaq_info's. */
static MbNameSet *
reserved_names(void)
{
	MbNameSet  *names = palloc(sizeof(MbNameSet));

	mb_nameset_init(names);
	hdaq_free_with_context(names, free_names);
	if (!mb_unique_name(names, "hdaq_info", 9, palloc(MB_NAME_MAX + 1)))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	return names;
}

/* Export each topic in its own memory context, noting what it became. */
static void
export_topics(MbFile *file, const ScanRequest *req, MatExportInfo *info,
			  char **topics)
{
	MbNameSet  *names = reserved_names();
	MemoryContext topic_cxt;
	MemoryContext oldcxt;

	topic_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq export_mat topic",
									  ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < info->ntopics; i++)
	{
		MatTopicInfo *ti = &info->topics[i];

		ti->topic = topics[i];
		ti->variable = palloc(MB_NAME_MAX + 1);
		if (!mb_unique_name(names, ti->topic, strlen(ti->topic), ti->variable))
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		ti->schema = store_topic_schema_names(info->file_id, ti->topic);
		oldcxt = MemoryContextSwitchTo(topic_cxt);
		export_topic(file, req, ti->topic, ti->variable, info->layout,
					 info->origin_ns, &ti->messages);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(topic_cxt);
	}
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
					 MbLayout layout)
{
	MatExportInfo info = {0};
	char	  **topics;

	info.file_id = req->file_id;
	info.format = format;
	info.layout = layout;
	read_file_info(&info);
	info.has_origin = first_log_time(req, &info.origin_ns, &topics, &info.ntopics);
	info.topics = palloc0(sizeof(MatTopicInfo) * Max(info.ntopics, 1));
	if (info.has_origin)
		export_topics(file, req, &info, topics);
	else
	{
		info.ntopics = 0;
		request_notice_empty(req, "the MAT export");
	}
	drop_empty_topics(&info);
	mat_write_info(file, &info);
}
