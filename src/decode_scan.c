/*-------------------------------------------------------------------------
 *
 * decode_scan.c
 *	  Shared by the functions that decode stored messages: the decoders of
 *	  a scan's channels (from the per-backend cache), and what happens to a
 *	  message that cannot be decoded: an error naming the file, topic, log
 *	  time and cause, or, with skip_errors, a count reported once.
 *
 *-------------------------------------------------------------------------
 */
#include "decode_scan.h"

#include "utils/memutils.h"
#include "utils/timestamp.h"


static char *
describe_failure(const ScanChannel *ch, uint64 log_time, const char *cause)
{
	return psprintf("cannot decode the message of topic \"%s\" logged at %s (file %lld): %s",
					ch->topic,
					timestamptz_to_str(hdaq_ns_to_timestamptz((int64) log_time)),
					(long long) ch->file_id, cause);
}

/* Report or count a message that could not be decoded. */
void
decode_failed(SkipCounter *skip, const ScanChannel *ch, uint64 log_time,
			  const char *cause)
{
	if (!skip->skip_errors)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s", describe_failure(ch, log_time, cause)),
				 errhint("hdaq.messages() returns its raw bytes; pass skip_errors => true to skip such messages.")));
	if (skip->skipped++ == 0)
		skip->first = MemoryContextStrdup(TopTransactionContext,
										  describe_failure(ch, log_time, cause));
}

void
report_skipped(const SkipCounter *skip)
{
	if (skip->skipped > 0)
		ereport(NOTICE,
				(errmsg("skipped %lld messages that could not be decoded",
						(long long) skip->skipped),
				 errdetail("The first: %s", skip->first)));
}

/* ---- decoders of a scan's channels ------------------------------------------ */

ChannelDecoder *
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

int
channel_index(MessageScan *scan, const ScanChannel *ch)
{
	return (int) (ch - scan_channel(scan, 0));
}
