/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  Declarations shared by the files of hdaq ingest: the command and its
 *	  reports (ingest.c), the append protocol (upload.c), the large-object
 *	  upload for servers without it (upload_lo.c), and --follow (follow.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_CLI_INGEST_H
#define HDAQ_CLI_INGEST_H

#include "cli.h"
#include "sha256.h"

#include <signal.h>

#define BYTEAOID			17

typedef enum Outcome
{
	OUTCOME_INGESTED,
	OUTCOME_SKIPPED,
	OUTCOME_TAGGED,				/* already stored; the tags were merged */
	OUTCOME_RECORDING,			/* --follow: idle, left recording */
	OUTCOME_FAILED
} Outcome;

/* What became of one file. */
typedef struct FileResult
{
	Outcome		outcome;
	long long	file_id;
	long long	messages;
	uint64_t	size;			/* of the file as stored */
	uint64_t	resumed_at;		/* bytes the server had before this run */
	uint64_t	bytes_sent;
	bool		uploading;		/* the upload began */
	bool		conn_lost;		/* the failure was the connection's */
	char		sqlstate[6];	/* of the failure, if the server's */
	char		state[16];		/* hdaq.file.state at the end */
	char		stored_name[256];	/* of a file already stored */
	char		tags[1024];		/* after merging */
	char		error[1024];
} FileResult;

/* The state of one run of the command. */
typedef struct IngestRun
{
	const char *dsn;
	char	   *tags;			/* JSON object */
	bool		verbose;
	double		commit_interval;	/* --follow */
	double		idle_timeout;
	volatile sig_atomic_t *interrupted;	/* --follow: by SIGINT, SIGTERM */
	PGconn	   *conn;
	bool		gave_up;		/* the connection is gone for good */
	bool		has_append;		/* the server has hdaq.ingest_append() */
	Progress	progress;
	char	  **notices;		/* for the file being ingested */
	size_t		notice_count;
	size_t		ingested;
	size_t		skipped;
	size_t		tagged;
	size_t		recording;
	size_t		failed;
	uint64_t	bytes_sent;		/* by every append of the run */
} IngestRun;

/* An upload through the append protocol: the server's view of the file. */
typedef struct Upload
{
	const char *name;			/* the local file's, for messages */
	long long	file_id;
	long long	begun_id;		/* the recording file this upload began as */
	uint64_t	stored_bytes;
	char		state[16];		/* 'recording', 'complete', 'cut short' */
} Upload;

/* ingest.c */
extern bool ingest_connect(IngestRun *run);
extern void ingest_flush_notices(IngestRun *run);
extern void ingest_report(IngestRun *run, const char *path,
						  const FileResult *result, double seconds);
extern void ingest_summary(const IngestRun *run, double seconds);
extern bool ingest_has_magic(const char *path, FileResult *result);
extern PGresult *ingest_exec(IngestRun *run, const char *sql, int nparams,
							 const Oid *types, const char *const *values,
							 const int *lengths, const int *formats);
extern void ingest_set_error(FileResult *result, PGconn *conn,
							 const PGresult *res);

/* upload.c */
extern size_t upload_piece_size(uint64_t file_size);
extern long long upload_find_stored(IngestRun *run,
									const uint8_t digest[SHA256_DIGEST_LENGTH],
									FileResult *result, bool *has_tags);
extern void upload_merge_tags(IngestRun *run, FileResult *result);
extern int	upload_find_resumable(IngestRun *run, const char *path,
								  uint64_t size, Upload *up,
								  FileResult *result);
extern bool upload_begin(IngestRun *run, const char *name, Upload *up,
						 FileResult *result);
extern bool upload_send(IngestRun *run, Upload *up, int fd, uint64_t end,
						size_t piece, bool last, FileResult *result);
extern bool upload_finish(IngestRun *run, Upload *up, FileResult *result);
extern int	upload_refresh(IngestRun *run, Upload *up, FileResult *result);
extern bool upload_describe(IngestRun *run, FileResult *result);
extern void upload_resumed(IngestRun *run, const Upload *up, uint64_t size,
						   FileResult *result);
extern void upload_file(IngestRun *run, const char *path, FileResult *result);

/* upload_lo.c */
extern void upload_lo_file(IngestRun *run, const char *path,
						   FileResult *result);

/* follow.c */
extern int	follow_paths(IngestRun *run, char **paths, int npaths);

#endif							/* HDAQ_CLI_INGEST_H */
