/*-------------------------------------------------------------------------
 *
 * hdaq.c
 *	  Module initialisation (top level): the module magic, and _PG_init,
 *	  which has each part register the settings (GUCs) it reads, beside
 *	  the variables they set:
 *
 *	    hdaq.max_chunk_bytes		reader.c
 *	    hdaq.segment_size		engine/segment_write.c
 *	    hdaq.compression_level	engine/segment_write.c
 *	    hdaq.ingest_buffer_size	engine/ingest.c
 *	    hdaq.decoder_cache_size	engine/decoder_cache.c
 *	    hdaq.allow_drop		functions/guard_drop.c
 *	    hdaq.max_export_memory	engine/mat_export.c
 *	    hdaq.leaf_blocks		engine/leaf_blocks.c
 *
 * hdaq.h says how the rest of src/ is laid out.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/decoders.h"
#include "engine/fdw.h"
#include "engine/ingest.h"
#include "engine/leaf_blocks.h"
#include "engine/mat_export.h"
#include "engine/segment.h"

#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	hdaq_reader_define_gucs();
	segment_define_gucs();
	ingest_define_gucs();
	decoder_cache_define_gucs();
	jsonb_builder_define_gucs();
	guard_drop_define_gucs();
	mat_export_define_gucs();
	leaf_blocks_define_gucs();
	fdw_define_gucs();
	MarkGUCPrefixReserved("hdaq");
}
