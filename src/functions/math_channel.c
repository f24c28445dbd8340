/*-------------------------------------------------------------------------
 *
 * math_channel.c
 *	  Entry point of hdaq.define_math_channel(topic, name, expression,
 *	  unit, description): checks the definition (engine/math_channels.c)
 *	  and stores it in hdaq.math_channel, replacing one of the same topic
 *	  and name.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/math_channels.h"
#include "store/store.h"

#include "executor/spi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hdaq_define_math_channel);

static char *
optional_text(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

Datum
hdaq_define_math_channel(PG_FUNCTION_ARGS)
{
	char	   *topic;
	char	   *name;
	char	   *expression;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("topic, name and expression must not be null")));
	topic = text_to_cstring(PG_GETARG_TEXT_PP(0));
	name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	expression = text_to_cstring(PG_GETARG_TEXT_PP(2));
	SPI_connect();
	math_channel_check(topic, name, expression);
	store_define_math_channel(topic, name, expression, optional_text(fcinfo, 3),
							  optional_text(fcinfo, 4));
	SPI_finish();
	PG_RETURN_VOID();
}
