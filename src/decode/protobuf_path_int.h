/*-------------------------------------------------------------------------
 *
 * protobuf_path_int.h
 *	  A signal path compiled against a protobuf message type, shared by
 *	  its compiling (protobuf_path_compile.c) and its reading
 *	  (protobuf_path.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_PROTOBUF_PATH_INT_H
#define HD_PROTOBUF_PATH_INT_H

#include "protobuf_int.h"

/* How a step follows its field */
typedef enum PbStepKind
{
	PB_STEP_FIELD,				/* singular field: last occurrence */
	PB_STEP_ELEMENT,			/* element index of a repeated field */
	PB_STEP_MAP_VALUE			/* value of the map entry with key */
} PbStepKind;

typedef struct PbPathStep
{
	const PbMessage *msg;		/* message type of this level */
	const PbField *field;		/* field of msg that the path follows */
	const PbField *value;		/* type of the value: field, or the map
								 * entry's value field */
	PbStepKind	kind;
	int			wire_type;		/* of an unpacked occurrence of field */
	int64_t		index;			/* PB_STEP_ELEMENT */
	const char *key;			/* PB_STEP_MAP_VALUE: key as text */
	size_t		key_len;
} PbPathStep;

struct PbPath
{
	int			nsteps;
	PbPathStep	steps[];
};

#endif							/* HD_PROTOBUF_PATH_INT_H */
