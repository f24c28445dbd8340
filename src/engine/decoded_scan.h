/*-------------------------------------------------------------------------
 *
 * decoded_scan.h
 *	  Engine: the decoded scan, one iterator that every function decoding
 *	  stored messages reads through (messages_json, signal, signals,
 *	  downsample, export_mat).  It walks a message scan, gives each message
 *	  with its channel's decoder (from the per-backend cache), and handles
 *	  what cannot be decoded: an error naming the file, topic, log time and
 *	  cause, or, with skip_errors, a count reported in one NOTICE at the
 *	  end.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_DECODED_SCAN_H
#define HDAQ_DECODED_SCAN_H

#include "engine/decoders.h"
#include "engine/scan.h"

#include "fmgr.h"

typedef struct DecodedScan DecodedScan;

/* A message of the scan with what decodes it. */
typedef struct DecodedMessage
{
	const ScanChannel *channel;
	int			channel_index;	/* in the scan's channels */
	const HdDecoder *decoder;	/* never NULL */
	McapMessage msg;			/* data valid until the next message */
} DecodedMessage;

/* The skip_errors argument at position argno (absent or NULL: false). */
extern bool skip_errors_from_args(FunctionCallInfo fcinfo, int argno);

/*
 * Decode a scan's messages: the decoders of its channels are looked up
 * now.  The caller is connected to SPI; lives in CurrentMemoryContext.
 */
extern DecodedScan *decoded_scan_begin(MessageScan *scan, bool skip_errors);

/* The decoder of channel index, or NULL with *error set. */
extern const HdDecoder *decoded_scan_decoder(const DecodedScan *ds, int index,
											 const char **error);

/*
 * The next message whose channel has a decoder; messages of channels
 * whose schema cannot be compiled are reported or counted on the way.
 * False at the end.
 */
extern bool decoded_scan_next(DecodedScan *ds, DecodedMessage *out);

/* A message that could not be decoded: ereport, or count it. */
extern void decoded_scan_failed(DecodedScan *ds, const DecodedMessage *m,
								const char *cause);

/* The error for a message that cannot be decoded: file, topic, log time, cause. */
extern void report_undecodable(const ScanChannel *ch, uint64 log_time,
							   const char *cause, const char *hint)
			pg_attribute_noreturn();

/* The end of the scan: one NOTICE for what was skipped, if anything. */
extern void decoded_scan_end(DecodedScan *ds);

#endif							/* HDAQ_DECODED_SCAN_H */
