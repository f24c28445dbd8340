/*-------------------------------------------------------------------------
 *
 * mat_query.h
 *	  Engine: the rows of any query as MAT variables, one per column, for
 *	  hdaq.query_to_mat.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_QUERY_H
#define HDAQ_MAT_QUERY_H

#include "hdaq.h"

#include "utils/portal.h"

#include "matbuild.h"

/*
 * Fetch every row of the portal (an SPI cursor, which is closed) and write
 * each column as a variable of file.  Rows held until written live in
 * keep.  The caller is connected to SPI.
 */
extern void mat_write_query(MbFile *file, Portal portal, MemoryContext keep);

#endif							/* HDAQ_MAT_QUERY_H */
