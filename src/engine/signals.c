/*-------------------------------------------------------------------------
 *
 * signals.c
 *	  Engine: numeric leaves of stored messages, for hdaq.signal,
 *	  hdaq.signals and hdaq.downsample.  scan_signals() reads only the
 *	  leaves asked for through the decoded scan (no jsonb is built) and
 *	  hands each value to a sink.
 *
 * signal_scan_begin/next/end give the same values one message at a time
 * (the sample relation reads them so): from leaf blocks, one block set of
 * each channel decoded at a time and the channels merged in time order,
 * when every channel has blocks of all its leaves; otherwise by decoding
 * the messages.
 *
 * The request is checked first (engine/request.c: an unknown file or
 * topic is an error), then paths are compiled against every selected
 * channel's schema before any segment is read (and against a stored
 * channel of a topic the selection has none of); an unknown field is an
 * error with the nearest names.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/signals.h"

#include "engine/decoded_scan.h"
#include "engine/decoders.h"
#include "engine/leaf_blocks.h"
#include "engine/math_channels.h"
#include "engine/request.h"
#include "store/store.h"

#include "executor/spi.h"
#include "utils/builtins.h"

/* The paths of one channel, compiled against its decoder. */
typedef struct ChannelPaths
{
	int			npaths;
	const HdPath **paths;
	int		   *spec;			/* index into the specs of each path */
} ChannelPaths;

static void
free_path(void *path)
{
	hd_path_free(path);
}

/* A spec's path compiled for a channel's decoder; an error if it is not valid. */
static HdPath *
compile_path(const HdDecoder *decoder, const SignalSpec *spec,
			 const ScanChannel *ch)
{
	HdError		err;
	HdPath	   *path = hd_path_compile(decoder, spec->path, &err);

	if (path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid path \"%s\" for topic \"%s\"",
						spec->path, ch->topic),
				 errdetail("%s", err.message),
				 errhint("SELECT path FROM hdaq.fields('%s', %lld) lists the topic's paths.",
						 ch->topic, (long long) ch->file_id)));
	hdaq_free_with_context(path, free_path);
	return path;
}

/*
 * Compile the paths of the specs of a channel's topic for its decoder
 * (NULL, with error, when it has none) into cp, or only check them when cp
 * is NULL.
 */
static void
compile_channel_paths(const ScanChannel *ch, const HdDecoder *decoder,
					  const char *error, const SignalSpec *specs, int nspecs,
					  bool skip_errors, ChannelPaths *cp)
{
	if (cp != NULL)
	{
		cp->paths = palloc(sizeof(HdPath *) * nspecs);
		cp->spec = palloc(sizeof(int) * nspecs);
	}
	for (int s = 0; s < nspecs; s++)
	{
		HdPath	   *path;

		if (strcmp(specs[s].topic, ch->topic) != 0)
			continue;
		if (decoder == NULL && skip_errors)
			continue;			/* its messages are counted as skipped */
		if (decoder == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot decode topic \"%s\" of file %lld: %s",
							ch->topic, (long long) ch->file_id, error)));
		path = compile_path(decoder, &specs[s], ch);
		if (cp == NULL)
			continue;
		if (cp->npaths == HD_MAX_PATHS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("at most %d paths per topic", HD_MAX_PATHS)));
		cp->paths[cp->npaths] = path;
		cp->spec[cp->npaths] = s;
		cp->npaths++;
	}
}

/* Whether the scan has a channel of the topic. */
static bool
scan_has_topic(MessageScan *scan, const char *topic)
{
	for (int i = 0; i < scan_channel_count(scan); i++)
		if (strcmp(scan_channel(scan, i)->topic, topic) == 0)
			return true;
	return false;
}

/*
 * Check the specs of a topic the scan has no channel of against the first
 * stored channel of that topic (none: the request's check has named it).
 */
static void
check_paths_elsewhere(const char *topic, const SignalSpec *specs, int nspecs)
{
	StoredChannel channel;
	const HdDecoder *decoder = hdaq_stored_topic_decoder(topic, &channel);

	if (decoder != NULL)
		compile_channel_paths(&channel, decoder, NULL, specs, nspecs,
							  false, NULL);
}

