/*-------------------------------------------------------------------------
 *
 * follow.c
 *	  hdaq ingest --follow: upload files while they are being written.
 *
 * Each PATH is a file being written (by a logger, rsync --append, a share)
 * or a directory polled for new *.mcap files.  Once per commit interval,
 * each followed file is looked at, and what it gained since the last byte
 * the server has is appended (upload.c), each append committed, so readers
 * see the messages as they come.  The append that brings the footer
 * finishes the file on the server ('complete'): the file is done.
 *
 * A file that does not grow for the idle timeout is left 'recording' (it
 * is not finished: it may be resumed), and, found in a directory, followed
 * again if it grows.  A file that shrinks, is replaced by another, or whose
 * beginning changes fails.  A file seen for the first time resumes the
 * upload of a 'recording' file of the same name whose bytes are its
 * beginning, so a restarted follower goes on where the last one stopped; a
 * file that looks finished (it ends with the MCAP magic) and is stored
 * already is skipped.
 *
 * A file named that does not exist yet is waited for, as long as the idle
 * timeout.  Given only files, the command returns when each is complete or
 * idle; with a directory, it runs until SIGINT or SIGTERM.  A lost
 * connection is re-established with backoff, and the uploads go on from
 * what the server has.
 *
 *-------------------------------------------------------------------------
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mcap.h"

#define HEAD_BYTES			4096	/* the beginning, checked every look */
#define BACKOFF_FIRST		0.5
#define BACKOFF_MAX			30.0

typedef enum FollowState
{
	FOLLOW_NEW,					/* the server not asked yet */
	FOLLOW_ACTIVE,				/* uploading as it grows */
	FOLLOW_IDLE,				/* no growth for the idle timeout */
	FOLLOW_DONE,				/* complete, skipped, or tagged */
	FOLLOW_FAILED
} FollowState;

/* One followed file. */
typedef struct Followed
{
	char	   *path;
	bool		named;			/* on the command line, not found in a directory */
	FollowState state;
	int			fd;				/* open while active */
	dev_t		dev;
	ino_t		ino;
	Upload		up;
	uint64_t	size;			/* at the last look */
	double		started;
	double		last_growth;
	char		head[HEAD_BYTES];	/* its first bytes, as sent */
	size_t		head_len;
	FileResult	result;
} Followed;

typedef struct Follower
{
	IngestRun  *run;
	char	  **dirs;			/* the directories to poll */
	int			ndirs;
	Followed  **files;
	size_t		count;
	double		backoff;		/* before the next reconnection */
} Follower;

static volatile sig_atomic_t interrupted = 0;

static void
on_signal(int signo)
{
	interrupted = signo;
}

