/*-------------------------------------------------------------------------
 *
 * reader.c
 *	  Support (top level, shared by every tier): MCAP readers for the
 *	  PostgreSQL side, with the setting that bounds what they allocate
 *	  (hdaq.max_chunk_bytes), and opened with their lifetime tied to a
 *	  memory context.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "utils/guc.h"

static int	max_chunk_kb = 256 * 1024;

void
hdaq_reader_define_gucs(void)
{
	DefineCustomIntVariable("hdaq.max_chunk_bytes",
							"Largest decompressed MCAP chunk or record hdaq accepts.",
							"A chunk or record that declares more is skipped and reported, never allocated.",
							&max_chunk_kb,
							256 * 1024, 64, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
}

void
hdaq_reader_options(McapReaderOptions *opts)
{
	mcap_reader_options_init(opts);
	opts->max_chunk_bytes = (uint64_t) max_chunk_kb * 1024;
	opts->max_record_bytes = opts->max_chunk_bytes;
}

static void
close_reader(void *reader)
{
	mcap_reader_close(reader);
}

McapReader *
hdaq_reader_open_memory(const uint8_t *data, size_t len,
						const McapReaderOptions *opts, const char *what)
{
	McapError	err;
	McapReader *reader = mcap_reader_open_memory(data, len, opts, &err);

	if (reader == NULL)
		hdaq_report_mcap_error(&err, what);
	hdaq_free_with_context(reader, close_reader);
	return reader;
}

McapReader *
hdaq_reader_open_resumed(const uint8_t *data, size_t len,
						 const McapResumePoint *at,
						 const McapReaderOptions *opts, const char *what)
{
	McapError	err;
	McapReader *reader = mcap_reader_open_resumed(data, len, at, opts, &err);

	if (reader == NULL)
		hdaq_report_mcap_error(&err, what);
	hdaq_free_with_context(reader, close_reader);
	return reader;
}

McapReader *
hdaq_reader_open_source(McapReadFn read, void *ctx,
						const McapReaderOptions *opts, const char *what)
{
	McapError	err;
	McapReader *reader = mcap_reader_open_source(read, ctx, opts, &err);

	if (reader == NULL)
		hdaq_report_mcap_error(&err, what);
	hdaq_free_with_context(reader, close_reader);
	return reader;
}
