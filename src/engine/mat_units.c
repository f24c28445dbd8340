/*-------------------------------------------------------------------------
 *
 * mat_units.c
 *	  Engine: hdaq.unit's units on the leaves of an exported topic.
 *
 * A unit names a path as hdaq.fields lists it (an array's elements as
 * [0]); the MAT builder (src/mat) finds the leaf by its field names, so
 * every element of an array shares the array's unit.  A path the topic's
 * messages never held has no leaf and is passed over.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_units.h"

#include "engine/math_channels.h"
#include "store/store.h"


void
mat_topic_units(MbTopic *t, const char *topic, int64 file_id)
{
	StoredPathUnit *units;
	int			n;

	if (!units_available())
		return;
	units = store_topic_units(topic, file_id, &n);
	for (int i = 0; i < n; i++)
		if (mb_topic_set_unit(t, units[i].path, units[i].unit) < 0)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}
