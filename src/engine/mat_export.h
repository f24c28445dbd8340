/*-------------------------------------------------------------------------
 *
 * mat_export.h
 *	  Engine: a stored selection written as MAT variables, for
 *	  hdaq.export_mat.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_EXPORT_H
#define HDAQ_MAT_EXPORT_H

#include "hdaq.h"

#include "mattopic.h"

/*
 * Write the messages a request selects from its one file (req->file_id)
 * into file: one struct variable per topic in the given layout, then
 * hdaq_info.  The caller is connected to SPI.
 */
extern void mat_export_selection(MbFile *file, const ScanRequest *req,
								 MbFormat format, MbLayout layout);

/* Register hdaq.max_export_memory (at _PG_init). */
extern void mat_export_define_gucs(void);

#endif							/* HDAQ_MAT_EXPORT_H */
