/*-------------------------------------------------------------------------
 *
 * guard_drop.c
 *	  Entry point of hdaq.guard_drop(), the event trigger that stands
 *	  before DROP EXTENSION hdaq and DROP SCHEMA hdaq: while files are
 *	  stored, either would delete them all with no way back, so it refuses
 *	  unless the session says so with SET hdaq.allow_drop = on.  The
 *	  setting is registered here, beside its variable.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "store/store.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"

static bool allow_drop = false;

void
guard_drop_define_gucs(void)
{
	DefineCustomBoolVariable("hdaq.allow_drop",
							 "Lets DROP EXTENSION hdaq delete the files it stores.",
							 "Off: dropping the extension (or its schema) while files are stored is refused.",
							 &allow_drop,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
}

/* Does the statement drop the extension hdaq, or its schema? */
static bool
drops_hdaq(const DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_EXTENSION && stmt->removeType != OBJECT_SCHEMA)
		return false;
	foreach(lc, stmt->objects)
	{
		Node	   *name = lfirst(lc);

		if (IsA(name, String) && strcmp(strVal(name), "hdaq") == 0)
			return true;
	}
	return false;
}

PG_FUNCTION_INFO_V1(hdaq_guard_drop);

Datum
hdaq_guard_drop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	int64		count;
	int64		bytes;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("hdaq.guard_drop() is an event trigger function")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (allow_drop || !IsA(trigdata->parsetree, DropStmt) ||
		!drops_hdaq((DropStmt *) trigdata->parsetree))
		PG_RETURN_VOID();

	SPI_connect();
	store_count_files(&count, &bytes);
	SPI_finish();
	if (count > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("hdaq stores %lld file%s (%s): %s would delete %s",
						(long long) count, count == 1 ? "" : "s",
						text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																		   Int64GetDatum(bytes)))),
						GetCommandTagName(trigdata->tag),
						count == 1 ? "it" : "them"),
				 errhint("Back them up first (pg_dump -n hdaq -e hdaq -f hdaq.dump), then SET hdaq.allow_drop = on and drop again.")));
	PG_RETURN_VOID();
}
