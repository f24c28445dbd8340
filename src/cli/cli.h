/*-------------------------------------------------------------------------
 *
 * cli.h
 *	  Declarations shared by the files of the hdaq command.
 *
 * Each subcommand lives in its own file and has the signature of main():
 * it parses its own options and returns the process exit status.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_CLI_H
#define HDAQ_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libpq-fe.h"

#define HDAQ_VERSION "0.1.0"

/* Exit statuses. */
#define EXIT_OK			0
#define EXIT_FAILED		1		/* something the command tried failed */
#define EXIT_USAGE		2		/* bad command line */

/* Subcommands. */
extern int	cmd_ingest(int argc, char **argv);
extern int	cmd_export(int argc, char **argv);
extern int	cmd_query(int argc, char **argv);
extern int	cmd_ls(int argc, char **argv);
extern int	cmd_info(int argc, char **argv);
extern int	cmd_sha256(int argc, char **argv);
extern int	cmd_fields(int argc, char **argv);
extern int	cmd_tag(int argc, char **argv);
extern int	cmd_plot(int argc, char **argv);
extern int	cmd_laps(int argc, char **argv);

/* main.c: messages */
extern void cli_error(const char *fmt,...)
			__attribute__((format(printf, 1, 2)));
extern int	cli_usage_error(const char *command, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern int	cli_bad_option(const char *command, char **argv, int c);
extern void *cli_malloc(size_t size);
extern void *cli_realloc(void *ptr, size_t size);
extern char *cli_strdup(const char *s);

/* conn.c: connections and results */
extern PGconn *cli_connect(const char *dsn);
extern const char *cli_conn_error(PGconn *conn);
extern const char *cli_result_error(const PGresult *res);

/* output.c: writing a result to a file */
extern bool cli_write_file(const char *path, const void *data, size_t len);
extern PGresult *cli_fetch_value(PGconn *conn, const char *sql, int nparams,
								 const char *const *values, const char *path);
extern bool cli_write_value(const PGresult *res, const char *path);
extern bool cli_export_value(PGconn *conn, const char *sql, int nparams,
							 const char *const *values, const char *path);

/* text.c: formatting and quoting */
extern void cli_format_bytes(uint64_t bytes, char *buf, size_t buflen);
extern void cli_format_duration(double seconds, char *buf, size_t buflen);
extern char *cli_json_string(const char *s);
extern bool cli_add_tag(char **json, const char *arg);
extern char **cli_split_list(const char *list, int *count);
extern void cli_free_list(char **items, int count);
extern char *cli_text_array(char *const *items, int count);
extern double cli_now(void);

typedef struct CliText
{
	char	   *data;
	size_t		len;
	size_t		cap;
} CliText;

extern void cli_text_printf(CliText *t, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* select.c: checking a selection (file, topics, time range) with the server */
typedef struct CliSelection
{
	const char *file_id;		/* digits */
	char	  **topics;			/* NULL: every topic */
	int			ntopics;
	const char *start;			/* as given, or NULL */
	const char *end;
} CliSelection;

extern bool cli_is_digits(const char *s);
extern bool cli_similar(const char *wanted, const char *candidate);
extern bool cli_check_file(PGconn *conn, const char *file_id);
extern bool cli_check_time(PGconn *conn, const char *option, const char *value);
extern bool cli_check_topic_stored(PGconn *conn, const char *topic);
extern bool cli_check_times(PGconn *conn, const char *start, const char *end);
extern bool cli_check_topics(PGconn *conn, const char *file_id,
							 char *const *topics, int ntopics);
extern bool cli_check_selection(PGconn *conn, const CliSelection *sel);
extern void cli_server_error(const PGresult *res);
extern bool cli_is_undefined_function(const PGresult *res);
/*
 * Whether a query returned rows; if not, report why: the server's hdaq
 * lacks the functions named (an older version), or the server's error.
 */
extern bool cli_result_ok(const PGresult *res, const char *functions);

/* files.c: the files named on a command line */
typedef struct CliFile
{
	char	   *path;
	uint64_t	size;
} CliFile;

typedef struct CliFileList
{
	CliFile    *files;
	size_t		count;
	size_t		cap;
} CliFileList;

extern bool cli_collect_files(char **paths, int npaths, CliFileList *list);
extern void cli_free_files(CliFileList *list);
extern const char *cli_base_name(const char *path);

/* progress.c: a progress line on a terminal */
typedef enum ProgressPhase
{
	PROGRESS_IDLE,
	PROGRESS_CHECKING,			/* sha256, and asking the server */
	PROGRESS_UPLOADING,
	PROGRESS_FINISHING			/* uploaded; the server is storing it */
} ProgressPhase;

typedef struct Progress
{
	bool		enabled;		/* stderr is a terminal */
	bool		shown;			/* a progress line is on the screen */
	uint64_t	bytes_total;	/* of the files to upload */
	uint64_t	bytes_done;
	size_t		files_total;
	size_t		files_done;
	const char *current;
	ProgressPhase phase;
	double		started;
	double		file_started;	/* when the current file's upload began */
	double		phase_started;
	double		active_seconds; /* spent uploading and finishing */
	double		last_draw;
} Progress;

extern void progress_init(Progress *p, size_t files_total, uint64_t bytes_total);
extern void progress_file(Progress *p, const char *name);
extern void progress_upload(Progress *p);
extern void progress_add(Progress *p, uint64_t bytes);
extern void progress_finishing(Progress *p);
extern void progress_skip(Progress *p, uint64_t size);
extern void progress_skip_bytes(Progress *p, uint64_t bytes);
extern void progress_file_done(Progress *p);
extern void progress_clear(Progress *p);
extern void progress_draw(Progress *p, bool force);

#endif							/* HDAQ_CLI_H */
