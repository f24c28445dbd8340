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

#include "engine/mat_laps.h"
#include "mattopic.h"

/*
 * Write the messages a request selects from its one file (req->file_id)
 * into file: one struct variable per topic in the given layout, then the
 * run's stored laps and its distance (engine/mat_laps.c) as laps_mode
 * says, then hdaq_info.  The caller is connected to SPI.
 */
extern void mat_export_selection(MbFile *file, const ScanRequest *req,
								 MbFormat format, MbLayout layout,
								 MatLapsMode laps_mode);

/*
 * An error when an export would hold more than hdaq.max_export_memory;
 * the detail names what needs it (printf-like, formatted only then).
 */
extern void mat_check_export_memory(uint64 held, const char *what_fmt,...)
			pg_attribute_printf(2, 3);

/* Register hdaq.max_export_memory (at _PG_init). */
extern void mat_export_define_gucs(void);

#endif							/* HDAQ_MAT_EXPORT_H */
