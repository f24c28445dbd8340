/*-------------------------------------------------------------------------
 *
 * leaf_blocks.c
 *	  Engine: leaf blocks.  Building: every numeric leaf of a channel that
 *	  is not inside an array or map (hd_fields), read from each message by
 *	  the same extraction hdaq.signal uses, cut into blocks of
 *	  LEAF_BLOCK_VALUES pairs, encoded and summarised (src/column).  A leaf
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
#include "engine/scan.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

/* pairs per block: a 10 s window at 100 Hz decodes at most two blocks */
#define LEAF_BLOCK_VALUES 4096

bool		leaf_blocks_enabled = true;

void
leaf_blocks_define_gucs(void)
{
	DefineCustomBoolVariable("hdaq.leaf_blocks",
							 "Build leaf blocks at ingest and read signals from them.",
							 "Off: signals are read by decoding the stored messages, and ingest builds no blocks.",
							 &leaf_blocks_enabled, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
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
	double	  **values;			/* [leaf][LEAF_BLOCK_VALUES] */
	int64	   *times;			/* shared: every kept leaf is in every message */
	int			count;
	double	   *out;
	bool	   *found;
	HdColumnCodec *codec;
	uint8	   *encoded;
	size_t		encoded_cap;
	int64		written;
} LeafBuild;

typedef struct LeafList
{
	List	   *paths;
} LeafList;

static bool
collect_leaf(void *ctx, const HdField *field)
{
	LeafList   *ll = ctx;

	if (field->numeric && !field->repeated)
		ll->paths = lappend(ll->paths, pstrdup(field->path));
	return true;
}

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

/* The numeric leaves of a decoder that compile as signal paths. */
static void
find_leaves(const HdDecoder *decoder, LeafBuild *lb)
{
	LeafList	ll = {NIL};
	HdError		err;
	ListCell   *lc;

	if (hd_fields(decoder, collect_leaf, &ll, &err) != HD_OK)
		return;
	lb->paths = palloc(sizeof(char *) * Max(list_length(ll.paths), 1));
	lb->compiled = palloc(sizeof(HdPath *) * Max(list_length(ll.paths), 1));
	foreach(lc, ll.paths)
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

	lb->dropped = palloc0(sizeof(bool) * n);
	lb->ords = palloc0(sizeof(int32) * n);
	lb->values = palloc(sizeof(double *) * n);
	for (int i = 0; i < lb->nleaves; i++)
		lb->values[i] = palloc(sizeof(double) * LEAF_BLOCK_VALUES);
	lb->times = palloc(sizeof(int64) * LEAF_BLOCK_VALUES);
	lb->out = palloc(sizeof(double) * n);
	lb->found = palloc(sizeof(bool) * n);
	lb->encoded_cap = hd_column_encode_bound(LEAF_BLOCK_VALUES);
	lb->encoded = palloc(lb->encoded_cap);
}

/* Encode and store leaf i's buffered pairs as one block. */
static void
write_block(LeafBuild *lb, int i)
{
	LeafBlockRow row;
	size_t		len;
	HdColumnStatus st;

	st = hd_column_encode(lb->codec, lb->times, lb->values[i], lb->count, 1,
						  lb->encoded, lb->encoded_cap, &len);
	if (st != HD_COLUMN_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("cannot encode a leaf block of \"%s\" of topic \"%s\": %s",
						lb->paths[i], lb->ch->topic, hd_column_status_text(st))));
	row.file_id = lb->ch->file_id;
	row.channel_key = lb->ch->channel_key;
	row.path = lb->paths[i];
	row.ord = lb->ords[i]++;
	hd_column_summarize(lb->times, lb->values[i], lb->count, &row.summary);
	row.data = palloc(VARHDRSZ + len);
	SET_VARSIZE(row.data, VARHDRSZ + len);
	memcpy(VARDATA(row.data), lb->encoded, len);
	store_insert_leaf_block(&row);
	pfree(row.data);
	lb->written++;
}

