/*-------------------------------------------------------------------------
 *
 * scan.h
 *	  Reading stored messages back: the channels a selection names, the
 *	  segments of those channels that overlap its time range, and their
 *	  messages merged in log-time order.  Every function that returns
 *	  messages (messages, messages_json, signal, exports) reads through
 *	  this.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_SCAN_H
#define HDAQ_SCAN_H

#include "hdaq.h"

#include "fmgr.h"
#include "utils/timestamp.h"

/* What to read: topics NULL = every topic, file_id absent = every file. */
typedef struct ScanRequest
{
	char	  **topics;
	int			ntopics;
	bool		has_file_id;
	int64		file_id;
	int64		start_ns;		/* inclusive */
	int64		end_ns;			/* inclusive */
} ScanRequest;

typedef struct ScanChannel
{
	int64		channel_key;
	int64		file_id;
	int32		channel_id;
	char	   *topic;
	char	   *message_encoding;
	bool		has_schema;
	int64		schema_key;
} ScanChannel;

typedef struct MessageScan MessageScan;

/*
 * Fill a request from a function's arguments: topics (text[]) at position
 * topics_arg (-1: none), then start_time, end_time and file_id at
 * positions first, first + 1 and first + 2 (those a function has).
 */
extern void scan_request_from_args(FunctionCallInfo fcinfo, int topics_arg,
								   int first, ScanRequest *req);

/* The request's topics as a text[] datum. */
extern Datum scan_topics_array(const ScanRequest *req);

/*
 * Begin a scan.  The caller is connected to SPI; the scan lives in
 * CurrentMemoryContext.
 */
extern MessageScan *scan_begin(const ScanRequest *req);

extern int	scan_channel_count(const MessageScan *scan);
extern const ScanChannel *scan_channel(const MessageScan *scan, int index);

/*
 * The next message in log-time order (ties: file, then channel, then file
 * order).  msg->data stays valid until the next call.  False at the end.
 */
extern bool scan_next(MessageScan *scan, const ScanChannel **channel,
					  McapMessage *msg);

#endif							/* HDAQ_SCAN_H */
