/*-------------------------------------------------------------------------
 *
 * live.c
 *	  Engine: storing a file piece by piece while it is still being
 *	  written, for hdaq.ingest_begin, ingest_append, ingest_finish and
 *	  ingest_prefix_sha256.
 *
 * Each append runs in its caller's transaction and leaves the file
 * consistent when it commits: every complete record of the bytes received
 * so far is stored, and hdaq.upload keeps what the next append continues
 * from: the SHA-256 state of the bytes received, the reader's resume point
 * (where the first incomplete record starts, and its running CRCs), the
 * bytes of that record received so far, and the file's schema ids.  The
 * file's row is locked for the append, so appends to one file are applied
 * one at a time.
 *
 * The offset of an append is its idempotency key: bytes the file already
 * has are skipped, so an append repeated after a lost reply stores nothing
 * twice; an offset past the bytes received is refused.
 *
 * Messages go into segments as a whole-file ingest writes them.  What is
 * left of a channel at the end of an append is written as a small segment
 * (readers see it); a channel's small segments are merged once they add
 * up to hdaq.segment_size, so a file stored live ends with segments of the
 * same size as one stored whole, and every message is written about
 * twice.  When the footer and closing magic arrive the file is finished:
 * its SHA-256 is known, a copy already stored takes its place, its
 * segments are compacted (compact.c) and its state becomes complete.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/live.h"

#include "engine/compact.h"
#include "engine/leaf_blocks.h"
#include "engine/ingest_int.h"
#include "engine/request.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#define LIVE_MAX_PROBLEMS MCAP_MAX_PROBLEMS

/* One append (or finish) to a recording file. */
typedef struct LiveAppend
{
	UploadState st;
	HdSha256	sha;
	const char *what;
	bool		has_point;		/* the opening magic was read */
	McapResumePoint at;
	Ingest	   *ing;
	McapDecompressor *dec;		/* for segments taken up again */
	McapBuffer *segment_bytes;
} LiveAppend;

/* ---- state kept between appends ------------------------------------------ */

static bytea *
bytea_of(const void *data, size_t len)
{
	bytea	   *b = palloc_extended(VARHDRSZ + len, MCXT_ALLOC_HUGE);

	SET_VARSIZE(b, VARHDRSZ + len);
	if (len > 0)
		memcpy(VARDATA(b), data, len);
	return b;
}

static bytea *
sha_state_bytes(const HdSha256 *sha)
{
	uint8		state[HD_SHA256_STATE_SIZE];

	hd_sha256_save(sha, state);
	return bytea_of(state, sizeof(state));
}

static void
stored_state_damaged(const LiveAppend *la, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("the upload state of %s is damaged: its %s cannot be read",
					la->what, what),
			 errhint("Delete the file with hdaq.delete_file(%lld) and upload it again.",
					 (long long) la->st.file_id)));
}

static void
load_state(LiveAppend *la)
{
	UploadState *st = &la->st;

	if (!hd_sha256_load(&la->sha, (uint8 *) VARDATA_ANY(st->sha256_state),
						VARSIZE_ANY_EXHDR(st->sha256_state)) ||
		la->sha.length != (uint64) st->stored_bytes)
		stored_state_damaged(la, "SHA-256 state");
	la->has_point = st->resume_point != NULL;
	if (la->has_point &&
		!mcap_resume_point_decode((uint8 *) VARDATA_ANY(st->resume_point),
								  VARSIZE_ANY_EXHDR(st->resume_point),
								  &la->at))
		stored_state_damaged(la, "resume point");
}

static char *
describe_file(int64 file_id, const char *name)
{
	if (name)
		return psprintf("recording file %lld (\"%s\")", (long long) file_id,
						name);
	return psprintf("recording file %lld", (long long) file_id);
}

/*
 * Lock the file and read its state: false if it is not recording (st
 * says what it is).  An error if there is no such file.
 */
static bool
lock_recording(int64 file_id, LiveAppend *la)
{
	memset(la, 0, sizeof(*la));
	if (!store_lock_upload(file_id, &la->st))
		request_report_missing_file(file_id);
	la->what = describe_file(file_id, la->st.name);
	if (!la->st.has_upload)
		return false;
	load_state(la);
	return true;
}