/* Compile each spec's path for the channels of its topic. */
static ChannelPaths *
compile_paths(DecodedScan *ds, MessageScan *scan, const SignalSpec *specs,
			  int nspecs, bool skip_errors)
{
	int			n = scan_channel_count(scan);
	ChannelPaths *cp = palloc0(sizeof(ChannelPaths) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		const char *error;
		const HdDecoder *decoder = decoded_scan_decoder(ds, i, &error);

		compile_channel_paths(scan_channel(scan, i), decoder, error, specs,
							  nspecs, skip_errors, &cp[i]);
	}
	for (int s = 0; s < nspecs; s++)
		if ((s == 0 || strcmp(specs[s].topic, specs[s - 1].topic) != 0) &&
			!scan_has_topic(scan, specs[s].topic))
			check_paths_elsewhere(specs[s].topic, specs, nspecs);
	return cp;
}

/* A channel's leaves read from its blocks: the current block's pairs. */
typedef struct BlockChannel
{
	LeafCursor *cursor;
	bool		done;
	const int64 *times;
	const double *const *values;	/* [path of the channel] */
	int			count;
	int			pos;
} BlockChannel;

struct SignalScan
{
	MessageScan *scan;
	DecodedScan *ds;
	ChannelPaths *cp;			/* by channel index */
	BlockChannel *blocks;		/* by channel index; NULL: decoding */
	double	   *values;
	bool	   *found;
};

/*
 * A block cursor for every channel, when each of them has blocks of all its
 * specs' leaves, cut alike; NULL otherwise (then every message is decoded,
 * so that rows come in one way whatever the channel).  A channel without
 * paths (no decoder, its messages skipped and counted) is decoded too.
 */
static BlockChannel *
open_block_channels(MessageScan *scan, const SignalSpec *specs,
					const ChannelPaths *cp)
{
	int			n = scan_channel_count(scan);
	BlockChannel *bc = palloc0(sizeof(BlockChannel) * Max(n, 1));
	int64		start_ns;
	int64		end_ns;

	scan_time_range(scan, &start_ns, &end_ns);
	for (int i = 0; i < n; i++)
	{
		const char **paths;

		if (cp[i].npaths == 0)
			return NULL;
		paths = palloc(sizeof(char *) * cp[i].npaths);
		for (int k = 0; k < cp[i].npaths; k++)
			paths[k] = specs[cp[i].spec[k]].path;
		bc[i].cursor = leaf_cursor_open(scan_channel(scan, i), paths,
										cp[i].npaths, start_ns, end_ns);
		if (bc[i].cursor == NULL)
			return NULL;
	}
	return bc;
}

SignalScan *
signal_scan_begin(const SignalSpec *specs, int nspecs, MessageScan *scan,
				  bool skip_errors)
{
	SignalScan *ss = palloc0(sizeof(SignalScan));

	ss->scan = scan;
	ss->ds = decoded_scan_begin(scan, skip_errors);
	ss->cp = compile_paths(ss->ds, scan, specs, nspecs, skip_errors);
	ss->blocks = open_block_channels(scan, specs, ss->cp);
	ss->values = palloc(sizeof(double) * Max(nspecs, 1));
	ss->found = palloc(sizeof(bool) * Max(nspecs, 1));
	return ss;
}

/*
 * Whether a channel read from blocks has a pair at pos, reading its next
 * block if needed (connected to SPI for that: a foreign scan is not
 * between rows; SPI connections nest).
 */
static bool
block_channel_ready(BlockChannel *b)
{
	if (b->done)
		return false;
	if (b->pos < b->count)
		return true;
	SPI_connect();
	b->done = !leaf_cursor_next(b->cursor, &b->times, &b->values, &b->count);
	SPI_finish();
	b->pos = 0;
	return !b->done;
}

/*
 * The next message's values from the channels' blocks, merged in time
 * order as the message scan merges them (ties: the channel first in the
 * scan, i.e. by file, then channel).
 */
static bool
next_from_blocks(SignalScan *ss, SignalSamples *out)
{
	int			best = -1;
	BlockChannel *b;
	const ChannelPaths *c;

	for (int i = 0; i < scan_channel_count(ss->scan); i++)
	{
		b = &ss->blocks[i];
		if (!block_channel_ready(b))
			continue;
		if (best < 0 ||
			b->times[b->pos] < ss->blocks[best].times[ss->blocks[best].pos])
			best = i;
	}
	if (best < 0)
		return false;
	b = &ss->blocks[best];
	c = &ss->cp[best];
	for (int k = 0; k < c->npaths; k++)
	{
		ss->values[k] = b->values[k][b->pos];
		ss->found[k] = true;
	}
	out->channel = scan_channel(ss->scan, best);
	out->channel_index = best;
	out->time_ns = b->times[b->pos];
	out->n = c->npaths;
	out->spec = c->spec;
	out->values = ss->values;
	out->found = ss->found;
	b->pos++;
	return true;
}

