/*-------------------------------------------------------------------------
 *
 * args.c
 *	  Arguments several entry points take the same way: a name, tags, a
 *	  file_id, a list of signals.
 *
 *-------------------------------------------------------------------------
 */
#include "functions/args.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

char *
args_name(FunctionCallInfo fcinfo, int argno, const char *fallback)
{
	if (PG_NARGS() > argno && !PG_ARGISNULL(argno))
		return text_to_cstring(PG_GETARG_TEXT_PP(argno));
	return fallback ? pstrdup(fallback) : NULL;
}

Jsonb *
args_tags(FunctionCallInfo fcinfo, int argno)
{
	Jsonb	   *tags;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	tags = PG_GETARG_JSONB_P(argno);
	if (!JB_ROOT_IS_OBJECT(tags) || JB_ROOT_IS_SCALAR(tags))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tags must be a JSON object")));
	return tags;
}

int64
args_file_id(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("file_id must not be null")));
	return PG_GETARG_INT64(argno);
}

/*
 * Split 'Topic/field.path' at the last '/' outside brackets (topics may
 * hold slashes, as ROS topics do; field paths do not, outside map keys).
 */
static void
parse_metric(const char *metric, SignalSpec *spec)
{
	int			depth = 0;
	const char *split = NULL;

	for (const char *p = metric; *p; p++)
	{
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if (*p == '/' && depth == 0)
			split = p;
	}
	if (split == NULL || split == metric || split[1] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not of the form 'Topic/field.path'", metric)));
	spec->metric = pstrdup(metric);
	spec->topic = pnstrdup(metric, split - metric);
	spec->path = pstrdup(split + 1);
}

SignalSpec *
args_signal_specs(FunctionCallInfo fcinfo, int argno, int *nspecs, int *nelems)
{
	SignalSpec *specs;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("paths must not be null")));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &elem_nulls, &n);
	specs = palloc(sizeof(SignalSpec) * Max(n, 1));
	*nspecs = 0;
	for (int i = 0; i < n; i++)
		if (!elem_nulls[i])
			parse_metric(TextDatumGetCString(elems[i]), &specs[(*nspecs)++]);
	if (*nspecs == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("paths holds no path"),
				 errdetail("An empty array (or one of NULLs) selects nothing."),
				 errhint("Give paths as 'Topic/field.path', e.g. ARRAY['VehicleData/current_rpms.FL'].")));
	if (nelems)
		*nelems = n;
	return specs;
}