/* ---- begin ------------------------------------------------------------------ */

int64
live_begin(const char *name, Jsonb *tags)
{
	HdSha256	sha;
	int64		file_id;

	hd_sha256_init(&sha);
	SPI_connect();
	file_id = store_insert_file(name, NULL, tags, "recording");
	store_insert_upload(file_id, sha_state_bytes(&sha));
	SPI_finish();
	return file_id;
}

/* ---- the small segments at a channel's end --------------------------------- */

/*
 * An append writes what it holds of each channel as a segment, so that
 * readers see it; at the car's pace that is a small segment a second per
 * channel.  The small segments at a channel's end make its run; once they
 * add up to hdaq.segment_size, or number RUN_MAX, they are merged into one
 * segment, which leaves the run when it is full.  Every message is so
 * written about twice, whatever the pace, and a channel has at most
 * RUN_MAX small segments at a time.
 */
#define RUN_MAX 16

/*
 * A segment this transaction may have written: its messages into the
 * channel's buffer, which is written as a segment whenever it is full, as
 * a whole-file ingest cuts them.
 */
static void
take_up_segment(LiveAppend *la, IngestChannel *ch, int64 start_ns, int32 seq)
{
	SegmentWriter *writer = la->ing->writer;
	StoredSegmentData seg;
	SegmentCursor cursor;
	McapMessage msg;

	if (!store_read_own_segment(ch->channel_key, start_ns, seq, &seg))
		stored_state_damaged(la, "small segments of a channel");
	segment_open(la->dec, seg.compression, seg.data, seg.uncompressed_size,
				 la->segment_bytes, &cursor, la->what);
	store_delete_segment(ch->channel_key, start_ns, seq);
	while (segment_next(&cursor, &msg, la->what))
	{
		segment_buffer_add(&ch->buffer, &msg);
		if (ch->buffer.records.len >= writer->target_bytes)
			segment_buffer_flush(writer, &ch->buffer, ch->channel_key,
								 &ch->segments);
	}
}

static void
run_add(IngestChannel *ch, int64 start_ns, int32 seq, int32 size)
{
	UploadChannel *run = &ch->run;

	run->run_start_ns = repalloc(run->run_start_ns, sizeof(int64) * (run->nrun + 1));
	run->run_seqs = repalloc(run->run_seqs, sizeof(int32) * (run->nrun + 1));
	run->run_sizes = repalloc(run->run_sizes, sizeof(int32) * (run->nrun + 1));
	run->run_start_ns[run->nrun] = start_ns;
	run->run_seqs[run->nrun] = seq;
	run->run_sizes[run->nrun] = size;
	run->nrun++;
}

static uint64
run_bytes(const UploadChannel *run)
{
	uint64		total = 0;

	for (int i = 0; i < run->nrun; i++)
		total += (uint64) run->run_sizes[i];
	return total;
}

/*
 * Merge the run into full segments (each sorted by log time, ties in the
 * order the messages arrived) and what is left, which stays in the run.
 */
static void
merge_run(LiveAppend *la, IngestChannel *ch)
{
	SegmentWriter *writer = la->ing->writer;
	UploadChannel *run = &ch->run;

	if (run->nrun < 2)
		return;
	for (int i = 0; i < run->nrun; i++)
	{
		CHECK_FOR_INTERRUPTS();
		take_up_segment(la, ch, run->run_start_ns[i], run->run_seqs[i]);
	}
	run->nrun = 0;
	segment_buffer_flush(writer, &ch->buffer, ch->channel_key, &ch->segments);
	if ((size_t) ch->segments.last_size < writer->target_bytes)
		run_add(ch, ch->segments.last_start_ns, ch->segments.last_seq,
				ch->segments.last_size);
}

