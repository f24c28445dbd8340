/*-------------------------------------------------------------------------
 *
 * message_fdw.c
 *	  Entry points of the foreign-data wrapper hdaq_fdw, through which the
 *	  foreign table hdaq.message reads every stored message as a row and
 *	  hdaq.sample their numeric leaves: hdaq.message_fdw_handler (the
 *	  planner's and executor's callbacks, engine/fdw.h, which serve both)
 *	  and hdaq.message_fdw_validator (it takes no options).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/fdw.h"

#include "access/reloptions.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"

PG_FUNCTION_INFO_V1(hdaq_message_fdw_handler);
PG_FUNCTION_INFO_V1(hdaq_message_fdw_validator);

Datum
hdaq_message_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = message_fdw_rel_size;
	routine->GetForeignPaths = message_fdw_paths;
	routine->GetForeignPlan = message_fdw_plan;
	routine->GetForeignUpperPaths = message_fdw_upper_paths;
	routine->BeginForeignScan = message_fdw_begin;
	routine->IterateForeignScan = message_fdw_iterate;
	routine->ReScanForeignScan = message_fdw_rescan;
	routine->EndForeignScan = message_fdw_end;
	routine->ExplainForeignScan = message_fdw_explain;
	PG_RETURN_POINTER(routine);
}

/* The wrapper, its servers, user mappings, tables and columns: no options. */
Datum
hdaq_message_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));

	if (options != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("hdaq_fdw takes no options"),
				 errdetail("Option \"%s\" was given.",
						   ((DefElem *) linitial(options))->defname)));
	PG_RETURN_VOID();
}
