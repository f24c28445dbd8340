/*-------------------------------------------------------------------------
 *
 * args.c
 *	  Arguments several entry points take the same way: a name, tags, a
 *	  file_id.
 *
 *-------------------------------------------------------------------------
 */
#include "functions/args.h"

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