/* An Ingest that knows the channels and schemas earlier appends stored. */
static void
open_ingest(LiveAppend *la)
{
	int			n;
	UploadChannel *uc = store_upload_channels(la->st.file_id, &n);
	Ingest	   *ing = ingest_create(la->st.file_id, la->what);

	for (int i = 0; i < la->st.nschemas; i++)
		ingest_add_stored_schema(ing, (uint16) la->st.schema_ids[i],
								 la->st.schema_keys[i]);
	for (int i = 0; i < n; i++)
	{
		IngestChannel *ch = ingest_add_stored_channel(ing,
													  (uint16) uc[i].channel_id,
													  uc[i].channel_key);

		ch->segments.next_seq = uc[i].next_seq;
		ch->segments.max_span_ns = uc[i].max_segment_span_ns;
		ch->run = uc[i];
	}
	ing->metadata_count = la->st.metadata_count;
	ing->attachment_count = la->st.attachment_count;
	la->dec = hdaq_decompressor_new();
	la->segment_bytes = palloc(sizeof(McapBuffer));
	hdaq_buffer_init(la->segment_bytes);
	la->ing = ing;
}

/* A new channel's run, empty. */
static void
init_run(IngestChannel *ch)
{
	if (ch->known || ch->run.run_start_ns != NULL)
		return;
	ch->run.run_start_ns = palloc(sizeof(int64));
	ch->run.run_seqs = palloc(sizeof(int32));
	ch->run.run_sizes = palloc(sizeof(int32));
	ch->run.nrun = 0;
}

/*
 * Write what is left in each channel's buffer as a segment, add it to the
 * channel's run (merging the run when it is big enough), and save the
 * channels' counts and where their segments go on.
 */
static void
close_channels(LiveAppend *la)
{
	Ingest	   *ing = la->ing;
	size_t		target = ing->writer->target_bytes;

	for (int i = 0; i < ing->nchannels; i++)
	{
		IngestChannel *ch = ing->channels[i];
		UploadChannel *run = &ch->run;

		CHECK_FOR_INTERRUPTS();
		if (ch->summary.message_count == 0 && ch->known)
			continue;
		init_run(ch);
		if (ch->buffer.count > 0)
		{
			segment_buffer_flush(ing->writer, &ch->buffer, ch->channel_key,
								 &ch->segments);
			if ((size_t) ch->segments.last_size < target)
				run_add(ch, ch->segments.last_start_ns, ch->segments.last_seq,
						ch->segments.last_size);
		}
		if (run_bytes(run) >= target || run->nrun >= RUN_MAX)
			merge_run(la, ch);
		ch->summary.max_segment_span_ns = ch->segments.max_span_ns;
		store_add_channel_messages(ch->channel_key, &ch->summary);
		run->channel_key = ch->channel_key;
		run->channel_id = ch->id;
		run->next_seq = ch->segments.next_seq;
		run->max_segment_span_ns = ch->segments.max_span_ns;
		store_save_upload_channel(la->st.file_id, run);
	}
	ing->buffered = 0;
}

/* ---- reading a piece ----------------------------------------------------- */

/* Keep the reader's problems, but not that the input ends: it goes on. */
static void
keep_problems(LiveAppend *la, const McapRecovery *rec)
{
	UploadState *st = &la->st;
	uint32		n = Min(rec->problem_count, MCAP_MAX_PROBLEMS);

	if (st->nproblems + (int) n > 0)
		st->problems = repalloc(st->problems, sizeof(UploadProblem) *
								(st->nproblems + n + 1));
	for (uint32 i = 0; i < n && st->nproblems < LIVE_MAX_PROBLEMS; i++)
	{
		const McapError *e = &rec->problems[i];

		if (e->code == MCAP_ERR_TRUNCATED)
			continue;
		st->problems[st->nproblems].code = e->code;
		st->problems[st->nproblems].offset = (int64) e->offset;
		st->problems[st->nproblems].message = pstrdup(e->message);
		st->nproblems++;
	}
	st->chunks_skipped += rec->chunks_skipped;
	st->records_skipped += rec->records_skipped;
}

