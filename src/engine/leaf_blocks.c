/*-------------------------------------------------------------------------
 *
 * leaf_blocks.c
 *	  Engine: leaf blocks.  Building: every numeric leaf of a channel
 *	  outside arrays and maps, and each element of the arrays of its first
 *	  message (engine/leaf_paths.c), read from each message by the same
 *	  extraction hdaq.signal uses, cut into blocks of LEAF_BLOCK_VALUES
 *	  pairs (fewer for a channel with thousands of leaves), encoded and
 *	  summarised (src/column).  A leaf
 *	  some message lacks, and every leaf of a channel some message of which
 *	  does not decode, gets no blocks: reading it decodes the messages, so
 *	  rows with a NULL value and decoding errors stay as they are.
 *	  Reading: the pairs of a time range, and summaries of it that take
 *	  whole blocks from their stored summaries.
 *
 * hdaq.leaf_blocks (boolean, default on) turns building at ingest and
 * reading off (the differential tests compare both ways).
 *
 *-------------------------------------------------------------------------
 */
#include "engine/leaf_blocks.h"

#include "engine/decoders.h"
#include "engine/leaf_paths.h"
#include "engine/scan.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

/* pairs per block: a 10 s window at 100 Hz decodes at most two blocks */
#define LEAF_BLOCK_VALUES 4096

/*
 * Values a channel's build buffers at most (32 MB): a channel with more
 * leaves than LEAF_BUILD_VALUES / LEAF_BLOCK_VALUES (say 16 arrays of 256
 * elements) cuts shorter blocks, down to LEAF_BLOCK_MIN_VALUES pairs.
 */
#define LEAF_BUILD_VALUES (4 * 1024 * 1024)
#define LEAF_BLOCK_MIN_VALUES 64

/*
 * The path under which a channel's blocks of times are stored: the times
 * of block k of every leaf are those of block k of this "leaf" (no signal
 * path is empty).
 */
#define LEAF_TIMES_PATH ""

bool		leaf_blocks_enabled = true;

