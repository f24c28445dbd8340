/*-------------------------------------------------------------------------
 *
 * protobuf_schema_int.h
 *	  What the files of the protobuf schema compiler share:
 *	  descriptor.proto's field numbers, reading a descriptor's fields, the
 *	  types found in a descriptor set, and the state of one compilation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_PROTOBUF_SCHEMA_INT_H
#define HD_PROTOBUF_SCHEMA_INT_H

#include "protobuf_int.h"

/* Field numbers of descriptor.proto */
#define FDS_FILE				1
#define FILE_PACKAGE			2
#define FILE_MESSAGE_TYPE		4
#define FILE_ENUM_TYPE			5
#define MSG_NAME				1
#define MSG_FIELD				2
#define MSG_NESTED_TYPE			3
#define MSG_ENUM_TYPE			4
#define MSG_OPTIONS				7
#define MSG_ONEOF_DECL			8
#define MSGOPT_MAP_ENTRY		7
#define FIELD_NAME				1
#define FIELD_NUMBER			3
#define FIELD_LABEL				4
#define FIELD_TYPE				5
#define FIELD_TYPE_NAME			6
#define FIELD_DEFAULT_VALUE		7
#define FIELD_ONEOF_INDEX		9
#define ENUM_NAME				1
#define ENUM_VALUE				2
#define ENUMVAL_NAME			1
#define ENUMVAL_NUMBER			2

#define LABEL_REPEATED			3
#define MAX_SCOPE_DEPTH			32

/* One field of a descriptor being read: its number, and value */
typedef struct DescField
{
	uint32_t	number;
	int			wire_type;
	uint64_t	varint;			/* PB_WT_VARINT */
	const uint8_t *data;		/* PB_WT_LEN */
	size_t		len;
} DescField;

/* A message or enum found in the set, before compilation */
typedef struct RawType
{
	char	   *full_name;		/* without leading dot */
	bool		is_enum;
	const uint8_t *data;		/* its DescriptorProto / EnumDescriptorProto */
	size_t		len;
	void	   *compiled;		/* PbMessage or PbEnum, once referenced */
} RawType;

typedef struct SchemaBuild
{
	HdArena    *arena;			/* the decoder's */
	HdArena		scratch;		/* freed after compiling */
	RawType    *types;
	size_t		ntypes;
	size_t		cap;
	RawType   **queue;			/* referenced, not yet compiled */
	size_t		nqueue;
	const uint8_t *base;		/* start of the schema, for offsets */
	HdError    *err;
} SchemaBuild;

static inline bool
pb_desc_is_string(const DescField *f, uint32_t number)
{
	return f->number == number && f->wire_type == PB_WT_LEN;
}

static inline bool
pb_desc_is_varint(const DescField *f, uint32_t number)
{
	return f->number == number && f->wire_type == PB_WT_VARINT;
}

static inline int
pb_schema_nomem(HdError *err)
{
	return hd_error(err, HD_ERR_NOMEM, 0, "out of memory compiling protobuf schema");
}

/* protobuf_schema.c */

/*
 * Read the next field of a descriptor message.  Returns 1 with *f filled,
 * 0 at the end, or an error code (schema malformed).
 */
extern int	pb_desc_next_field(SchemaBuild *b, const uint8_t **p,
							   const uint8_t *end, DescField *f);

/* The raw type a field's type_name names, seen from scope; NULL if none */
extern RawType *pb_resolve_type_name(SchemaBuild *b, const char *scope,
									 const char *name);

/* The compiled type of a raw type, allocating it and queueing it if new */
extern void *pb_reference_type(SchemaBuild *b, RawType *t);

/* protobuf_compile.c */
extern int	pb_compile_enum(SchemaBuild *b, RawType *t);
extern int	pb_compile_message(SchemaBuild *b, RawType *t);

/* Second pass over a compiled message: maps, and enum defaults by name */
extern int	pb_finish_message(SchemaBuild *b, PbMessage *m);

#endif							/* HD_PROTOBUF_SCHEMA_INT_H */