/* SIGINT and SIGTERM stop the follower between two steps. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Sleep until the time given, or a signal. */
static void
sleep_until(double when)
{
	double		left = when - cli_now();
	struct timespec ts;

	if (left <= 0 || interrupted)
		return;
	ts.tv_sec = (time_t) left;
	ts.tv_nsec = (long) ((left - (double) ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* ----------------------------------------------------------------
 * The files followed
 * ----------------------------------------------------------------
 */
static Followed *
add_followed(Follower *fw, const char *path, bool named)
{
	Followed   *f = cli_malloc(sizeof(Followed));

	memset(f, 0, sizeof(*f));
	f->path = cli_strdup(path);
	f->named = named;
	f->fd = -1;
	f->up.name = cli_base_name(f->path);
	f->started = f->last_growth = cli_now();
	fw->files = cli_realloc(fw->files, (fw->count + 1) * sizeof(Followed *));
	fw->files[fw->count++] = f;
	return f;
}

static Followed *
find_followed(const Follower *fw, const char *path)
{
	for (size_t i = 0; i < fw->count; i++)
		if (strcmp(fw->files[i]->path, path) == 0)
			return fw->files[i];
	return NULL;
}

/* Take the new *.mcap files of the directories into the followed ones. */
static void
scan_directories(Follower *fw)
{
	CliFileList list;

	if (fw->ndirs == 0)
		return;
	cli_collect_files(fw->dirs, fw->ndirs, &list);
	for (size_t i = 0; i < list.count; i++)
		if (find_followed(fw, list.files[i].path) == NULL)
			add_followed(fw, list.files[i].path, false);
	cli_free_files(&list);
}

/* Report a file's outcome, and let go of it. */
static void
settle(Follower *fw, Followed *f, Outcome outcome, FollowState state)
{
	double		now = cli_now();

	f->result.outcome = outcome;
	f->result.file_id = f->up.file_id;
	if (outcome == OUTCOME_INGESTED || outcome == OUTCOME_RECORDING)
		upload_describe(fw->run, &f->result);
	if (outcome == OUTCOME_RECORDING)
		f->result.size = f->up.stored_bytes;
	if (outcome == OUTCOME_INGESTED && f->up.file_id != f->up.begun_id)
		f->result.outcome = OUTCOME_SKIPPED;
	ingest_report(fw->run, f->path, &f->result,
				  now - (outcome == OUTCOME_RECORDING ? f->last_growth : f->started));
	f->state = state;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static void
fail(Follower *fw, Followed *f, const char *fmt, unsigned long long a,
	 unsigned long long b)
{
	snprintf(f->result.error, sizeof(f->result.error), fmt, a, b);
	settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
}

/* ----------------------------------------------------------------
 * A file's first look: skip, resume, or begin
 * ----------------------------------------------------------------
 */

/* Does the file end with the MCAP magic (as a finished file does)? */
static bool
looks_finished(int fd, uint64_t size)
{
	char		tail[MCAP_MAGIC_SIZE];

	return size >= 2 * MCAP_MAGIC_SIZE &&
		pread(fd, tail, sizeof(tail), (off_t) (size - sizeof(tail))) ==
		(ssize_t) sizeof(tail) &&
		memcmp(tail, MCAP_MAGIC, sizeof(tail)) == 0;
}

/*
 * A finished file that is stored already is skipped (or tagged) as
 * hdaq ingest would.  Returns true if that settled it.
 */
static bool
settle_if_stored(Follower *fw, Followed *f)
{
	uint8_t		digest[SHA256_DIGEST_LENGTH];
	bool		has_tags = true;
	long long	stored;

	if (!sha256_file(f->path, digest, f->result.error, sizeof(f->result.error)))
	{
		settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
		return true;
	}
	stored = upload_find_stored(fw->run, digest, &f->result, &has_tags);
	if (stored == 0 || (stored < 0 && f->result.conn_lost))
		return false;
	if (stored < 0)
	{
		settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
		return true;
	}
	f->up.file_id = f->up.begun_id = stored;
	f->result.file_id = stored;
	if (has_tags)
	{
		settle(fw, f, OUTCOME_SKIPPED, FOLLOW_DONE);
		return true;
	}
	f->result.outcome = OUTCOME_FAILED;
	upload_merge_tags(fw->run, &f->result);
	if (f->result.outcome == OUTCOME_TAGGED)
		settle(fw, f, OUTCOME_TAGGED, FOLLOW_DONE);
	else
		settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
	return true;
}

/* Resume the upload of this file, or begin one. */
static bool
start_upload(Follower *fw, Followed *f, uint64_t size)
{
	IngestRun  *run = fw->run;
	int			found = upload_find_resumable(run, f->path, size, &f->up, &f->result);

	if (found > 0)
		upload_resumed(run, &f->up, size, &f->result);
	else if (found < 0 || !upload_begin(run, f->up.name, &f->up, &f->result))
		return false;
	else
	{
		printf("following %s as file %lld\n", f->up.name, f->up.file_id);
		fflush(stdout);
	}
	return true;
}

/* First look at a file: open it, check it, and start its upload. */
static void
look_first(Follower *fw, Followed *f, const struct stat *st)
{
	if ((uint64_t) st->st_size < MCAP_MAGIC_SIZE)
		return;					/* nothing to go by yet */
	if (!ingest_has_magic(f->path, &f->result))
	{
		settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
		return;
	}
	f->fd = open(f->path, O_RDONLY);
	if (f->fd < 0)
	{
		snprintf(f->result.error, sizeof(f->result.error), "could not open: %s",
				 strerror(errno));
		settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
		return;
	}
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	if (looks_finished(f->fd, (uint64_t) st->st_size) && settle_if_stored(fw, f))
		return;
	if (!start_upload(fw, f, (uint64_t) st->st_size))
	{
		if (!f->result.conn_lost)
			settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
		close(f->fd);
		f->fd = -1;
		return;
	}
	f->state = FOLLOW_ACTIVE;
	f->size = f->up.stored_bytes;
	f->last_growth = cli_now();
}

/* ----------------------------------------------------------------
 * Following an active file
 * ----------------------------------------------------------------
 */

/* Keep (the first time) or compare the file's first bytes. */
static bool
head_unchanged(Followed *f)
{
	char		now[HEAD_BYTES];
	size_t		want = f->up.stored_bytes < HEAD_BYTES ?
		(size_t) f->up.stored_bytes : HEAD_BYTES;

	if (f->head_len > 0 &&
		(pread(f->fd, now, f->head_len, 0) != (ssize_t) f->head_len ||
		 memcmp(now, f->head, f->head_len) != 0))
		return false;
	if (want > f->head_len &&
		pread(f->fd, f->head, want, 0) == (ssize_t) want)
		f->head_len = want;
	return true;
}

/* Is the file still the one followed, as long as before, and the same? */
static bool
check_same_file(Follower *fw, Followed *f, const struct stat *st)
{
	if (st->st_dev != f->dev || st->st_ino != f->ino)
		fail(fw, f, "the file was replaced by another", 0, 0);
	else if ((uint64_t) st->st_size < f->size)
		fail(fw, f, "the file shrank from %llu to %llu bytes",
			 (unsigned long long) f->size, (unsigned long long) st->st_size);
	else if (!head_unchanged(f))
		fail(fw, f, "the beginning of the file changed after it was sent", 0, 0);
	else
		return true;
	return false;
}

/* Send what an active file gained; settle it when complete or idle. */
static void
look_active(Follower *fw, Followed *f, const struct stat *st)
{
	IngestRun  *run = fw->run;
	uint64_t	size = (uint64_t) st->st_size;

	if (!check_same_file(fw, f, st))
		return;
	if (size > f->size)
		f->last_growth = cli_now();
	f->size = size;
	if (size > f->up.stored_bytes &&
		!upload_send(run, &f->up, f->fd, size, upload_piece_size(UINT64_MAX),
					 false, &f->result))
	{
		if (!f->result.conn_lost)
			settle(fw, f, OUTCOME_FAILED, FOLLOW_FAILED);
		return;
	}
	ingest_flush_notices(run);
	if (strcmp(f->up.state, "recording") != 0)
		settle(fw, f, OUTCOME_INGESTED, FOLLOW_DONE);
	else if (cli_now() - f->last_growth >= run->idle_timeout)
		settle(fw, f, OUTCOME_RECORDING, FOLLOW_IDLE);
}

/* An idle file (found in a directory) that grows is followed again. */
static void
look_idle(Follower *fw, Followed *f, const struct stat *st)
{
	if ((uint64_t) st->st_size <= f->size)
		return;
	printf("%s grows again\n", f->up.name);
	fflush(stdout);
	memset(&f->result, 0, sizeof(f->result));
	f->state = FOLLOW_NEW;
	f->head_len = 0;
	look_first(fw, f, st);
}

static void
look(Follower *fw, Followed *f)
{
	struct stat st;

	bool		waited_enough = f->named &&
		cli_now() - f->last_growth >= fw->run->idle_timeout;

	if (stat(f->path, &st) != 0)
	{
		if (f->state == FOLLOW_ACTIVE)
			fail(fw, f, "the file is gone", 0, 0);
		else if (f->state == FOLLOW_NEW && waited_enough)
			fail(fw, f, "the file did not appear", 0, 0);
		return;
	}
	switch (f->state)
	{
		case FOLLOW_NEW:
			look_first(fw, f, &st);
			if (f->state == FOLLOW_ACTIVE)
				look_active(fw, f, &st);
			else if (f->state == FOLLOW_NEW && waited_enough)
				fail(fw, f, "the file has no MCAP data to send yet", 0, 0);
			break;
		case FOLLOW_ACTIVE:
			look_active(fw, f, &st);
			break;
		case FOLLOW_IDLE:
			look_idle(fw, f, &st);
			break;
		default:
			break;
	}
}

/* ----------------------------------------------------------------
 * The connection
 * ----------------------------------------------------------------
 */

/*
 * After a reconnection: the append in flight when the connection dropped
 * may or may not have been committed.  Read back what the server has of
 * each upload; one whose file is gone (merged into a stored copy as it
 * completed) is looked at afresh.
 */
static void
refresh_uploads(Follower *fw)
{
	for (size_t i = 0; i < fw->count; i++)
	{
		Followed   *f = fw->files[i];

		if (f->state != FOLLOW_ACTIVE)
			continue;
		if (upload_refresh(fw->run, &f->up, &f->result) == 0)
		{
			close(f->fd);
			f->fd = -1;
			f->state = FOLLOW_NEW;
		}
	}
}

/* Is there a connection?  If not, try to make one, backing off. */
static bool
reconnect(Follower *fw)
{
	IngestRun  *run = fw->run;

	if (run->conn != NULL && PQstatus(run->conn) == CONNECTION_OK)
		return true;
	if (fw->backoff == 0)
	{
		cli_error("connection to the server lost; reconnecting");
		fw->backoff = BACKOFF_FIRST;
	}
	PQfinish(run->conn);
	run->conn = NULL;
	if (ingest_connect(run))
	{
		cli_error("reconnected");
		fw->backoff = 0;
		refresh_uploads(fw);
		return PQstatus(run->conn) == CONNECTION_OK;
	}
	cli_error("retrying in %g s", fw->backoff);
	sleep_until(cli_now() + fw->backoff);
	fw->backoff = fw->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : fw->backoff * 2;
	return false;
}

/* ----------------------------------------------------------------
 * The loop
 * ----------------------------------------------------------------
 */

/* Are all the files settled (with no directory to watch)? */
static bool
all_settled(const Follower *fw)
{
	if (fw->ndirs > 0)
		return false;
	for (size_t i = 0; i < fw->count; i++)
		if (fw->files[i]->state == FOLLOW_NEW ||
			fw->files[i]->state == FOLLOW_ACTIVE)
			return false;
	return true;
}

/* One look at every file; false if the connection is down. */
static bool
look_all(Follower *fw)
{
	scan_directories(fw);
	for (size_t i = 0; i < fw->count && !interrupted; i++)
	{
		if (PQstatus(fw->run->conn) != CONNECTION_OK)
			return false;
		look(fw, fw->files[i]);
	}
	return PQstatus(fw->run->conn) == CONNECTION_OK;
}

/* Stopped by a signal: the files being uploaded are left recording. */
static void
leave_active(Follower *fw)
{
	for (size_t i = 0; i < fw->count; i++)
	{
		Followed   *f = fw->files[i];

		if (f->state == FOLLOW_ACTIVE)
			settle(fw, f, OUTCOME_RECORDING, FOLLOW_IDLE);
	}
}

static void
free_follower(Follower *fw)
{
	for (size_t i = 0; i < fw->count; i++)
	{
		if (fw->files[i]->fd >= 0)
			close(fw->files[i]->fd);
		free(fw->files[i]->path);
		free(fw->files[i]);
	}
	free(fw->files);
	free(fw->dirs);
}

/* Sort the paths into directories and files; false if one cannot be read. */
static bool
take_paths(Follower *fw, char **paths, int npaths)
{
	bool		ok = true;

	fw->dirs = cli_malloc(npaths * sizeof(char *));
	for (int i = 0; i < npaths; i++)
	{
		struct stat st;

		if (stat(paths[i], &st) != 0 && errno == ENOENT)
		{
			/* a file the logger has not made yet */
			printf("waiting for %s to appear\n", paths[i]);
			add_followed(fw, paths[i], true);
		}
		else if (stat(paths[i], &st) != 0)
		{
			cli_error("could not stat \"%s\": %s", paths[i], strerror(errno));
			ok = false;
		}
		else if (S_ISDIR(st.st_mode))
			fw->dirs[fw->ndirs++] = paths[i];
		else
			add_followed(fw, paths[i], true);
	}
	return ok;
}

int
follow_paths(IngestRun *run, char **paths, int npaths)
{
	Follower	fw = {.run = run};
	bool		found;
	double		started = cli_now();

	found = take_paths(&fw, paths, npaths);
	if (fw.count == 0 && fw.ndirs == 0)
	{
		free_follower(&fw);
		return EXIT_FAILED;
	}
	if (!ingest_connect(run))
	{
		free_follower(&fw);
		return EXIT_FAILED;
	}
	if (!run->has_append)
	{
		cli_error("this server's hdaq has no hdaq.ingest_append(): --follow needs "
				  "hdaq 0.2 (ALTER EXTENSION hdaq UPDATE)");
		free_follower(&fw);
		return EXIT_FAILED;
	}
	run->interrupted = &interrupted;
	catch_signals();
	while (!interrupted && !all_settled(&fw))
	{
		double		tick = cli_now();

		if (reconnect(&fw) && look_all(&fw))
			sleep_until(tick + run->commit_interval);
	}
	leave_active(&fw);
	ingest_summary(run, cli_now() - started);
	free_follower(&fw);
	return run->failed > 0 || !found ? EXIT_FAILED : EXIT_OK;
}