/* Schemas and counts of this append into the state saved for the next. */
static void
keep_ingest_state(LiveAppend *la)
{
	Ingest	   *ing = la->ing;
	UploadState *st = &la->st;
	int			n = 0;

	st->schema_ids = palloc(sizeof(int32) * Max(ing->schema_slots, 1));
	st->schema_keys = palloc(sizeof(int64) * Max(ing->schema_slots, 1));
	for (int id = 1; id < ing->schema_slots; id++)
	{
		if (ing->schema_key_by_id[id] == 0)
			continue;
		st->schema_ids[n] = id;
		st->schema_keys[n++] = ing->schema_key_by_id[id];
	}
	st->nschemas = n;
	st->metadata_count = ing->metadata_count;
	st->attachment_count = ing->attachment_count;
	if (ing->messages_dropped > 0 && st->first_drop == NULL)
		st->first_drop = pstrdup(ing->first_drop);
	st->messages_dropped += ing->messages_dropped;
	if (ing->profile && st->profile == NULL)
	{
		st->profile = ing->profile;
		st->library = ing->library;
	}
}

/*
 * Read the records of input (the bytes from the resume point on, or from
 * the start of the file) and store them; the bytes of a record not yet
 * whole become the pending bytes.  Returns whether the file is complete.
 */
static bool
read_piece(LiveAppend *la, const uint8 *input, size_t len)
{
	McapReaderOptions opts;
	McapReader *reader;
	const McapRecovery *rec;
	uint64		base = la->has_point ? la->at.offset : 0;
	uint64		end = base + len;
	bool		complete;

	hdaq_reader_options(&opts);
	opts.skip_message_indexes = true;
	opts.stop_before_incomplete = true;
	if (!la->has_point)
		reader = hdaq_reader_open_memory(input, len, &opts, la->what);
	else
		reader = hdaq_reader_open_resumed(input, len, &la->at, &opts,
										  la->what);

	open_ingest(la);
	ingest_read_records(la->ing, reader, NULL);
	close_channels(la);
	keep_ingest_state(la);

	rec = mcap_reader_recovery(reader);
	keep_problems(la, rec);
	complete = rec->complete;
	mcap_reader_resume_point(reader, &la->at);
	la->has_point = true;
	la->st.bytes_skipped += rec->bytes_dropped -
		(end > rec->valid_end ? end - rec->valid_end : 0);
	if (!complete && la->at.offset < end)
		la->st.pending = bytea_of(input + (la->at.offset - base),
								  end - la->at.offset);
	else
		la->st.pending = bytea_of(NULL, 0);
	return complete;
}

/*
 * Before the opening magic is whole, the bytes are only kept, once they
 * are known to begin it.
 */
static bool
magic_still_incomplete(LiveAppend *la, const uint8 *input, size_t len)
{
	if (la->has_point || len >= MCAP_MAGIC_SIZE)
		return false;
	if (memcmp(input, MCAP_MAGIC, len) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s is not an MCAP file: it does not start with the MCAP magic",
						la->what)));
	la->st.pending = bytea_of(input, len);
	return true;
}

/* The bytes to read: the pending ones, then the new ones past any skip. */
static uint8 *
piece_input(LiveAppend *la, const uint8 *data, size_t len, int64 first,
			size_t *input_len)
{
	size_t		pending = VARSIZE_ANY_EXHDR(la->st.pending);
	uint64		skip = 0;
	uint8	   *input;

	/* the resume point lies past an oversized record still arriving */
	if (la->has_point && la->at.offset > (uint64) first)
		skip = Min(la->at.offset - (uint64) first, len);
	if (skip > 0)
		pending = 0;
	*input_len = pending + len - skip;
	input = palloc_extended(Max(*input_len, 1), MCXT_ALLOC_HUGE);
	memcpy(input, VARDATA_ANY(la->st.pending), pending);
	memcpy(input + pending, data + skip, len - skip);
	return input;
}

/* ---- finishing ---------------------------------------------------------- */

static void
add_truncation(McapRecovery *rec, uint64 offset, size_t pending)
{
	McapError  *e;

	if (pending == 0 || rec->problem_count >= MCAP_MAX_PROBLEMS)
		return;
	e = &rec->problems[rec->problem_count++];
	e->code = MCAP_ERR_TRUNCATED;
	e->offset = offset;
	snprintf(e->message, sizeof(e->message),
			 "the file ends %zu bytes into a record it does not hold whole",
			 pending);
}

