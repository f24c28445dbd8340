/*-------------------------------------------------------------------------
 *
 * mcap_export.h
 *	  Engine: a stored selection written as an indexed MCAP file, for
 *	  hdaq.export_mcap.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MCAP_EXPORT_H
#define HDAQ_MCAP_EXPORT_H

#include "hdaq.h"

/*
 * The messages a request selects from its one file (req->file_id), with
 * the file's schemas, channels, Metadata and the Attachments in the time
 * range, as an MCAP file in a bytea allocated in result_context.  The
 * caller is connected to SPI.
 */
extern bytea *mcap_export_selection(const ScanRequest *req,
									MemoryContext result_context);

#endif							/* HDAQ_MCAP_EXPORT_H */
