/*-------------------------------------------------------------------------
 *
 * json_int.h
 *	  The JSON walk shared by the json message decoder and the jsonschema
 *	  compiler, and the compiled form of a JSON schema.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_JSON_INT_H
#define HD_JSON_INT_H

#include "decode_int.h"

/* Walk JSON text, reporting it to v (see json.c) */
extern int	hd_json_walk(const uint8_t *text, size_t len, const HdVisitor *v,
						 void *ctx, HdError *err);

/* What a JSON schema says of a value, as far as signal paths care */
typedef struct JsNode
{
	HdNodeKind	kind;			/* OBJECT, ARRAY, NUMBER, OTHER or ANY */
	bool		open;			/* OBJECT: other member names allowed */
	int			nprops;
	const char **names;			/* OBJECT: listed properties */
	const struct JsNode **props;
	const struct JsNode *items; /* ARRAY: element schema, NULL if any */
} JsNode;

#endif							/* HD_JSON_INT_H */
