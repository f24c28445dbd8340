/*-------------------------------------------------------------------------
 *
 * error.c
 *	  Support (top level, shared by every tier): turning the cores'
 *	  explicit errors into ereport(), and tying the lifetime of core
 *	  objects (readers, decoders...) to memory contexts so that an error or
 *	  a cancel never leaks them.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "utils/memutils.h"

int
hdaq_sqlstate_for(McapStatus code)
{
	switch (code)
	{
		case MCAP_OK:
			return ERRCODE_INTERNAL_ERROR;
		case MCAP_ERR_BAD_MAGIC:
		case MCAP_ERR_TRUNCATED:
		case MCAP_ERR_CORRUPT:
		case MCAP_ERR_CRC:
		case MCAP_ERR_DECOMPRESS:
			/* bad input: class 22, never XX (which means the store itself) */
			return ERRCODE_INVALID_BINARY_REPRESENTATION;
		case MCAP_ERR_UNSUPPORTED:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case MCAP_ERR_TOO_LARGE:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case MCAP_ERR_NOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case MCAP_ERR_IO:
			return ERRCODE_IO_ERROR;
		case MCAP_ERR_INVALID_ARGUMENT:
			return ERRCODE_INVALID_PARAMETER_VALUE;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
hdaq_report_mcap_error(const McapError *err, const char *what)
{
	ereport(ERROR,
			(errcode(hdaq_sqlstate_for(err->code)),
			 errmsg("%s%s%s at offset %llu",
					what ? what : "", what ? ": " : "",
					err->message, (unsigned long long) err->offset)));
	pg_unreachable();
}

/*
 * An error reading hdaq's own stored bytes (a segment that does not
 * decompress or parse): the store is damaged, which is what class XX is
 * for, unlike a bad file given to ingest or info.
 */
void
hdaq_report_stored_error(const McapError *err, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("%s%s%s at offset %llu",
					what ? what : "", what ? ": " : "",
					err->message, (unsigned long long) err->offset)));
	pg_unreachable();
}

/* A core object freed when its memory context is reset or deleted. */
typedef struct ContextOwned
{
	MemoryContextCallback cb;
	void	   *object;
	HdaqFreeFn	free_fn;
} ContextOwned;

static void
free_context_owned(void *arg)
{
	ContextOwned *owned = arg;

	owned->free_fn(owned->object);
}

void
hdaq_free_with_context(void *object, HdaqFreeFn free_fn)
{
	ContextOwned *owned = MemoryContextAllocZero(CurrentMemoryContext,
												 sizeof(ContextOwned));

	owned->object = object;
	owned->free_fn = free_fn;
	owned->cb.func = free_context_owned;
	owned->cb.arg = owned;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &owned->cb);
}

static void
free_buffer(void *buf)
{
	mcap_buffer_free(buf);
}

static void
free_decompressor(void *dec)
{
	mcap_decompressor_free(dec);
}

void
hdaq_buffer_init(McapBuffer *buf)
{
	mcap_buffer_init(buf);
	hdaq_free_with_context(buf, free_buffer);
}

McapDecompressor *
hdaq_decompressor_new(void)
{
	McapDecompressor *dec = mcap_decompressor_new();

	if (dec == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
						errmsg("out of memory creating a decompressor")));
	hdaq_free_with_context(dec, free_decompressor);
	return dec;
}

void
hdaq_check_buffer(const McapBuffer *buf)
{
	if (buf->failed)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building a buffer of %zu bytes", buf->len)));
}
