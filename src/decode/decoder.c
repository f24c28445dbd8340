/*-------------------------------------------------------------------------
 *
 * decoder.c
 *	  Choosing, compiling, running and freeing a decoder.
 *
 * hd_decoder_compile picks the decoder for a (message encoding, schema
 * encoding) pair and hands the schema to that format's compiler;
 * hd_decode dispatches one message to that format's walk.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "formats.h"

static int
format_of(const char *message_encoding, const char *schema_encoding,
		  HdFormat *format, HdError *err)
{
	if (strcmp(message_encoding, "protobuf") == 0 &&
		strcmp(schema_encoding, "protobuf") == 0)
		*format = HD_FORMAT_PROTOBUF;
	else if (strcmp(message_encoding, "json") == 0 &&
			 (strcmp(schema_encoding, "jsonschema") == 0 ||
			  schema_encoding[0] == '\0'))
		*format = HD_FORMAT_JSON;
	else if (strcmp(message_encoding, "cdr") == 0 &&
			 (strcmp(schema_encoding, "ros2msg") == 0 ||
			  strcmp(schema_encoding, "ros2idl") == 0))
		*format = HD_FORMAT_CDR;
	else if (strcmp(message_encoding, "ros1") == 0 &&
			 strcmp(schema_encoding, "ros1msg") == 0)
		*format = HD_FORMAT_ROS1;
	else
		return hd_error(err, HD_ERR_UNSUPPORTED, 0,
						"message encoding \"%s\" with schema encoding \"%s\" is not supported",
						message_encoding, schema_encoding[0] ? schema_encoding : "(none)");
	return HD_OK;
}

static int
compile_schema(HdDecoder *d, const char *schema_encoding, const char *name,
			   const uint8_t *data, size_t len, HdError *err)
{
	switch (d->format)
	{
		case HD_FORMAT_PROTOBUF:
			d->schema_ops = &hd_protobuf_schema_ops;
			return hd_protobuf_compile(d, name, data, len, err);
		case HD_FORMAT_JSON:
			d->schema_ops = &hd_json_schema_ops;
			return hd_jsonschema_compile(d, data, len, err);
		case HD_FORMAT_CDR:
			d->schema_ops = &hd_ros_schema_ops;
			if (strcmp(schema_encoding, "ros2idl") == 0)
				return hd_ros2idl_compile(d, name, data, len, err);
			return hd_ros2msg_compile(d, name, data, len, err);
		case HD_FORMAT_ROS1:
			d->schema_ops = &hd_ros_schema_ops;
			return hd_ros1msg_compile(d, name, data, len, err);
	}
	return hd_error(err, HD_ERR_ARGUMENT, 0, "unknown decoder format");
}

HdDecoder *
hd_decoder_compile(const char *message_encoding, const char *schema_encoding,
				   const char *schema_name, const uint8_t *schema_data,
				   size_t schema_len, HdError *err)
{
	HdDecoder  *d;
	HdFormat	format = HD_FORMAT_PROTOBUF;

	if (message_encoding == NULL)
		message_encoding = "";
	if (schema_encoding == NULL)
		schema_encoding = "";
	if (schema_name == NULL)
		schema_name = "";
	if (schema_data == NULL && schema_len > 0)
	{
		hd_error(err, HD_ERR_ARGUMENT, 0, "schema data is NULL");
		return NULL;
	}
	if (format_of(message_encoding, schema_encoding, &format, err) != HD_OK)
		return NULL;

	d = calloc(1, sizeof(HdDecoder));
	if (d == NULL)
	{
		hd_error(err, HD_ERR_NOMEM, 0, "out of memory");
		return NULL;
	}
	d->format = format;
	if (compile_schema(d, schema_encoding, schema_name,
					   schema_data ? schema_data : (const uint8_t *) "",
					   schema_len, err) != HD_OK)
	{
		hd_decoder_free(d);
		return NULL;
	}
	return d;
}

void
hd_decoder_free(HdDecoder *decoder)
{
	if (decoder == NULL)
		return;
	hd_arena_free(&decoder->arena);
	free(decoder);
}

size_t
hd_decoder_memory_size(const HdDecoder *decoder)
{
	if (decoder == NULL)
		return 0;
	return sizeof(HdDecoder) + decoder->arena.total;
}

int
hd_decode(const HdDecoder *decoder, const uint8_t *msg, size_t len,
		  const HdVisitor *visitor, void *ctx, HdError *err)
{
	static const HdVisitor no_visitor;
	int			rc = HD_OK;

	if (decoder == NULL)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "decoder is NULL");
	if (msg == NULL && len > 0)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "message is NULL");
	if (msg == NULL)
		msg = (const uint8_t *) "";
	if (visitor == NULL)
		visitor = &no_visitor;

	switch (decoder->format)
	{
		case HD_FORMAT_PROTOBUF:
			rc = hd_protobuf_decode(decoder, msg, len, visitor, ctx, err);
			break;
		case HD_FORMAT_JSON:
			rc = hd_json_decode(decoder, msg, len, visitor, ctx, err);
			break;
		case HD_FORMAT_CDR:
			rc = hd_cdr_decode(decoder, msg, len, visitor, ctx, err);
			break;
		case HD_FORMAT_ROS1:
			rc = hd_ros1_decode(decoder, msg, len, visitor, ctx, err);
			break;
	}
	if (rc == HD_WALK_STOP)
		rc = HD_OK;
	if (rc == HD_OK && err != NULL)
	{
		err->code = HD_OK;
		err->offset = 0;
		err->message[0] = '\0';
	}
	return rc;
}