void
leaf_blocks_define_gucs(void)
{
	DefineCustomBoolVariable("hdaq.leaf_blocks",
							 "Build leaf blocks at ingest and read signals and MAT exports from them.",
							 "Off: signals are read by decoding the stored messages, and ingest builds no blocks.",
							 &leaf_blocks_enabled, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	leaf_paths_define_gucs();
}

/*
 * Whether hdaq.leaf_block exists and the user may read it (ACL_SELECT) or
 * write it (ACL_INSERT, ACL_DELETE): the library of this version serves a
 * 0.1.0 store until ALTER EXTENSION hdaq UPDATE, and roles granted their
 * privileges table by table before the upgrade (a Grafana role) lack them
 * on the new table; they read by decoding, with the same answers.
 */
static bool
blocks_table_usable(AclMode mode)
{
	return store_table_usable("leaf_block", mode);
}

/* ---- building ---------------------------------------------------------------- */

/* The leaves of one channel being built. */
typedef struct LeafBuild
{
	const StoredChannel *ch;
	int			nleaves;
	char	  **paths;
	const HdPath **compiled;
	bool	   *dropped;		/* some message lacks it */
	int32	   *ords;
	int32		times_ord;		/* ords of the blocks of times */
	int			block_values;	/* pairs per block, LEAF_BLOCK_VALUES at most */
	double	  **values;			/* [leaf][block_values] */
	int64	   *times;			/* shared: every kept leaf is in every message */
	int			count;
	double	   *out;
	bool	   *found;
	HdColumnCodec *codec;
	uint8	   *encoded;
	size_t		encoded_cap;
	int64		written;
} LeafBuild;

static void
free_path(void *path)
{
	hd_path_free(path);
}

static void
free_codec(void *codec)
{
	hd_column_codec_free(codec);
}

/* A codec freed with CurrentMemoryContext. */
static HdColumnCodec *
new_codec(void)
{
	HdColumnCodec *codec = hd_column_codec_new();

	if (codec == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory creating a leaf block codec")));
	hdaq_free_with_context(codec, free_codec);
	return codec;
}

/*
 * The leaves of a decoder that compile as signal paths: those outside
 * arrays and maps, and the elements of the arrays of the channel's first
 * message (engine/leaf_paths.c).
 */
static void
find_leaves(const HdDecoder *decoder, const McapMessage *first, LeafBuild *lb)
{
	List	   *paths = leaf_paths_find(decoder, first->data.data, first->data.len);
	HdError		err;
	ListCell   *lc;

	lb->paths = palloc(sizeof(char *) * Max(list_length(paths), 1));
	lb->compiled = palloc(sizeof(HdPath *) * Max(list_length(paths), 1));
	foreach(lc, paths)
	{
		HdPath	   *path = hd_path_compile(decoder, lfirst(lc), &err);

		if (path == NULL)
			continue;
		hdaq_free_with_context(path, free_path);
		lb->paths[lb->nleaves] = lfirst(lc);
		lb->compiled[lb->nleaves] = path;
		lb->nleaves++;
	}
}

static void
allocate_buffers(LeafBuild *lb)
{
	int			n = Max(lb->nleaves, 1);

	lb->block_values = Max(Min(LEAF_BLOCK_VALUES, LEAF_BUILD_VALUES / n),
						   LEAF_BLOCK_MIN_VALUES);
	lb->dropped = palloc0(sizeof(bool) * n);
	lb->ords = palloc0(sizeof(int32) * n);
	lb->values = palloc(sizeof(double *) * n);
	for (int i = 0; i < lb->nleaves; i++)
		lb->values[i] = palloc(sizeof(double) * lb->block_values);
	lb->times = palloc(sizeof(int64) * lb->block_values);
	lb->out = palloc(sizeof(double) * n);
	lb->found = palloc(sizeof(bool) * n);
	lb->encoded_cap = hd_column_encode_bound(lb->block_values);
	lb->encoded = palloc(lb->encoded_cap);
}

/* Encode count pairs (either side may be NULL) into lb->encoded, as a bytea. */
static bytea *
encode_block(LeafBuild *lb, const int64 *times, const double *values,
			 const char *what)
{
	size_t		len;
	HdColumnStatus st;
	bytea	   *data;

	st = hd_column_encode(lb->codec, times, values, lb->count, 1,
						  lb->encoded, lb->encoded_cap, &len);
	if (st != HD_COLUMN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("cannot encode a leaf block of \"%s\" of topic \"%s\": %s",
						what, lb->ch->topic, hd_column_status_text(st))));
	data = palloc(VARHDRSZ + len);
	SET_VARSIZE(data, VARHDRSZ + len);
	memcpy(VARDATA(data), lb->encoded, len);
	return data;
}

static void
insert_block(LeafBuild *lb, const char *path, int32 ord, LeafBlockRow *row)
{
	row->file_id = lb->ch->file_id;
	row->channel_key = lb->ch->channel_key;
	row->path = path;
	row->ord = ord;
	store_insert_leaf_block(row);
	pfree(row->data);
}

/* The buffered messages' times as the channel's block of times. */
static void
write_times_block(LeafBuild *lb)
{
	LeafBlockRow row;

	memset(&row.summary, 0, sizeof(row.summary));
	row.summary.count = lb->count;
	row.summary.first_time = row.summary.min_time = row.summary.max_time = lb->times[0];
	row.summary.last_time = lb->times[lb->count - 1];
	row.data = encode_block(lb, lb->times, NULL, "times");
	insert_block(lb, LEAF_TIMES_PATH, lb->times_ord++, &row);
}

/* Leaf i's buffered values as one block of values, with its summary. */
static void
write_block(LeafBuild *lb, int i)
{
	LeafBlockRow row;

	hd_column_summarize(lb->times, lb->values[i], lb->count, &row.summary);
	row.data = encode_block(lb, NULL, lb->values[i], lb->paths[i]);
	insert_block(lb, lb->paths[i], lb->ords[i]++, &row);
	lb->written++;
}

static void
flush_blocks(LeafBuild *lb)
{
	bool		any = false;

	if (lb->count == 0)
		return;
	for (int i = 0; i < lb->nleaves; i++)
		if (!lb->dropped[i])
		{
			write_block(lb, i);
			any = true;
		}
	if (any)
		write_times_block(lb);
	lb->count = 0;
}

/* Leaf i is missing from a message: no blocks for it. */
static void
drop_leaf(LeafBuild *lb, int i)
{
	lb->dropped[i] = true;
	if (lb->ords[i] > 0)
		store_delete_channel_leaf_blocks(lb->ch->channel_key, lb->paths[i]);
	lb->written -= lb->ords[i];
}

/* Read one message's leaves into the buffers; false if it does not decode. */
static bool
add_message(LeafBuild *lb, const HdDecoder *decoder, const McapMessage *msg)
{
	for (int first = 0; first < lb->nleaves; first += HD_MAX_PATHS)
	{
		int			n = Min(HD_MAX_PATHS, lb->nleaves - first);
		HdError		err;

		if (hd_extract_numbers(decoder, lb->compiled + first, n,
							   msg->data.data, msg->data.len,
							   lb->out + first, lb->found + first, &err) != HD_OK)
			return false;
	}
	lb->times[lb->count] = (int64) msg->log_time;
	for (int i = 0; i < lb->nleaves; i++)
	{
		if (lb->dropped[i])
			continue;
		if (!lb->found[i])
			drop_leaf(lb, i);
		else
			lb->values[i][lb->count] = lb->out[i];
	}
	if (++lb->count == lb->block_values)
		flush_blocks(lb);
	return true;
}

/* A request for every message of a file. */
static void
whole_file_request(int64 file_id, ScanRequest *req)
{
	memset(req, 0, sizeof(*req));
	req->has_file_id = true;
	req->file_id = file_id;
	req->start_ns = PG_INT64_MIN;
	req->end_ns = PG_INT64_MAX;
}

/* Build the blocks of one channel's leaves; returns how many were written. */
static int64
build_channel(const StoredChannel *ch, HdColumnCodec *codec)
{
	const char *error;
	const HdDecoder *decoder;
	LeafBuild	lb = {0};
	ScanRequest req;
	MessageScan *scan;
	const ScanChannel *sc;
	McapMessage msg;

	decoder = hdaq_get_decoder(ch->has_schema, ch->schema_key,
							   ch->message_encoding, &error);
	if (decoder == NULL)
		return 0;
	lb.ch = ch;
	lb.codec = codec;
	whole_file_request(ch->file_id, &req);
	scan = scan_begin_channels(&req, ch, 1);
	if (!scan_next(scan, &sc, &msg))
		return 0;
	find_leaves(decoder, &msg, &lb);
	if (lb.nleaves == 0)
		return 0;
	allocate_buffers(&lb);
	do
	{
		CHECK_FOR_INTERRUPTS();
		if (!add_message(&lb, decoder, &msg))
		{
			store_delete_channel_leaf_blocks(ch->channel_key, NULL);
			return 0;
		}
	} while (scan_next(scan, &sc, &msg));
	flush_blocks(&lb);
	if (lb.written == 0 && lb.times_ord > 0)
		store_delete_channel_leaf_blocks(ch->channel_key, NULL);
	return lb.written;
}

int64
leaf_blocks_build_file(int64 file_id)
{
	ScanRequest req;
	StoredChannel *channels;
	int			n;
	int64		written = 0;
	MemoryContext per_channel;
	MemoryContext old;
	HdColumnCodec *codec = new_codec();

	store_delete_leaf_blocks(file_id);
	whole_file_request(file_id, &req);
	channels = store_find_channels(&req, &n);
	per_channel = AllocSetContextCreate(CurrentMemoryContext, "hdaq leaf blocks",
										ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < n; i++)
	{
		old = MemoryContextSwitchTo(per_channel);
		written += build_channel(&channels[i], codec);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_channel);
	}
	MemoryContextDelete(per_channel);
	return written;
}

