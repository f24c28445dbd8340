/*-------------------------------------------------------------------------
 *
 * ros_int.h
 *	  The compiled form of ROS message definitions (ROS 1 .msg, ROS 2 .msg
 *	  and .idl all compile to it), and the pieces that build and walk it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_ROS_INT_H
#define HD_ROS_INT_H

#include "decode_int.h"

typedef enum RosPrim
{
	ROS_BOOL,
	ROS_INT8,
	ROS_UINT8,
	ROS_INT16,
	ROS_UINT16,
	ROS_INT32,
	ROS_UINT32,
	ROS_INT64,
	ROS_UINT64,
	ROS_FLOAT32,
	ROS_FLOAT64,
	ROS_STRING,
	ROS_WSTRING,
	ROS_COMPLEX					/* a nested message type */
} RosPrim;

typedef enum RosArrayKind
{
	ROS_SCALAR,
	ROS_FIXED,					/* T[N]: N elements, no length on the wire */
	ROS_SEQUENCE				/* T[] and T[<=N]: uint32 length first */
} RosArrayKind;

/* Longest fixed array a schema may declare */
#define ROS_MAX_FIXED_LENGTH (1u << 24)

typedef struct RosType RosType;

typedef struct RosField
{
	const char *name;
	size_t		name_len;
	RosPrim		prim;
	RosArrayKind array;
	uint32_t	length;			/* ROS_FIXED: N; ROS_SEQUENCE: bound, 0 if none */
	const char *type_name;		/* ROS_COMPLEX: "pkg/Type", until resolved */
	const RosType *type;		/* ROS_COMPLEX, once resolved */
	size_t		element_min_size;	/* fewest bytes of one element (or value) */
} RosField;

struct RosType
{
	const char *name;			/* "pkg/Type" ("time", "duration" for ROS 1's) */
	RosField   *fields;
	int			nfields;
	int			cap;
	size_t		min_size;		/* fewest bytes a value takes on the wire */
	int			mark;			/* resolution state */
};

/* A set of types being compiled */
typedef struct RosBuild
{
	HdArena    *arena;			/* the decoder's */
	RosType   **types;
	int			ntypes;
	int			cap;
	bool		ros2;			/* ROS 2 rules (CDR, builtin_interfaces) */
	HdError    *err;
} RosBuild;

/* Characters of definition texts (.msg and .idl) */
static inline bool
ros_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static inline bool
ros_is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

/* ros_schema.c */
extern size_t ros_primitive_size(RosPrim prim);	/* 0: not fixed-size */
extern void ros_build_init(RosBuild *b, HdDecoder *d, bool ros2, HdError *err);
extern void ros_build_cleanup(RosBuild *b);
extern RosType *ros_add_type(RosBuild *b, const char *name, size_t len);
extern RosField *ros_add_field(RosBuild *b, RosType *t);
extern int	ros_canonical_name(const char *name, size_t len, char *out, size_t outsize);
extern bool ros_primitive(const char *name, size_t len, bool ros2, RosPrim *prim);
extern int	ros_build_finish(RosBuild *b, HdDecoder *d, const char *root_name);
extern int	ros_nomem(RosBuild *b);

/* ros_msgdef.c: parse one .msg section (field lines) into type t */
extern int	ros_parse_msg_fields(RosBuild *b, RosType *t, const char *package,
								 const char *text, size_t len);
extern int	ros_msgdef_compile(HdDecoder *d, bool ros2, const char *name,
							   const uint8_t *data, size_t len, HdError *err);

/* ros_walk.c */
typedef enum RosWire
{
	ROS_WIRE_ROS1,				/* little endian, packed */
	ROS_WIRE_CDR_LE,			/* aligned to each primitive's size */
	ROS_WIRE_CDR_BE
} RosWire;

extern int	ros_walk(const RosType *root, RosWire wire, const uint8_t *msg,
					 size_t header_len, size_t len, const HdVisitor *v,
					 void *ctx, HdError *err);

#endif							/* HD_ROS_INT_H */
