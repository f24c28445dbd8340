/*-------------------------------------------------------------------------
 *
 * scan.h
 *	  Engine: reading stored messages back.  The channels a request
 *	  selects, the segments of those channels that overlap its time range,
 *	  and their messages merged in log-time order.  Every function that
 *	  returns stored messages reads through this, directly (messages,
 *	  export_mcap) or through the decoded scan (decoded_scan.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_SCAN_H
#define HDAQ_SCAN_H

#include "hdaq.h"

#include "store/store.h"

#include "fmgr.h"

/* A channel of a scan: a stored channel that has messages in its range. */
typedef StoredChannel ScanChannel;

typedef struct MessageScan MessageScan;

/*
 * Fill a request from a function's arguments: topics (text[]) at position
 * topics_arg (-1: none), then start_time, end_time and file_id at
 * positions first, first + 1 and first + 2 (those a function has).
 */
extern void scan_request_from_args(FunctionCallInfo fcinfo, int topics_arg,
								   int first, ScanRequest *req);

/*
 * Fill req's time range from start_time and end_time at positions
 * start_arg and end_arg: an error if start_time is later than end_time;
 * end_time covers its whole microsecond (up to 999 ns after it).
 */
extern void scan_request_times(FunctionCallInfo fcinfo, int start_arg,
							   int end_arg, ScanRequest *req);

/*
 * Begin a scan.  The caller is connected to SPI; the scan lives in
 * CurrentMemoryContext.
 */
extern MessageScan *scan_begin(const ScanRequest *req);

/*
 * Begin a scan of channels the caller found already (with
 * store_find_channels, for the same time range), in that order: an export
 * that reads its topics one at a time looks its channels up once.
 */
extern MessageScan *scan_begin_channels(const ScanRequest *req,
										const ScanChannel *channels,
										int nchannels);

/*
 * For a caller that is not connected to SPI while it reads the scan (a
 * foreign scan returns to the executor between rows): from now on each
 * segment fetch connects to SPI for itself.
 */
extern void scan_connect_per_fetch(MessageScan *scan);

/*
 * How many segments the scan selected (those of its channels that overlap
 * its time range) and how many of them it has read so far.
 */
extern void scan_segment_counts(const MessageScan *scan, int64 *selected,
								int64 *read);

extern int	scan_channel_count(const MessageScan *scan);
extern const ScanChannel *scan_channel(const MessageScan *scan, int index);

/* The request's time range (log_time_ns, inclusive). */
extern void scan_time_range(const MessageScan *scan, int64 *start_ns,
							int64 *end_ns);

/* The index of one of the scan's channels. */
extern int	scan_channel_index(const MessageScan *scan, const ScanChannel *ch);

/*
 * The columns every function returning messages starts with, into
 * values[0 .. SCAN_MESSAGE_COLUMNS - 1]: file_id (null without a file),
 * topic, log_time, log_time_ns, publish_time_ns, sequence.
 */
#define SCAN_MESSAGE_COLUMNS 6
extern void scan_message_columns(Datum *values, bool *nulls, bool has_file,
								 int64 file_id, Datum topic,
								 const McapMessage *msg);

/*
 * The next message in log-time order (ties: file, then channel, then file
 * order).  msg->data stays valid until the next call.  False at the end.
 */
extern bool scan_next(MessageScan *scan, const ScanChannel **channel,
					  McapMessage *msg);

#endif							/* HDAQ_SCAN_H */