void
leaf_blocks_after_ingest(int64 file_id)
{
	if (!leaf_blocks_enabled || !blocks_table_usable(ACL_INSERT) ||
		!blocks_table_usable(ACL_DELETE))
		return;
	/* the segments and schemas this statement wrote, seen by the scan */
	CommandCounterIncrement();
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	leaf_blocks_build_file(file_id);
	PopActiveSnapshot();
}

/* ---- reading -------------------------------------------------------------------- */

/*
 * Which of the paths each channel has blocks of, in one question to the
 * store: has[i * npaths + j] for channels[i] and paths[j].
 */
static bool *
leaf_blocks_present(const StoredChannel *channels, int nchannels,
					const char *const *paths, int npaths)
{
	int64	   *keys = palloc(sizeof(int64) * Max(nchannels, 1));

	for (int i = 0; i < nchannels; i++)
		keys[i] = channels[i].channel_key;
	return store_leaf_block_paths(keys, nchannels, paths, npaths);
}

/* Whether blocks may be read for these paths at all (any channel). */
static bool
leaf_blocks_readable(const char *const *paths, int npaths)
{
	if (!leaf_blocks_enabled || !blocks_table_usable(ACL_SELECT))
		return false;
	for (int p = 0; p < npaths; p++)
		if (strcmp(paths[p], LEAF_TIMES_PATH) == 0)
			return false;		/* no leaf: decoding says why */
	return true;
}