bool
signal_scan_next(SignalScan *ss, SignalSamples *out)
{
	DecodedMessage m;

	if (ss->blocks != NULL)
		return next_from_blocks(ss, out);
	while (decoded_scan_next(ss->ds, &m))
	{
		ChannelPaths *c = &ss->cp[m.channel_index];
		HdError		err;

		if (c->npaths == 0)
			continue;
		if (hd_extract_numbers(m.decoder, c->paths, c->npaths,
							   m.msg.data.data, m.msg.data.len, ss->values,
							   ss->found, &err) != HD_OK)
		{
			decoded_scan_failed(ss->ds, &m, err.message);
			continue;
		}
		out->channel = m.channel;
		out->channel_index = m.channel_index;
		out->time_ns = (int64) m.msg.log_time;
		out->n = c->npaths;
		out->spec = c->spec;
		out->values = ss->values;
		out->found = ss->found;
		return true;
	}
	return false;
}

int64
signal_scan_blocks_read(const SignalScan *ss)
{
	int64		n = 0;

	if (ss->blocks == NULL)
		return 0;
	for (int i = 0; i < scan_channel_count(ss->scan); i++)
		n += leaf_cursor_blocks_read(ss->blocks[i].cursor);
	return n;
}

void
signal_scan_end(SignalScan *ss)
{
	decoded_scan_end(ss->ds);
}

/* A sink fed from leaf blocks: one row per message, a value per spec. */
typedef struct BlockRows
{
	SignalSink	sink;
	void	   *arg;
	int			nspecs;
} BlockRows;

static void
emit_block_row(void *arg, int64 time_ns, const double *values)
{
	BlockRows  *br = arg;

	for (int s = 0; s < br->nspecs; s++)
		br->sink(br->arg, time_ns, s, values[s], true);
}

/*
 * The specs' values from leaf blocks, when they are all of one topic with
 * one channel in the request and every leaf has blocks (each message
 * holds them all, so rows come as the messages' walk gives them); false
 * otherwise, having handed nothing to the sink.
 */
static bool
scan_signals_from_blocks(const SignalSpec *specs, int nspecs,
						 const ScanRequest *req, SignalSink sink, void *arg)
{
	const char **paths = palloc(sizeof(char *) * nspecs);
	StoredChannel *channels;
	int			n;
	BlockRows	br = {sink, arg, nspecs};

	for (int s = 0; s < nspecs; s++)
	{
		if (strcmp(specs[s].topic, specs[0].topic) != 0)
			return false;
		paths[s] = specs[s].path;
	}
	channels = leaf_blocks_channels(req, paths, nspecs, &n);
	if (channels == NULL || n != 1)
		return false;
	return leaf_blocks_read(&channels[0], paths, nspecs, req->start_ns,
							req->end_ns, emit_block_row, &br);
}

void
scan_signals(const SignalSpec *specs, int nspecs, const ScanRequest *req,
			 bool skip_errors, SignalSink sink, void *arg)
{
	request_check(req);
	if (!math_channels_scan(specs, nspecs, req, skip_errors, sink, arg))
		scan_signal_leaves(specs, nspecs, req, skip_errors, sink, arg);
}

void
scan_signal_leaves(const SignalSpec *specs, int nspecs, const ScanRequest *req,
				   bool skip_errors, SignalSink sink, void *arg)
{
	SignalScan *ss;
	SignalSamples s;

	if (nspecs > 0 && scan_signals_from_blocks(specs, nspecs, req, sink, arg))
		return;
	ss = signal_scan_begin(specs, nspecs, scan_begin(req), skip_errors);
	while (signal_scan_next(ss, &s))
		for (int p = 0; p < s.n; p++)
			sink(arg, s.time_ns, s.spec[p], s.values[p], s.found[p]);
	signal_scan_end(ss);
}

/* The one spec of hdaq.signal(topic, path, ...) and hdaq.downsample. */
void
signal_spec_from_args(FunctionCallInfo fcinfo, SignalSpec *spec)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("topic and path must not be null")));
	spec->topic = text_to_cstring(PG_GETARG_TEXT_PP(0));
	spec->path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	spec->metric = spec->path;
}
