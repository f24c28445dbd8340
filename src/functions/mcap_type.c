/*-------------------------------------------------------------------------
 *
 * mcap_type.c
 *	  Entry points of the hdaq.mcap type: its I/O functions mcap_in,
 *	  mcap_out, mcap_recv, mcap_send and the cast hdaq.mcap(bytea).  The
 *	  type is an MCAP byte stream held in a value.  Its representation is
 *	  bytea's; every way into the type (text input, binary input, the cast
 *	  from bytea) checks the magic and the record framing and names the
 *	  offset of the first problem.
 *
 * A file cut short is a valid value (hdaq.info reports it as incomplete):
 * what is refused is what cannot be the beginning of an MCAP file.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hdaq_mcap_in);
PG_FUNCTION_INFO_V1(hdaq_mcap_out);
PG_FUNCTION_INFO_V1(hdaq_mcap_recv);
PG_FUNCTION_INFO_V1(hdaq_mcap_send);
PG_FUNCTION_INFO_V1(hdaq_mcap_from_bytea);

/* Check a value's bytes; ereport if they are not an MCAP stream. */
static void
check_mcap_value(bytea *value)
{
	McapError	err;

	if (mcap_validate((const uint8_t *) VARDATA_ANY(value),
					  VARSIZE_ANY_EXHDR(value), &err) != MCAP_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid MCAP data: %s at offset %llu",
						err.message, (unsigned long long) err.offset)));
}

Datum
hdaq_mcap_in(PG_FUNCTION_ARGS)
{
	Datum		value = DirectFunctionCall1(byteain, PG_GETARG_DATUM(0));

	check_mcap_value(DatumGetByteaPP(value));
	PG_RETURN_DATUM(value);
}

Datum
hdaq_mcap_out(PG_FUNCTION_ARGS)
{
	return byteaout(fcinfo);
}

Datum
hdaq_mcap_recv(PG_FUNCTION_ARGS)
{
	Datum		value = bytearecv(fcinfo);

	check_mcap_value(DatumGetByteaPP(value));
	PG_RETURN_DATUM(value);
}

Datum
hdaq_mcap_send(PG_FUNCTION_ARGS)
{
	return byteasend(fcinfo);
}

Datum
hdaq_mcap_from_bytea(PG_FUNCTION_ARGS)
{
	check_mcap_value(PG_GETARG_BYTEA_PP(0));
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}
