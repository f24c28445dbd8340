/*-------------------------------------------------------------------------
 *
 * formats.h
 *	  The entry points of each message format, which the dispatcher
 *	  (decoder.c) chooses between: compiling a schema, walking a message,
 *	  and the schema operations signal paths are checked with.
 *
 * Only decoder.c and the format sources include this; the formats report
 * errors through error.c, so nothing leads back to the dispatcher.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_FORMATS_H
#define HD_FORMATS_H

#include "decode_int.h"

extern int	hd_protobuf_compile(HdDecoder *d, const char *name,
								const uint8_t *data, size_t len, HdError *err);
extern int	hd_protobuf_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
							   const HdVisitor *v, void *ctx, HdError *err);
extern const HdSchemaOps hd_protobuf_schema_ops;

extern int	hd_jsonschema_compile(HdDecoder *d, const uint8_t *data, size_t len,
								  HdError *err);
extern int	hd_json_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
						   const HdVisitor *v, void *ctx, HdError *err);
extern const HdSchemaOps hd_json_schema_ops;

extern int	hd_ros2msg_compile(HdDecoder *d, const char *name,
							   const uint8_t *data, size_t len, HdError *err);
extern int	hd_ros2idl_compile(HdDecoder *d, const char *name,
							   const uint8_t *data, size_t len, HdError *err);
extern int	hd_ros1msg_compile(HdDecoder *d, const char *name,
							   const uint8_t *data, size_t len, HdError *err);
extern int	hd_cdr_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
						  const HdVisitor *v, void *ctx, HdError *err);
extern int	hd_ros1_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
						   const HdVisitor *v, void *ctx, HdError *err);
extern const HdSchemaOps hd_ros_schema_ops;

#endif							/* HD_FORMATS_H */
