/*-------------------------------------------------------------------------
 *
 * matbuild_int.h
 *	  What the files of the MAT builder share and nothing else sees: the
 *	  output file, its plan of deferred v7.3 operations, and the helpers
 *	  one file gives another.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MATBUILD_INT_H
#define HDAQ_MATBUILD_INT_H

#include "matbuild.h"

#include <stdio.h>

#include <hdf5.h>

/* A deferred v7.3 operation (matplan.c) */
typedef enum MbOpKind
{
	MB_OP_STRUCT,
	MB_OP_LINK,
	MB_OP_DELETE,
	MB_OP_LOGICAL
} MbOpKind;

typedef struct MbOp
{
	MbOpKind	kind;
	char	   *a;				/* path (target of a link) */
	char	   *b;				/* the link's path */
	char	  **fields;
	int			nfields;
} MbOp;

/* An output file (matfile.c) */
struct MbFile
{
	mat_t	   *mat;			/* v7.3 */
	char	   *path;
	MbFormat	format;
	FILE	   *out;			/* v5, v7: the output */
	char	   *scratch;		/* v5, v7: where libmatio writes a variable */
	MbCancelFn	cancel;
	void	   *cancel_arg;
	int			next_temp;
	hid_t		h5;				/* v7.3: the same file, for text columns */
	hid_t		refs;			/* its group "#refs#" */
	hid_t		strings;		/* the subgroup strings go to now */
	uint64_t	next_ref;
	MbOp	   *ops;
	int			nops;
	int			capops;
};

/* matfile.c: errors, with the message libmatio logged last after what */
extern bool mb_fail(MbError *err, const char *what);
extern bool mb_no_memory(MbError *err);
extern enum matio_compression mb_compression(const MbFile *f);

/* matplan.c: applying and freeing the plan, HDF5 attributes */
extern bool mb_apply_plan(MbFile *f, MbError *err);
extern void mb_free_plan(MbFile *f);
extern bool mb_set_string_attr(hid_t obj, const char *name, const char *value);
extern bool mb_set_int_attr(hid_t obj, const char *name, int value);

/* matrefs.c: text columns of v7.3 files */
extern bool mb_open_refs(MbFile *f);
extern bool mb_cell_append(MbColumn *c, MbFile *f, size_t rows, MbError *err);

/* matv5.c: the output of v5 and v7 files */
extern bool mb_v5_open(MbFile *f, MbError *err);
extern bool mb_v5_write(MbFile *f, matvar_t *var, MbError *err);
extern bool mb_v5_close(MbFile *f, MbError *err);

/* matvars.c: a char array over UTF-16 units (shared when share, else copied) */
extern matvar_t *mb_utf16_var(const char *name, uint16_t *units, size_t n,
							  bool share);

#endif							/* HDAQ_MATBUILD_INT_H */
