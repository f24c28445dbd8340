/*-------------------------------------------------------------------------
 *
 * decode_scan.h
 *	  What the functions that decode stored messages share: the decoders of
 *	  a scan's channels, and reporting (or counting, with skip_errors)
 *	  messages that cannot be decoded.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_DECODE_SCAN_H
#define HDAQ_DECODE_SCAN_H

#include "decoders.h"
#include "scan.h"

typedef struct SkipCounter
{
	bool		skip_errors;
	int64		skipped;
	char	   *first;			/* the first skipped message's error */
} SkipCounter;

typedef struct ChannelDecoder
{
	const HdDecoder *decoder;	/* NULL: cannot be compiled */
	const char *error;
} ChannelDecoder;

/* Decoders for each channel of a scan, by channel index. */
extern ChannelDecoder *channel_decoders(MessageScan *scan);
extern int	channel_index(MessageScan *scan, const ScanChannel *ch);

/* An undecodable message: ereport, or count it when skip_errors. */
extern void decode_failed(SkipCounter *skip, const ScanChannel *ch,
						  uint64 log_time, const char *cause);

/* One NOTICE for what was skipped, if anything. */
extern void report_skipped(const SkipCounter *skip);

#endif							/* HDAQ_DECODE_SCAN_H */
