/*-------------------------------------------------------------------------
 *
 * hd_text.h
 *	  Comparing names, shared by the decoders (the nearest field names of
 *	  a wrong signal path) and the hdaq command (topics with similar
 *	  names).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_TEXT_H
#define HD_TEXT_H

#include <stddef.h>

/*
 * Levenshtein distance of a and b, ignoring ASCII case.  row is the
 * caller's scratch space of blen + 1 entries.
 */
extern size_t hd_edit_distance(const char *a, size_t alen,
							   const char *b, size_t blen, size_t *row);

#endif							/* HD_TEXT_H */
