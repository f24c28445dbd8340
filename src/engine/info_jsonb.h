/*-------------------------------------------------------------------------
 *
 * info_jsonb.h
 *	  Engine: jsonb built directly from the MCAP core's info structure and
 *	  recovery report (the same walk the hdaq command prints from).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_INFO_JSONB_H
#define HDAQ_INFO_JSONB_H

#include "hdaq.h"

#include "utils/jsonb.h"

extern Jsonb *info_to_jsonb(const McapInfo *info);
extern Jsonb *recovery_to_jsonb(const McapRecovery *rec);

#endif							/* HDAQ_INFO_JSONB_H */
