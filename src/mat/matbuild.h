/*-------------------------------------------------------------------------
 *
 * matbuild.h
 *	  Building MATLAB files over libmatio, without PostgreSQL: valid and
 *	  unique MATLAB names, column buffers (double N x K padded with NaN,
 *	  logical, cell arrays of char), and an output file in one of three
 *	  formats.
 *
 * v5 and v7 (MAT 5, uncompressed or zlib) write each variable whole:
 * libmatio writes it uncompressed to a scratch file beside the output,
 * and it is copied (v5) or zlib-compressed (v7, as the miCOMPRESSED
 * element MATLAB writes) into the output in pieces of MB_PIECE bytes,
 * the cancel callback asked between pieces.  v7.3
 * (HDF5) can also stream: a double or logical column is appended to a
 * temporary top-level dataset in batches (Mat_VarWriteAppend), and the
 * struct tree that holds it is put together by linking those datasets
 * into groups when the file is finished (mb_finish), so memory does not
 * grow with the number of rows.
 *
 * Errors are returned, with a message in an MbError; nothing here prints
 * or exits.  Memory comes from malloc and is released by the free
 * functions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MATBUILD_H
#define HDAQ_MATBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <matio.h>

#define MB_NAME_MAX 63			/* longest MATLAB identifier */
#define MB_ERROR_SIZE 320

typedef struct MbError
{
	char		message[MB_ERROR_SIZE];
	bool		canceled;		/* stopped because the cancel callback said so */
} MbError;

/*
 * Asked between pieces of long work (compressing a variable, copying it,
 * finishing a v7.3 file): true to stop.  The work then fails with
 * err->canceled set; the callback itself must return (never jump out).
 */
typedef bool (*MbCancelFn) (void *arg);

/* ---- names ----------------------------------------------------------------- */

/*
 * A valid MATLAB identifier from any bytes: characters other than ASCII
 * letters, digits and '_' become '_', leading underscores are dropped, a
 * leading digit gets an 'x' before it, an empty name becomes "x", a
 * keyword gets a trailing '_', and the result is cut to 63 characters.
 * out needs MB_NAME_MAX + 1 bytes.
 */
extern void mb_clean_name(const char *src, size_t len, char *out);

/*
 * The names already used in one scope (a file's variables, a struct's
 * fields): a hash set, each name with the next suffix to try when it is
 * asked for again, so that making n names unique takes time linear in n
 * even when they all clean to the same name.
 */
typedef struct MbNameEntry
{
	char	   *name;			/* NULL: a free slot */
	uint32_t	next_suffix;
} MbNameEntry;

typedef struct MbNameSet
{
	MbNameEntry *slots;
	size_t		count;
	size_t		cap;			/* a power of two, or 0 */
	size_t		bytes;			/* memory held, for accounting */
} MbNameSet;

extern void mb_nameset_init(MbNameSet *set);
extern void mb_nameset_free(MbNameSet *set);

/*
 * Clean a name and make it unique in the set ("name", "name_2",
 * "name_3", ...), then add it.  False when out of memory.
 */
extern bool mb_unique_name(MbNameSet *set, const char *src, size_t len,
						   char *out);

/* ---- strings --------------------------------------------------------------- */

/*
 * UTF-8 bytes as UTF-16 code units (invalid sequences become U+FFFD): a
 * malloc'd array, its length in *units.  NULL when out of memory; an
 * empty string gives a non-NULL array of length 0.
 */
extern uint16_t *mb_utf16_from_utf8(const char *s, size_t len, size_t *units);

/* A char row vector (1 x n) of a UTF-8 string; NULL when out of memory. */
extern matvar_t *mb_char_var(const char *name, const char *utf8);

/* ---- output files ------------------------------------------------------------ */

typedef enum MbFormat
{
	MB_FORMAT_V5,				/* MAT 5, uncompressed */
	MB_FORMAT_V7,				/* MAT 5, zlib */
	MB_FORMAT_V73				/* HDF5 */
} MbFormat;

/* "v5", "v7", "v7.3"; false for anything else. */
extern bool mb_parse_format(const char *text, MbFormat *format);

typedef struct MbFile MbFile;

/* Bytes copied or compressed between two questions to the cancel callback. */
#define MB_PIECE (1024 * 1024)

extern MbFile *mb_create(const char *path, MbFormat format, MbError *err);

/* Ask fn(arg) between pieces of long work from now on. */
extern void mb_set_cancel(MbFile *f, MbCancelFn fn, void *arg);

/* True (and err filled) when the cancel callback asks to stop. */
extern bool mb_canceled(MbFile *f, MbError *err);
extern MbFormat mb_format(const MbFile *f);

/* Whether columns may be appended in batches (v7.3). */
extern bool mb_streams(const MbFile *f);

/* Write a whole variable; the variable is freed, also on failure. */
extern bool mb_write(MbFile *f, matvar_t *var, MbError *err);

/*
 * A name for a temporary top-level dataset of a v7.3 file ("hdaq_tmp_N"),
 * unique in the file; out needs MB_NAME_MAX + 1 bytes.
 */
extern void mb_temp_name(MbFile *f, char *out);

/*
 * Deferred v7.3 operations, applied in order by mb_finish: make a group
 * that MATLAB reads as a 1 x 1 struct with these fields (path "/a/b"),
 * hard-link a dataset under another path, delete a link, mark a uint8
 * dataset as logical.
 */
extern bool mb_plan_struct(MbFile *f, const char *path,
						   char *const *fields, int nfields, MbError *err);
