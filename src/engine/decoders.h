/*-------------------------------------------------------------------------
 *
 * decoders.h
 *	  Engine: the PostgreSQL side of decoding, the per-backend decoder
 *	  cache (decoder_cache.c) and the visitor that builds jsonb from a
 *	  decoder's walk (decode_jsonb.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_DECODERS_H
#define HDAQ_DECODERS_H

#include "hdaq.h"

#include "decode.h"
#include "utils/jsonb.h"

/* decoder_cache.c */
extern void decoder_cache_define_gucs(void);
extern const HdDecoder *hdaq_get_decoder(bool has_schema, int64 schema_key,
										 const char *message_encoding,
										 const char **error);
extern void hdaq_decoder_cache_trim(void);

/* decode_jsonb.c: one message as jsonb; false with *error set on failure */
extern Jsonb *hdaq_decode_jsonb(const HdDecoder *decoder, const uint8 *msg,
								size_t len, HdError *error);

#endif							/* HDAQ_DECODERS_H */
