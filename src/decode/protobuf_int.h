/*-------------------------------------------------------------------------
 *
 * protobuf_int.h
 *	  The compiled form of a protobuf message type, and the wire-format
 *	  primitives shared by the descriptor parser and the message walk.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_PROTOBUF_INT_H
#define HD_PROTOBUF_INT_H

#include "decode_int.h"

/* Wire types */
#define PB_WT_VARINT	0
#define PB_WT_I64		1
#define PB_WT_LEN		2
#define PB_WT_SGROUP	3
#define PB_WT_EGROUP	4
#define PB_WT_I32		5

/* FieldDescriptorProto.Type */
#define PB_TYPE_DOUBLE		1
#define PB_TYPE_FLOAT		2
#define PB_TYPE_INT64		3
#define PB_TYPE_UINT64		4
#define PB_TYPE_INT32		5
#define PB_TYPE_FIXED64		6
#define PB_TYPE_FIXED32		7
#define PB_TYPE_BOOL		8
#define PB_TYPE_STRING		9
#define PB_TYPE_GROUP		10
#define PB_TYPE_MESSAGE		11
#define PB_TYPE_BYTES		12
#define PB_TYPE_UINT32		13
#define PB_TYPE_ENUM		14
#define PB_TYPE_SFIXED32	15
#define PB_TYPE_SFIXED64	16
#define PB_TYPE_SINT32		17
#define PB_TYPE_SINT64		18

#define PB_MAX_FIELD_NUMBER 536870911	/* 2^29 - 1 */

typedef struct PbEnumValue
{
	int32_t		number;
	const char *name;
} PbEnumValue;

typedef struct PbEnum
{
	const char *full_name;
	PbEnumValue *values;		/* sorted by number, one per number */
	int			nvalues;
	int32_t		first_number;	/* the default: first declared value */
} PbEnum;

typedef struct PbMessage PbMessage;

/* A field's default value (the type's zero, or a proto2 [default = ...]) */
typedef struct PbDefault
{
	union
	{
		int64_t		i;
		uint64_t	u;
		double		d;
	}			num;
	const char *str;			/* string and bytes */
	size_t		str_len;
} PbDefault;

typedef struct PbField
{
	const char *name;
	size_t		name_len;
	uint32_t	number;
	uint8_t		type;			/* PB_TYPE_* */
	bool		repeated;
	bool		is_map;			/* repeated map entry message */
	bool		packable;		/* repeated scalar: packed form accepted */
	int32_t		oneof;			/* index of its oneof, or -1 */
	const PbMessage *message;	/* message type (or map entry) */
	const PbEnum *enumeration;	/* enum type */
	PbDefault	def;
} PbField;

struct PbMessage
{
	const char *full_name;
	PbField    *fields;			/* sorted by number */
	int			nfields;
	bool		map_entry;
	/* field index by number, for numbers below index_limit; -1 if none */
	int32_t    *index_by_number;
	uint32_t	index_limit;
};

/*
 * Read a base-128 varint at *p (not past end).  Returns false on truncation
 * or when longer than 10 bytes.
 */
static inline bool
pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	const uint8_t *q = *p;
	uint64_t	v = 0;
	int			shift;

	for (shift = 0; shift < 70; shift += 7)
	{
		uint8_t		b;

		if (q >= end)
			return false;
		b = *q++;
		if (shift < 64)
			v |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
		{
			*p = q;
			*out = v;
			return true;
		}
	}
	return false;
}

static inline uint32_t
pb_load_le32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline uint64_t
pb_load_le64(const uint8_t *p)
{
	return (uint64_t) pb_load_le32(p) | ((uint64_t) pb_load_le32(p + 4) << 32);
}

/* Field of msg with the given number, or NULL */
static inline const PbField *
pb_field_by_number(const PbMessage *msg, uint64_t number)
{
	int			lo,
				hi;

	if (number < msg->index_limit)
	{
		int32_t		i = msg->index_by_number[number];

		return i < 0 ? NULL : &msg->fields[i];
	}
	lo = 0;
	hi = msg->nfields - 1;
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (msg->fields[mid].number == number)
			return &msg->fields[mid];
		if (msg->fields[mid].number < number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Wire type every occurrence of a field of this type has (unpacked) */
static inline int
pb_wire_type_of(int type)
{
	switch (type)
	{
		case PB_TYPE_DOUBLE:
		case PB_TYPE_FIXED64:
		case PB_TYPE_SFIXED64:
			return PB_WT_I64;
		case PB_TYPE_FLOAT:
		case PB_TYPE_FIXED32:
		case PB_TYPE_SFIXED32:
			return PB_WT_I32;
		case PB_TYPE_STRING:
		case PB_TYPE_BYTES:
		case PB_TYPE_MESSAGE:
			return PB_WT_LEN;
		default:
			return PB_WT_VARINT;
	}
}

/*
 * protobuf_wire.c: skip the value of a field whose tag (number, wire_type)
 * was just read at *p, including a whole group.  Returns HD_OK, HD_ERR_TRUNCATED or
 * HD_ERR_MALFORMED.
 */
extern int	pb_skip_value(uint32_t number, int wire_type,
						  const uint8_t **p, const uint8_t *end);

/* HD_ERR_TRUNCATED or HD_ERR_MALFORMED for a varint that failed at p */
extern int	pb_varint_error(const uint8_t *p, const uint8_t *end);

/* protobuf_compile.c: name of an enum number, or NULL */
extern const char *pb_enum_name(const PbEnum *e, int32_t number);

/* ----------
 * Signal paths compiled against a protobuf message type
 * (protobuf_path_compile.c, protobuf_path.c)
 *
 * A compiled path reads only the tags of the levels it goes through and
 * the value it names; it gives the same value, and the same error for a
 * broken message, as the generic extraction walking the message with a
 * visitor (path.c), which stays the fallback and the reference.
 * ----------
 */
typedef struct PbPath PbPath;

/*
 * The compiled-path operations of hd_protobuf_schema_ops (see HdSchemaOps):
 * compile checked steps against the decoder's root message (NULL when the
 * path is one the compiled form does not handle), read the numbers of one
 * or several compiled paths (in one pass over each level they share; on a
 * broken message, an error when any path alone meets one), free one.
 */
extern void *pb_path_compile(const HdDecoder *decoder, const HdPathStep *in,
							 int nsteps);
extern int	pb_paths_extract(const void *const *paths, int npaths,
							 const uint8_t *msg, size_t len,
							 double *out, bool *found, HdError *err);
extern void pb_path_free(void *path);

#endif							/* HD_PROTOBUF_INT_H */