/* The reader's account of the whole file, from what the appends kept. */
static void
whole_recovery(const LiveAppend *la, bool complete, McapRecovery *rec)
{
	const UploadState *st = &la->st;
	size_t		pending = VARSIZE_ANY_EXHDR(st->pending);

	memset(rec, 0, sizeof(*rec));
	rec->complete = complete;
	rec->bytes_read = (uint64) st->stored_bytes;
	rec->valid_end = la->has_point ? la->at.offset : 0;
	rec->truncated = !complete && pending > 0;
	rec->chunks_skipped = (uint64) st->chunks_skipped;
	rec->records_skipped = (uint64) st->records_skipped;
	rec->bytes_dropped = (uint64) st->bytes_skipped + (complete ? 0 : pending);
	for (int i = 0; i < st->nproblems && i < MCAP_MAX_PROBLEMS; i++)
	{
		McapError  *e = &rec->problems[rec->problem_count++];

		e->code = (McapStatus) st->problems[i].code;
		e->offset = (uint64) st->problems[i].offset;
		strlcpy(e->message, st->problems[i].message, sizeof(e->message));
	}
	if (!complete)
		add_truncation(rec, rec->valid_end, pending);
}

static void
refuse_if_empty(const LiveAppend *la)
{
	if (la->st.profile != NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s holds no valid MCAP content: its %lld bytes end before its Header record is complete",
					la->what, (long long) la->st.stored_bytes),
			 errhint("Append more of it, or remove it with hdaq.delete_file(%lld).",
					 (long long) la->st.file_id)));
}

/*
 * No more appends: every channel's run becomes one segment, and the
 * channel's longest segment span (what a time-range scan looks back by)
 * counts the merged ones.
 */
static void
merge_runs(LiveAppend *la)
{
	if (la->ing == NULL)
		open_ingest(la);
	for (int i = 0; i < la->ing->nchannels; i++)
	{
		IngestChannel *ch = la->ing->channels[i];
		ChannelSummary span = {0};

		if (ch->run.nrun < 2)
			continue;
		merge_run(la, ch);
		span.max_segment_span_ns = ch->segments.max_span_ns;
		store_add_channel_messages(ch->channel_key, &span);
	}
	la->ing->buffered = 0;
}

/*
 * The file will not change any more: its digest is known.  A complete
 * copy stored before takes its place (tags merged into it); otherwise its
 * segments are compacted and its row completed.  Returns the file_id that
 * holds it.
 */
static int64
finish_file(LiveAppend *la, bool complete)
{
	UploadState *st = &la->st;
	uint8		digest[SHA256_LEN];
	int64		existing;
	FileSummary summary = {0};
	McapRecovery rec;
	Ingest	   *ing;

	refuse_if_empty(la);
	hd_sha256_digest(&la->sha, digest);
	existing = ingest_already_stored(digest, la->what, st->tags);
	if (existing != 0)
	{
		store_delete_file(st->file_id);
		return existing;
	}
	merge_runs(la);
	/* as a whole-file ingest, which leaves late messages' overlaps */
	compact_file(st->file_id, false);
	whole_recovery(la, complete, &rec);
	ing = la->ing;
	ing->messages_dropped = st->messages_dropped;
	if (st->first_drop)
		strlcpy(ing->first_drop, st->first_drop, sizeof(ing->first_drop));
	summary.sha256 = digest;
	summary.size_bytes = st->stored_bytes;
	summary.message_count = st->message_count;
	summary.has_messages = st->has_messages;
	summary.start_ns = st->start_ns;
	summary.end_ns = st->end_ns;
	summary.recovery = ingest_recovery_jsonb(ing, &rec);
	summary.profile = st->profile;
	summary.library = st->library ? st->library : "";
	summary.state = complete ? "complete" : "cut short";
	store_complete_file(st->file_id, &summary);
	store_end_upload(st->file_id);
	leaf_blocks_after_ingest(st->file_id);
	ingest_report_recovery(ing, summary.recovery, &rec);
	return st->file_id;
}

