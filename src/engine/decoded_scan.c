/*-------------------------------------------------------------------------
 *
 * decoded_scan.c
 *	  Engine: the decoded scan.  A message scan with each channel's decoder
 *	  (from the per-backend cache), and what happens to a message that
 *	  cannot be decoded: an error naming the file, topic, log time and
 *	  cause, or, with skip_errors, a count reported once at the end.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/decoded_scan.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* A channel's decoder, or why there is none. */
typedef struct ChannelDecoder
{
	const HdDecoder *decoder;	/* NULL: cannot be compiled */
	const char *error;
} ChannelDecoder;

struct DecodedScan
{
	MessageScan *scan;
	ChannelDecoder *decoders;	/* by channel index */
	bool		skip_errors;
	int64		skipped;
	char	   *first;			/* the first skipped message's error */
};

bool
skip_errors_from_args(FunctionCallInfo fcinfo, int argno)
{
	return PG_NARGS() > argno && !PG_ARGISNULL(argno) && PG_GETARG_BOOL(argno);
}

/* Decoders for each channel of a scan, by channel index. */
static ChannelDecoder *
channel_decoders(MessageScan *scan)
{
	int			n = scan_channel_count(scan);
	ChannelDecoder *decoders = palloc0(sizeof(ChannelDecoder) * Max(n, 1));

	hdaq_decoder_cache_trim();
	for (int i = 0; i < n; i++)
	{
		const ScanChannel *ch = scan_channel(scan, i);

		decoders[i].decoder = hdaq_get_decoder(ch->has_schema, ch->schema_key,
											   ch->message_encoding,
											   &decoders[i].error);
	}
	return decoders;
}

DecodedScan *
decoded_scan_begin(MessageScan *scan, bool skip_errors)
{
	DecodedScan *ds = palloc0(sizeof(DecodedScan));

	ds->scan = scan;
	ds->skip_errors = skip_errors;
	ds->decoders = channel_decoders(scan);
	return ds;
}

const HdDecoder *
decoded_scan_decoder(const DecodedScan *ds, int index, const char **error)
{
	*error = ds->decoders[index].error;
	return ds->decoders[index].decoder;
}

static char *
describe_failure(const ScanChannel *ch, uint64 log_time, const char *cause)
{
	return psprintf("cannot decode the message of topic \"%s\" logged at %s (file %lld): %s",
					ch->topic,
					timestamptz_to_str(hdaq_ns_to_timestamptz((int64) log_time)),
					(long long) ch->file_id, cause);
}

void
report_undecodable(const ScanChannel *ch, uint64 log_time, const char *cause,
				   const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s", describe_failure(ch, log_time, cause)),
			 errhint("%s", hint)));
}

void
decoded_scan_failed(DecodedScan *ds, const DecodedMessage *m,
					const char *cause)
{
	if (!ds->skip_errors)
		report_undecodable(m->channel, m->msg.log_time, cause,
						   "hdaq.messages() returns its raw bytes; pass skip_errors => true to skip such messages.");
	if (ds->skipped++ == 0)
		ds->first = MemoryContextStrdup(TopTransactionContext,
										describe_failure(m->channel,
														 m->msg.log_time,
														 cause));
}

bool
decoded_scan_next(DecodedScan *ds, DecodedMessage *out)
{
	while (scan_next(ds->scan, &out->channel, &out->msg))
	{
		ChannelDecoder *d;

		CHECK_FOR_INTERRUPTS();
		out->channel_index = scan_channel_index(ds->scan, out->channel);
		d = &ds->decoders[out->channel_index];
		out->decoder = d->decoder;
		if (d->decoder != NULL)
			return true;
		decoded_scan_failed(ds, out, d->error);
	}
	return false;
}

void
decoded_scan_end(DecodedScan *ds)
{
	if (ds->skipped > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld messages that could not be decoded",
						(long long) ds->skipped),
				 errdetail("The first: %s", ds->first)));
}
