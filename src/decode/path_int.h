/*-------------------------------------------------------------------------
 *
 * path_int.h
 *	  A compiled signal path, shared by the compiling (path.c) and the
 *	  extracting (path_extract.c) of signal paths.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_PATH_INT_H
#define HD_PATH_INT_H

#include "decode_int.h"

/* Containers a walk may be inside while picking: structs and arrays */
#define HD_PATH_MAX_LEVELS (2 * HD_MAX_DEPTH + 4)

typedef struct PathStep
{
	size_t		text_end;		/* where the step ends in the path's text */
	bool		is_index;
	const char *name;			/* a field name or map key */
	size_t		len;
	int64_t		index;
} PathStep;

struct HdPath
{
	const HdDecoder *decoder;
	int			nsteps;
	PathStep   *steps;
	const HdSchemaOps *ops;		/* the decoder's, for the compiled form */
	void	   *compiled;		/* ops->compile_path's form, or NULL */
};

#endif							/* HD_PATH_INT_H */