static bool
channel_has_blocks(const StoredChannel *ch, const char *const *paths, int npaths)
{
	bool	   *has;

	if (npaths == 0)
		return true;
	has = leaf_blocks_present(ch, 1, paths, npaths);
	for (int p = 0; p < npaths; p++)
		if (!has[p])
			return false;
	return true;
}

bool
leaf_blocks_available(const StoredChannel *ch, const char *const *paths,
					  int npaths)
{
	return leaf_blocks_readable(paths, npaths) &&
		channel_has_blocks(ch, paths, npaths);
}

StoredChannel *
leaf_blocks_channels(const ScanRequest *req, const char *const *paths, int npaths,
					 int *count)
{
	StoredChannel *channels;
	bool	   *has;

	if (!leaf_blocks_readable(paths, npaths))
		return NULL;
	channels = store_find_channels(req, count);
	if (*count == 0 || npaths == 0)
		return channels;
	has = leaf_blocks_present(channels, *count, paths, npaths);
	for (int i = 0; i < *count * npaths; i++)
		if (!has[i])
			return NULL;
	return channels;
}


LeafBlockIndex *
leaf_blocks_index(int64 file_id)
{
	LeafBlockIndex *ix;

	if (!leaf_blocks_enabled || !blocks_table_usable(ACL_SELECT))
		return NULL;
	ix = palloc(sizeof(LeafBlockIndex));
	ix->paths = store_file_leaf_block_paths(file_id, &ix->npaths);
	ix->bytes = sizeof(LeafBlockIndex) + sizeof(StoredLeafPath) * ix->npaths;
	for (int i = 0; i < ix->npaths; i++)
		ix->bytes += strlen(ix->paths[i].path) + 1;
	return ix;
}

static int
compare_leaf_paths(const void *a, const void *b)
{
	const StoredLeafPath *x = a;
	const StoredLeafPath *y = b;

	if (x->channel_key != y->channel_key)
		return x->channel_key < y->channel_key ? -1 : 1;
	return strcmp(x->path, y->path);
}

int
leaf_blocks_index_first_count(const LeafBlockIndex *ix, int64 channel_key,
							  const char *path)
{
	StoredLeafPath key = {channel_key, (char *) path, 0};
	StoredLeafPath *found;

	if (ix == NULL || ix->npaths == 0)
		return 0;
	found = bsearch(&key, ix->paths, ix->npaths, sizeof(StoredLeafPath),
					compare_leaf_paths);
	return found ? found->first_count : 0;
}

/* Decode a stored block's times or values (LEAF_BLOCK_VALUES at most). */
static size_t
decode_block(HdColumnCodec *codec, const StoredChannel *ch, const char *path,
			 const StoredLeafBlock *b, int64 *times, double *values)
{
	size_t		n;
	HdColumnStatus st;

	st = hd_column_decode(codec, (const uint8 *) VARDATA_ANY(b->data),
						  VARSIZE_ANY_EXHDR(b->data), times, values,
						  LEAF_BLOCK_VALUES, &n);
	if (st != HD_COLUMN_OK || n != b->summary.count)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("leaf block of \"%s\" of topic \"%s\" in file %lld at %lld is corrupt: %s",
						path[0] ? path : "times", ch->topic, (long long) ch->file_id,
						(long long) b->summary.first_time,
						st != HD_COLUMN_OK ? hd_column_status_text(st) :
						"its count differs from its summary's"),
				 errhint("SELECT hdaq.build_leaf_blocks(%lld) builds the file's blocks again.",
						 (long long) ch->file_id)));
	return n;
}

static bool
same_messages(const StoredLeafBlock *a, const StoredLeafBlock *b)
{
	return a->summary.count == b->summary.count && a->ord == b->ord &&
		a->summary.first_time == b->summary.first_time &&
		a->summary.last_time == b->summary.last_time;
}

/*
 * The channel's blocks of times in [start_ns, end_ns] and each path's
 * blocks of values, with their bytes when with_data; false unless every path's blocks
 * are those of the times (same counts, times and order).
 */
