/*-------------------------------------------------------------------------
 *
 * decoders.h
 *	  Engine: the PostgreSQL side of decoding, the per-backend decoder
 *	  cache (decoder_cache.c), the builder of a message's jsonb from a
 *	  decoder's walk (decode_jsonb.c) and its reference (jsonb_reference.c).
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

/*
 * The decoder of the first stored channel of a topic, that channel in
 * *channel; NULL when no file has the topic or its schema does not
 * compile.  Connected to SPI.
 */
struct StoredChannel;
extern const HdDecoder *hdaq_stored_topic_decoder(const char *topic,
												  struct StoredChannel *channel);

/*
 * How many decoders the cache has freed so far: a scan that keeps
 * decoders between rows (the message relation) looks them up again when
 * this changed.
 */
extern uint64 hdaq_decoder_cache_evictions(void);

/*
 * decode_jsonb.c: messages as jsonb.  A builder keeps its buffers from
 * message to message (it lives in CurrentMemoryContext at its creation);
 * each jsonb is palloc'd in CurrentMemoryContext, NULL with *error set
 * when the message cannot be decoded.
 */
typedef struct JsonbBuilder JsonbBuilder;

extern void jsonb_builder_define_gucs(void);
extern JsonbBuilder *jsonb_builder_create(void);
extern Jsonb *jsonb_builder_decode(JsonbBuilder *b, const HdDecoder *decoder,
								   const uint8 *msg, size_t len,
								   HdError *error);

/* jsonb_reference.c: the same through pushJsonbValue and numeric_in */
extern Jsonb *hdaq_decode_jsonb_reference(const HdDecoder *decoder,
										  const uint8 *msg, size_t len,
										  HdError *error);

#endif							/* HDAQ_DECODERS_H */
