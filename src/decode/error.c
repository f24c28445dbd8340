/*-------------------------------------------------------------------------
 *
 * error.c
 *	  Errors of the decoders: filling an HdError, and the names of its
 *	  codes.  Every decoder source reports through here; the dispatcher
 *	  (decoder.c) is not involved.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>

#include "decode_int.h"

int
hd_error(HdError *err, HdErrorCode code, size_t offset, const char *fmt,...)
{
	if (err != NULL)
	{
		va_list		ap;

		err->code = code;
		err->offset = offset;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *
hd_error_code_name(HdErrorCode code)
{
	switch (code)
	{
		case HD_OK:
			return "ok";
		case HD_ERR_UNSUPPORTED:
			return "unsupported";
		case HD_ERR_SCHEMA:
			return "invalid schema";
		case HD_ERR_TRUNCATED:
			return "truncated message";
		case HD_ERR_MALFORMED:
			return "malformed message";
		case HD_ERR_DEPTH:
			return "nesting too deep";
		case HD_ERR_PATH:
			return "invalid path";
		case HD_ERR_NOMEM:
			return "out of memory";
		case HD_ERR_VISITOR:
			return "stopped by consumer";
		case HD_ERR_ARGUMENT:
			return "invalid argument";
	}
	return "unknown error";
}