static void
flush_blocks(LeafBuild *lb)
{
	if (lb->count == 0)
		return;
	for (int i = 0; i < lb->nleaves; i++)
		if (!lb->dropped[i])
			write_block(lb, i);
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
	if (++lb->count == LEAF_BLOCK_VALUES)
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
	find_leaves(decoder, &lb);
	if (lb.nleaves == 0)
		return 0;
	allocate_buffers(&lb);
	whole_file_request(ch->file_id, &req);
	scan = scan_begin_channels(&req, ch, 1);
	while (scan_next(scan, &sc, &msg))
	{
		CHECK_FOR_INTERRUPTS();
		if (!add_message(&lb, decoder, &msg))
		{
			store_delete_channel_leaf_blocks(ch->channel_key, NULL);
			return 0;
		}
	}
	flush_blocks(&lb);
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
	if (!leaf_blocks_enabled)
		return;
	/* the segments and schemas this statement wrote, seen by the scan */
	CommandCounterIncrement();
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	leaf_blocks_build_file(file_id);
	PopActiveSnapshot();
}

/* ---- reading -------------------------------------------------------------------- */

StoredChannel *
leaf_blocks_channels(const ScanRequest *req, const char *const *paths, int npaths,
					 int *count)
{
	StoredChannel *channels;

	if (!leaf_blocks_enabled)
		return NULL;
	channels = store_find_channels(req, count);
	for (int i = 0; i < *count; i++)
		for (int p = 0; p < npaths; p++)
			if (!store_has_leaf_blocks(channels[i].channel_key, paths[p]))
				return NULL;
	return channels;
}

/* Decode a stored block into times and values (LEAF_BLOCK_VALUES each at most). */
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
						path, ch->topic, (long long) ch->file_id,
						(long long) b->summary.first_time,
						st != HD_COLUMN_OK ? hd_column_status_text(st) :
						"its count differs from its summary's"),
				 errhint("SELECT hdaq.build_leaf_blocks(%lld) builds the file's blocks again.",
						 (long long) ch->file_id)));
	return n;
}

/*
 * The blocks of each path in [start_ns, end_ns], with their bytes; false
 * unless every path has the same blocks (same counts and times).
 */
static bool
find_aligned_blocks(const StoredChannel *ch, const char *const *paths, int npaths,
					int64 start_ns, int64 end_ns, StoredLeafBlock **blocks,
					int *nblocks)
{
	for (int p = 0; p < npaths; p++)
	{
		int			n;

		blocks[p] = store_find_leaf_blocks(ch->channel_key, paths[p], start_ns,
										   end_ns, true, &n);
		if (p == 0)
			*nblocks = n;
		else if (n != *nblocks)
			return false;
		for (int b = 0; p > 0 && b < n; b++)
			if (blocks[p][b].summary.count != blocks[0][b].summary.count ||
				blocks[p][b].summary.first_time != blocks[0][b].summary.first_time ||
				blocks[p][b].summary.last_time != blocks[0][b].summary.last_time)
				return false;
	}
	return true;
}

bool
leaf_blocks_read(const StoredChannel *ch, const char *const *paths, int npaths,
				 int64 start_ns, int64 end_ns, LeafRowFn fn, void *arg)
{
	StoredLeafBlock **blocks = palloc(sizeof(StoredLeafBlock *) * npaths);
	int			nblocks = 0;
	HdColumnCodec *codec = new_codec();
	int64	   *times = palloc(sizeof(int64) * LEAF_BLOCK_VALUES);
	double	  **values = palloc(sizeof(double *) * npaths);
	double	   *row = palloc(sizeof(double) * npaths);

	if (!find_aligned_blocks(ch, paths, npaths, start_ns, end_ns, blocks, &nblocks))
		return false;
	for (int p = 0; p < npaths; p++)
		values[p] = palloc(sizeof(double) * LEAF_BLOCK_VALUES);
	for (int b = 0; b < nblocks; b++)
	{
		size_t		n = 0;

		CHECK_FOR_INTERRUPTS();
		/* the times of aligned blocks are equal: each decode rewrites them */
		for (int p = 0; p < npaths; p++)
		{
			n = decode_block(codec, ch, paths[p], &blocks[p][b], times, values[p]);
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

/* Fold only the pairs of a partly selected block into *into. */
static void
summarize_part(HdColumnCodec *codec, const StoredChannel *ch, const char *path,
			   const StoredLeafBlock *b, int64 start_ns, int64 end_ns,
			   int64 *times, double *values, HdColumnSummary *into)
{
	size_t		n = decode_block(codec, ch, path, b, times, values);
	size_t		lo = 0;
	size_t		hi = n;
	HdColumnSummary part;

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
		blk->data = store_read_leaf_block(ch->channel_key, path, blk);
		if (blk->data == NULL)
			continue;			/* not there: never within one snapshot */
		summarize_part(codec, ch, path, blk, start_ns, end_ns, times, values, into);
		pfree(blk->data);
	}
}
