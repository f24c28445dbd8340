/*-------------------------------------------------------------------------
 *
 * mat_units.h
 *	  Engine: the units of hdaq.unit written beside the leaves of a topic
 *	  that hdaq.export_mat exports (a field Units beside Data in the leaf
 *	  layout).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_UNITS_H
#define HDAQ_MAT_UNITS_H

#include "hdaq.h"

#include "mattopic.h"

/*
 * Give the topic's leaves the units hdaq.unit knows for the paths of its
 * schemas in the file; nothing on a store without hdaq.unit (0.1.0).
 * After the topic's messages were read, before it is prepared.
 */
extern void mat_topic_units(MbTopic *t, const char *topic, int64 file_id);

#endif							/* HDAQ_MAT_UNITS_H */