extern bool mb_plan_link(MbFile *f, const char *target, const char *link,
						 MbError *err);
extern bool mb_plan_delete(MbFile *f, const char *path, MbError *err);
extern bool mb_plan_logical(MbFile *f, const char *path, MbError *err);

/* Close the file and apply the plan.  f is freed either way. */
extern bool mb_finish(MbFile *f, MbError *err);

/* Close and free without finishing (after an error). */
extern void mb_discard(MbFile *f);

/* ---- columns ------------------------------------------------------------------ */

typedef enum MbClass
{
	MB_DOUBLE,					/* N x K double, NaN where absent */
	MB_LOGICAL,					/* N x K logical, false where absent */
	MB_CELL						/* N x K cell of char, '' where absent */
} MbClass;

/*
 * A column of rows x width values, column-major.  A streamed column
 * holds at most cap rows at a time: rows before 'flushed' were appended
 * to its temporary dataset (tmpname) already.
 */
typedef struct MbColumn
{
	MbClass		cls;
	size_t		width;
	size_t		cap;			/* rows held in memory */
	size_t		flushed;		/* rows already appended (streamed) */
	bool		streamed;
	char		tmpname[MB_NAME_MAX + 1];
	double	   *d;
	uint8_t    *l;
	uint16_t  **s;				/* UTF-16 strings, NULL = '' */
	size_t	   *slen;
} MbColumn;

/*
 * Allocate a column holding cap rows.  When streamed, the file must
 * stream and the class must be double or logical.
 */
extern bool mb_column_init(MbColumn *c, MbClass cls, size_t cap, size_t width,
						   bool streamed, MbFile *f, MbError *err);
extern void mb_column_free(MbColumn *c);

/*
 * A column held whole that grows as its values arrive: make it hold at
 * least cap rows of width values (neither shrinks), the values kept in
 * their row and column, the new ones absent (NaN, false, '').  Only for a
 * column that is not streamed.  False when out of memory or when the size
 * does not fit in memory at all (the column is then unchanged).
 */
extern bool mb_column_grow(MbColumn *c, size_t cap, size_t width);

/* Bytes a column's buffers hold (not its strings' text). */
extern uint64_t mb_column_held_bytes(const MbColumn *c);

/* Bytes the buffers of one row take (width values). */
extern uint64_t mb_column_row_bytes(MbClass cls, size_t width);

/*
 * A double column made logical: each value v becomes v != 0, as
 * mb_column_set_double sets a logical column.  False when out of memory
 * (the column is then unchanged).
 */
extern bool mb_column_to_logical(MbColumn *c);

/*
 * Make room for absolute row 'row' of a streamed column by appending the
 * rows before it in full batches (a no-op for one held whole).  Returns
 * the row's index in memory, or -1 on failure.
 */
extern int64_t mb_column_reach(MbColumn *c, MbFile *f, size_t row,
							   MbError *err);

extern void mb_column_set_double(MbColumn *c, size_t row, size_t col, double v);
extern void mb_column_set_logical(MbColumn *c, size_t row, size_t col, bool v);
extern bool mb_column_set_string(MbColumn *c, size_t row, size_t col,
								 const char *utf8, size_t len);

/* Bytes that rows x width values of a class take in a MAT 5 file. */
extern uint64_t mb_column_bytes(MbClass cls, uint64_t rows, uint64_t width);

/*
 * The column's first nrows rows as a variable (numeric data is shared,
 * not copied: keep the column until the variable is written).  NULL when
 * out of memory.
 */
extern matvar_t *mb_column_var(MbColumn *c, const char *name, size_t nrows);

/*
 * Make a v7.3 column of nrows rows complete under its temporary name
 * (tmpname): a streamed column appends its last rows, one held whole is
 * written.
 */
extern bool mb_column_finish(MbColumn *c, MbFile *f, size_t nrows,
							 MbError *err);

/*
 * Put a column of nrows rows in place at 'path' of a v7.3 file: a
 * streamed column appends its last rows and is linked there; one held
 * whole is written under a temporary name and linked.
 */
extern bool mb_column_place(MbColumn *c, MbFile *f, size_t nrows,
							const char *path, MbError *err);

/* A struct variable with these fields (the fields are owned by it after). */
extern matvar_t *mb_struct_var(const char *name, matvar_t **fields, int nfields);

/* Write a whole variable of a v7.3 file at 'path' (through a temporary name). */
extern bool mb_place_var(MbFile *f, matvar_t *var, const char *path,
						 MbError *err);

/* ---- whole variables from buffers ------------------------------------------------ */

/* rows x width values, column-major; shared (not copied) when share. */
extern matvar_t *mb_double_var(const char *name, double *data, size_t rows,
							   size_t width, bool share);
extern matvar_t *mb_logical_var(const char *name, uint8_t *data, size_t rows,
								size_t width, bool share);
extern matvar_t *mb_int64_var(const char *name, int64_t value);

/* A rows x width cell of char from UTF-8 strings (NULL: ''), column-major. */
extern matvar_t *mb_cell_var(const char *name, const char *const *strs,
							 const size_t *lens, size_t rows, size_t width);

/*
 * v7.3: append rows x width values (double, or logical as uint8: mark it
 * with mb_plan_logical) to the top-level dataset 'name', creating it the
 * first time.
 */
extern bool mb_append_rows(MbFile *f, const char *name, MbClass cls,
						   void *data, size_t rows, size_t width, MbError *err);

#endif							/* HDAQ_MATBUILD_H */