/* The state as a constant string, valid after SPI_finish. */
static const char *
state_name(const char *state)
{
	if (strcmp(state, "recording") == 0)
		return "recording";
	if (strcmp(state, "complete") == 0)
		return "complete";
	return "cut short";
}

/* ---- append ------------------------------------------------------------------ */

static void
check_offset(const LiveAppend *la, int64 offset)
{
	if (offset < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("offset must not be negative: %lld", (long long) offset)));
	if (offset > la->st.stored_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("offset %lld is past the end of %s, which has %lld bytes",
						(long long) offset, la->what,
						(long long) la->st.stored_bytes),
				 errhint("Append from offset %lld: hdaq.file.stored_bytes says where an upload goes on.",
						 (long long) la->st.stored_bytes)));
}

/* The counts of what this append stored, into the state. */
static void
count_messages(LiveAppend *la)
{
	Ingest	   *ing = la->ing;
	UploadState *st = &la->st;

	if (ing == NULL || ing->message_count == 0)
		return;
	if (!st->has_messages || ing->start_ns < st->start_ns)
		st->start_ns = ing->start_ns;
	if (!st->has_messages || ing->end_ns > st->end_ns)
		st->end_ns = ing->end_ns;
	st->has_messages = true;
	st->message_count += ing->message_count;
}

static void
save_progress(LiveAppend *la, int64 added_messages, int64 start_ns,
			  int64 end_ns)
{
	uint8		point[MCAP_RESUME_POINT_SIZE];

	la->st.sha256_state = sha_state_bytes(&la->sha);
	if (la->has_point)
	{
		mcap_resume_point_encode(&la->at, point);
		la->st.resume_point = bytea_of(point, sizeof(point));
	}
	store_save_upload(&la->st);
	store_save_live_file(la->st.file_id, la->st.stored_bytes, added_messages,
						 start_ns, end_ns, la->st.profile, la->st.library);
}

void
live_append(int64 file_id, int64 offset, const uint8 *data, size_t len,
			LiveProgress *out)
{
	LiveAppend	la;
	int64		first;
	size_t		skip;
	size_t		input_len;
	uint8	   *input;
	bool		complete = false;

	SPI_connect();
	out->file_id = file_id;
	if (!lock_recording(file_id, &la))
	{
		if (offset < 0 || offset + (int64) len > la.st.stored_bytes)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("file %lld is %s: it takes no more bytes",
							(long long) file_id, la.st.state),
					 errdetail("It holds %lld bytes; the append ends at byte %lld.",
							   (long long) la.st.stored_bytes,
							   (long long) (offset + (int64) len))));
	}
	else
	{
		check_offset(&la, offset);
		skip = (size_t) (la.st.stored_bytes - offset);
		if (skip < len)
		{
			first = la.st.stored_bytes;
			hdaq_sha256_update(&la.sha, data + skip, len - skip);
			la.st.stored_bytes += (int64) (len - skip);
			input = piece_input(&la, data + skip, len - skip, first,
								&input_len);
			if (!magic_still_incomplete(&la, input, input_len))
				complete = read_piece(&la, input, input_len);
			count_messages(&la);
			save_progress(&la, la.ing ? la.ing->message_count : 0,
						  la.ing ? la.ing->start_ns : 0,
						  la.ing ? la.ing->end_ns : 0);
			if (complete)
			{
				out->file_id = finish_file(&la, true);
				la.st.state = "complete";
			}
		}
	}
	out->stored_bytes = la.st.stored_bytes;
	out->state = state_name(la.st.state);
	SPI_finish();
}

int64
live_finish(int64 file_id)
{
	LiveAppend	la;
	int64		result = file_id;

	SPI_connect();
	if (lock_recording(file_id, &la))
		result = finish_file(&la, false);
	SPI_finish();
	return result;
}

bytea *
live_prefix_sha256(int64 file_id)
{
	LiveAppend	la;
	uint8		digest[SHA256_LEN];
	bool		recording;

	SPI_connect();
	recording = lock_recording(file_id, &la);
	SPI_finish();
	if (!recording)
		return NULL;
	hd_sha256_digest(&la.sha, digest);
	return bytea_of(digest, sizeof(digest));
}
