/*-------------------------------------------------------------------------
 *
 * bytes_view.h
 *	  Engine: a message's bytes as a bytea datum without copying them.
 *
 * The datum is a read-only expanded object pointing at bytes the caller
 * owns (a message in its segment or chunk).  PostgreSQL flattens it
 * straight into a row it forms (heap_form_minimal_tuple calls flatten_into)
 * or into a plain bytea when a function reads it, so a message is copied
 * only where it is used.  One view serves every row: the datum of a row is
 * valid until the view is pointed at the next message.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_BYTES_VIEW_H
#define HDAQ_BYTES_VIEW_H

#include "hdaq.h"

typedef struct BytesView BytesView;

/* A view, in CurrentMemoryContext. */
extern BytesView *bytes_view_create(void);

/* Point the view at b: its datum (an error if b is too large for a bytea). */
extern Datum bytes_view_datum(BytesView *view, McapBytes b);

#endif							/* HDAQ_BYTES_VIEW_H */
