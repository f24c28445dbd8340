/*-------------------------------------------------------------------------
 *
 * request.h
 *	  Engine: what a selecting function's request may name.  Every
 *	  function that selects stored messages (messages, messages_json,
 *	  signal, signals, downsample, export_mcap, export_mat) checks its
 *	  request here before reading anything, so that naming something that
 *	  does not exist is an error, never an empty result.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_REQUEST_H
#define HDAQ_REQUEST_H

#include "hdaq.h"

/*
 * Error out (SQLSTATE 42704, with DETAIL and HINT) if the request names a
 * file that is not stored, or a topic that its file (or, without a file,
 * every stored file) lacks; 22023 if its topics are an empty array.  The
 * caller is connected to SPI.
 */
extern void request_check(const ScanRequest *req);

/*
 * Error out (42704) if the request names a file that is not stored (its
 * file_id or any of its file_ids), or a topic that no stored file has.
 * Unlike request_check, a topic that some of the files lack is not an
 * error: a relation's WHERE selects files and topics together.  The
 * caller is connected to SPI.
 */
extern void request_check_names(const ScanRequest *req);

/* The error for a file_id that is not stored (42704). */
extern void request_report_missing_file(int64 file_id) pg_attribute_noreturn();

/*
 * A NOTICE that an export of a checked request (its one file) holds no
 * message: its time range selects none.  what names the export.
 */
extern void request_notice_empty(const ScanRequest *req, const char *what);

#endif							/* HDAQ_REQUEST_H */
