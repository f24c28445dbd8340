/*-------------------------------------------------------------------------
 *
 * hd_text.c
 *	  Comparing names: the edit distance behind "did you mean" in the
 *	  decoders and in the hdaq command.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_text.h"

#include <ctype.h>

size_t
hd_edit_distance(const char *a, size_t alen, const char *b, size_t blen,
				 size_t *row)
{
	for (size_t j = 0; j <= blen; j++)
		row[j] = j;
	for (size_t i = 1; i <= alen; i++)
	{
		size_t		diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= blen; j++)
		{
			size_t		up = row[j];
			size_t		cost = tolower((unsigned char) a[i - 1]) !=
				tolower((unsigned char) b[j - 1]);
			size_t		best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[blen];
}