static bool
find_aligned_blocks(const StoredChannel *ch, const char *const *paths, int npaths,
					int64 start_ns, int64 end_ns, bool with_data,
					StoredLeafBlock **time_blocks, StoredLeafBlock **blocks,
					int *nblocks)
{
	*time_blocks = store_find_leaf_blocks(ch->channel_key, LEAF_TIMES_PATH,
										  start_ns, end_ns, with_data, nblocks);
	for (int p = 0; p < npaths; p++)
	{
		int			n;

		blocks[p] = store_find_leaf_blocks(ch->channel_key, paths[p], start_ns,
										   end_ns, with_data, &n);
		if (n != *nblocks)
			return false;
		for (int b = 0; b < n; b++)
			if (!same_messages(&blocks[p][b], &(*time_blocks)[b]))
				return false;
	}
	return true;
}

bool
leaf_blocks_read(const StoredChannel *ch, const char *const *paths, int npaths,
				 int64 start_ns, int64 end_ns, LeafRowFn fn, void *arg)
{
	StoredLeafBlock *time_blocks;
	StoredLeafBlock **blocks = palloc(sizeof(StoredLeafBlock *) * npaths);
	int			nblocks = 0;
	HdColumnCodec *codec = new_codec();
	int64	   *times = palloc(sizeof(int64) * LEAF_BLOCK_VALUES);
	double	  **values = palloc(sizeof(double *) * npaths);
	double	   *row = palloc(sizeof(double) * npaths);

	if (!find_aligned_blocks(ch, paths, npaths, start_ns, end_ns, true,
							 &time_blocks, blocks, &nblocks))
		return false;
	for (int p = 0; p < npaths; p++)
		values[p] = palloc(sizeof(double) * LEAF_BLOCK_VALUES);
	for (int b = 0; b < nblocks; b++)
	{
		size_t		n;

		CHECK_FOR_INTERRUPTS();
		n = decode_block(codec, ch, LEAF_TIMES_PATH, &time_blocks[b], times, NULL);
		pfree(time_blocks[b].data);
		for (int p = 0; p < npaths; p++)
		{
			decode_block(codec, ch, paths[p], &blocks[p][b], NULL, values[p]);
			pfree(blocks[p][b].data);
		}
		for (size_t i = 0; i < n; i++)
		{
			if (times[i] < start_ns || times[i] > end_ns)
				continue;
			for (int p = 0; p < npaths; p++)
				row[p] = values[p][i];
			fn(arg, times[i], row);
		}
	}
	return true;
}

/* The bytes of a block found without them, or of its block of times. */
static bytea *
block_bytes(const StoredChannel *ch, const char *path, const StoredLeafBlock *b)
{
	bytea	   *data = store_read_leaf_block(ch->channel_key, path, b);

	if (data == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("leaf block of \"%s\" of topic \"%s\" in file %lld at %lld is missing",
						path[0] ? path : "times", ch->topic, (long long) ch->file_id,
						(long long) b->summary.first_time),
				 errhint("SELECT hdaq.build_leaf_blocks(%lld) builds the file's blocks again.",
						 (long long) ch->file_id)));
	return data;
}

/* Fold only the pairs of a partly selected block into *into. */
static void
summarize_part(HdColumnCodec *codec, const StoredChannel *ch, const char *path,
			   StoredLeafBlock *b, int64 start_ns, int64 end_ns,
			   int64 *times, double *values, HdColumnSummary *into)
{
	StoredLeafBlock tb = *b;
	size_t		n;
	size_t		lo = 0;
	size_t		hi;
	HdColumnSummary part;

	/* the block of times of the same messages: same start and ord */
	tb.data = block_bytes(ch, LEAF_TIMES_PATH, b);
	n = decode_block(codec, ch, LEAF_TIMES_PATH, &tb, times, NULL);
	pfree(tb.data);
	b->data = block_bytes(ch, path, b);
	decode_block(codec, ch, path, b, NULL, values);
	pfree(b->data);
	hi = n;
	while (lo < n && times[lo] < start_ns)
		lo++;
	while (hi > lo && times[hi - 1] > end_ns)
		hi--;
	hd_column_summarize(times + lo, values + lo, hi - lo, &part);
	hd_column_summary_merge(into, &part);
}

