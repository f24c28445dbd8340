/*-------------------------------------------------------------------------
 *
 * hdaq.c
 *	  Module entry point: the settings (GUCs) that bound what hdaq
 *	  allocates and shape how it stores segments.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "decoders.h"

#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

int			hdaq_max_chunk_kb = 256 * 1024;
int			hdaq_segment_kb = 256;
int			hdaq_compression_level = 1;
int			hdaq_ingest_buffer_kb = 64 * 1024;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("hdaq.max_chunk_bytes",
							"Largest decompressed MCAP chunk or record hdaq accepts.",
							"A file that declares a larger chunk has that chunk skipped and reported.",
							&hdaq_max_chunk_kb,
							256 * 1024, 64, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hdaq.segment_size",
							"Target uncompressed size of a stored segment.",
							"Ingest cuts each channel's messages into segments of about this size.",
							&hdaq_segment_kb,
							256, 4, 64 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hdaq.compression_level",
							"zstd compression level of stored segments.",
							"Level 1 ingests about 40% faster than level 3 for about 3% more storage (bench/ANALYSIS.md).",
							&hdaq_compression_level,
							1, -5, 19,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hdaq.ingest_buffer_size",
							"Memory an ingest may use to buffer messages before writing segments.",
							"When the buffered messages of all channels exceed this, the largest buffers are written early.",
							&hdaq_ingest_buffer_kb,
							64 * 1024, 1024, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hdaq.decoder_cache_size",
							"Memory a backend may keep compiled message decoders in.",
							"Least recently used decoders are freed when a query begins over this size.",
							&hdaq_decoder_cache_kb,
							64 * 1024, 64, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("hdaq");
}

void
hdaq_reader_options(McapReaderOptions *opts)
{
	mcap_reader_options_init(opts);
	opts->max_chunk_bytes = (uint64_t) hdaq_max_chunk_kb * 1024;
}
