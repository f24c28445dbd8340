/*-------------------------------------------------------------------------
 *
 * request.c
 *	  Engine: checking what a request names before any segment is read.
 *
 * A file_id that is not stored, a topic that the chosen file lacks and a
 * topic that no file has are errors with SQLSTATE 42704 (undefined_object)
 * that say what is there instead (DETAIL) and what to do (HINT).  Reversed
 * time bounds are refused where the arguments are read
 * (scan_request_from_args), with 22023.  A time range that is valid but
 * holds no message of the selection is not an error: it is an empty
 * result, as for a plot scrolled past the end of a run.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/request.h"

#include "store/store.h"

#include "lib/stringinfo.h"
#include "utils/varlena.h"

/* How many names a DETAIL lists before it counts the rest. */
#define MAX_NAMES_LISTED 40

/*
 * The names among candidates nearest to name (edit distance up to 3, or
 * containing it), quoted and comma-separated; NULL when none is near.
 */
static char *
nearest_names(const char *name, char **candidates, int n)
{
	StringInfoData out;
	int			shown = 0;

	initStringInfo(&out);
	for (int pass = 0; pass <= 3 && shown < 5; pass++)
	{
		for (int i = 0; i < n && shown < 5; i++)
		{
			const char *c = candidates[i];
			int			d = varstr_levenshtein(name, strlen(name), c, strlen(c),
											   1, 1, 1, false);

			if (d == pass || (pass == 3 && d > 3 && strstr(c, name) != NULL))
				appendStringInfo(&out, "%s\"%s\"", shown++ ? ", " : "", c);
		}
	}
	return shown ? out.data : NULL;
}

/* Names quoted and comma-separated, the first MAX_NAMES_LISTED of them. */
static char *
name_list(char **names, int n)
{
	StringInfoData out;

	initStringInfo(&out);
	for (int i = 0; i < n && i < MAX_NAMES_LISTED; i++)
		appendStringInfo(&out, "%s\"%s\"", i ? ", " : "", names[i]);
	if (n > MAX_NAMES_LISTED)
		appendStringInfo(&out, " and %d more", n - MAX_NAMES_LISTED);
	return out.data;
}

/* File ids comma-separated, the first MAX_NAMES_LISTED of them. */
static char *
file_id_list(const int64 *ids, int n)
{
	StringInfoData out;

	initStringInfo(&out);
	for (int i = 0; i < n && i < MAX_NAMES_LISTED; i++)
		appendStringInfo(&out, "%s%lld", i ? ", " : "", (long long) ids[i]);
	if (n > MAX_NAMES_LISTED)
		appendStringInfo(&out, " and %d more", n - MAX_NAMES_LISTED);
	return out.data;
}

void
request_report_missing_file(int64 file_id)
{
	int64		count;
	int64		lowest;
	int64		highest;

	store_file_id_range(&count, &lowest, &highest);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("file %lld does not exist", (long long) file_id),
			 count == 0 ?
			 errdetail("No file is stored.") :
			 errdetail("%lld files are stored.", (long long) count),
			 errhint("SELECT file_id, name, start_time FROM hdaq.files lists the stored files.")));
}

static void
check_file(int64 file_id)
{
	if (!store_file_exists(file_id))
		request_report_missing_file(file_id);
}

/* A topic that no stored file has: a typo, most likely. */
static void
report_topic_nowhere(const char *topic)
{
	int			ntopics;
	char	  **topics = store_all_topics(&ntopics);
	char	   *near = nearest_names(topic, topics, ntopics);

	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("no stored file has the topic \"%s\"", topic),
			 ntopics == 0 ?
			 errdetail("No file is stored.") :
			 errdetail("The stored files have %d distinct topics.", ntopics),
			 near ? errhint("Topics with similar names: %s.", near) :
			 errhint("SELECT DISTINCT topic FROM hdaq.topics lists them.")));
}

/* A topic that other files have, but not the chosen one. */
static void
report_topic_not_in_file(const char *topic, int64 file_id)
{
	int			nfiles;
	int64	   *files = store_topic_files(topic, &nfiles);
	int			ntopics;
	char	  **topics = store_file_topics(file_id, &ntopics);
	char	   *near = nearest_names(topic, topics, ntopics);

	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("file %lld has no topic \"%s\"", (long long) file_id, topic),
			 errdetail("The topic is in file %s; file %lld has the topics %s.",
					   file_id_list(files, nfiles), (long long) file_id,
					   ntopics ? name_list(topics, ntopics) : "(none)"),
			 near ? errhint("Topics of file %lld with similar names: %s.",
							(long long) file_id, near) :
			 errhint("Choose one of the file's topics, or another file_id.")));
}

static void
check_topic(const char *topic, const ScanRequest *req)
{
	if (req->has_file_id)
	{
		if (store_file_has_topic(req->file_id, topic))
			return;
		if (store_topic_exists(topic))
			report_topic_not_in_file(topic, req->file_id);
	}
	else if (store_topic_exists(topic))
		return;
	report_topic_nowhere(topic);
}

void
request_check_names(const ScanRequest *req)
{
	if (req->has_file_id)
		check_file(req->file_id);
	for (int i = 0; i < req->nfile_ids; i++)
		check_file(req->file_ids[i]);
	for (int t = 0; t < req->ntopics; t++)
		if (!store_topic_exists(req->topics[t]))
			report_topic_nowhere(req->topics[t]);
}

void
request_notice_empty(const ScanRequest *req, const char *what)
{
	bool		bounded = req->start_ns != PG_INT64_MIN ||
		req->end_ns != PG_INT64_MAX;

	ereport(NOTICE,
			(errmsg("%s holds no message", what),
			 bounded ?
			 errdetail("No message of file %lld%s lies in the time range given.",
					   (long long) req->file_id,
					   req->topics ? " of the topics given" : "") :
			 errdetail("File %lld has no message%s.", (long long) req->file_id,
					   req->topics ? " of the topics given" : ""),
			 bounded ?
			 errhint("SELECT start_time, end_time FROM hdaq.files WHERE file_id = %lld gives the file's time range.",
					 (long long) req->file_id) : 0));
}

void
request_check(const ScanRequest *req)
{
	if (req->topics != NULL && req->ntopics == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("topics holds no topic"),
				 errdetail("An empty array (or one of NULLs) selects nothing."),
				 errhint("Give NULL for every topic.")));
	if (req->has_file_id)
		check_file(req->file_id);
	for (int t = 0; t < req->ntopics; t++)
		check_topic(req->topics[t], req);
}