void
leaf_blocks_summarize(const StoredChannel *ch, const char *path, int64 start_ns,
					  int64 end_ns, HdColumnSummary *into)
{
	int			nblocks;
	StoredLeafBlock *blocks = store_find_leaf_blocks(ch->channel_key, path, start_ns,
													 end_ns, false, &nblocks);
	HdColumnCodec *codec = NULL;
	int64	   *times = NULL;
	double	   *values = NULL;

	for (int b = 0; b < nblocks; b++)
	{
		StoredLeafBlock *blk = &blocks[b];

		CHECK_FOR_INTERRUPTS();
		if (blk->summary.first_time >= start_ns && blk->summary.last_time <= end_ns)
		{
			hd_column_summary_merge(into, &blk->summary);
			continue;
		}
		/* a block at an end of the range: its bytes, decoded */
		if (codec == NULL)
		{
			codec = new_codec();
			times = palloc(sizeof(int64) * LEAF_BLOCK_VALUES);
			values = palloc(sizeof(double) * LEAF_BLOCK_VALUES);
		}
		summarize_part(codec, ch, path, blk, start_ns, end_ns, times, values, into);
	}
}

/* ---- a cursor over aligned blocks ---------------------------------------------- */

struct LeafCursor
{
	const StoredChannel *ch;
	const char *const *paths;
	int			npaths;
	int64		start_ns;
	int64		end_ns;
	StoredLeafBlock *time_blocks;	/* summaries only: bytes read one by one */
	StoredLeafBlock **blocks;	/* [path][block] */
	int			nblocks;
	int			next;			/* the next block to read */
	HdColumnCodec *codec;
	int64	   *times;			/* the current block's */
	double	  **values;			/* [path], the current block's */
	const double **rows;		/* [path], from the first pair in range */
};

LeafCursor *
leaf_cursor_open(const StoredChannel *ch, const char *const *paths, int npaths,
				 int64 start_ns, int64 end_ns)
{
	LeafCursor *c;

	if (!leaf_blocks_available(ch, paths, npaths))
		return NULL;
	c = palloc0(sizeof(LeafCursor));
	c->blocks = palloc(sizeof(StoredLeafBlock *) * Max(npaths, 1));
	if (!find_aligned_blocks(ch, paths, npaths, start_ns, end_ns, false,
							 &c->time_blocks, c->blocks, &c->nblocks))
		return NULL;
	c->ch = ch;
	c->paths = paths;
	c->npaths = npaths;
	c->start_ns = start_ns;
	c->end_ns = end_ns;
	c->codec = new_codec();
	c->times = palloc(sizeof(int64) * LEAF_BLOCK_VALUES);
	c->values = palloc(sizeof(double *) * Max(npaths, 1));
	c->rows = palloc(sizeof(double *) * Max(npaths, 1));
	for (int p = 0; p < npaths; p++)
		c->values[p] = palloc(sizeof(double) * LEAF_BLOCK_VALUES);
	return c;
}

/* Read and decode one stored block (its bytes fetched now, then freed). */
static size_t
read_block(LeafCursor *c, const char *path, const StoredLeafBlock *b,
		   int64 *times, double *values)
{
	StoredLeafBlock one = *b;
	size_t		n;

	one.data = block_bytes(c->ch, path, b);
	n = decode_block(c->codec, c->ch, path, &one, times, values);
	pfree(one.data);
	return n;
}

int64
leaf_cursor_blocks_read(const LeafCursor *c)
{
	return c->next;
}

bool
leaf_cursor_next(LeafCursor *c, const int64 **times, const double *const **values,
				 int *count)
{
	while (c->next < c->nblocks)
	{
		int			b = c->next++;
		size_t		n;
		size_t		lo = 0;
		size_t		hi;

		CHECK_FOR_INTERRUPTS();
		n = read_block(c, LEAF_TIMES_PATH, &c->time_blocks[b], c->times, NULL);
		hi = n;
		while (lo < n && c->times[lo] < c->start_ns)
			lo++;
		while (hi > lo && c->times[hi - 1] > c->end_ns)
			hi--;
		if (hi == lo)
			continue;
		for (int p = 0; p < c->npaths; p++)
		{
			read_block(c, c->paths[p], &c->blocks[p][b], NULL, c->values[p]);
			c->rows[p] = c->values[p] + lo;
		}
		*times = c->times + lo;
		*values = c->rows;
		*count = (int) (hi - lo);
		return true;
	}
	return false;
}
