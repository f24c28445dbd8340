/*-------------------------------------------------------------------------
 *
 * matcolumn.c
 *	  Column buffers of a MAT file: N x K double (NaN where absent),
 *	  logical or cell of char, held whole or streamed to a v7.3 file in
 *	  batches, and put in place as variables.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
column_clear(MbColumn *c)
{
	size_t		n = c->cap * c->width;

	if (c->cls == MB_DOUBLE)
		for (size_t i = 0; i < n; i++)
			c->d[i] = NAN;
	else if (c->cls == MB_LOGICAL)
		memset(c->l, 0, n);
	else
	{
		for (size_t i = 0; i < n; i++)
			free(c->s[i]);
		memset(c->s, 0, sizeof(uint16_t *) * n);
		memset(c->slen, 0, sizeof(size_t) * n);
	}
}

bool
mb_column_init(MbColumn *c, MbClass cls, size_t cap, size_t width,
			   bool streamed, MbFile *f, MbError *err)
{
	size_t		n;

	memset(c, 0, sizeof(MbColumn));
	c->cls = cls;
	c->width = width;
	c->streamed = streamed && width > 0;
	c->cap = cap;
	if (c->streamed)
		mb_temp_name(f, c->tmpname);
	if (width > 0 && cap > SIZE_MAX / width / sizeof(double))
		return mb_no_memory(err);
	n = cap * width;
	if (n == 0)
		return true;
	if (cls == MB_DOUBLE)
		c->d = malloc(sizeof(double) * n);
	else if (cls == MB_LOGICAL)
		c->l = malloc(n);
	else
	{
		c->s = calloc(n, sizeof(uint16_t *));
		c->slen = calloc(n, sizeof(size_t));
	}
	if (c->d == NULL && c->l == NULL && (c->s == NULL || c->slen == NULL))
	{
		mb_column_free(c);
		return mb_no_memory(err);
	}
	column_clear(c);
	return true;
}

void
mb_column_free(MbColumn *c)
{
	if (c->s != NULL)
		for (size_t i = 0; i < c->cap * c->width; i++)
			free(c->s[i]);
	free(c->s);
	free(c->slen);
	free(c->d);
	free(c->l);
	c->s = NULL;
	c->slen = NULL;
	c->d = NULL;
	c->l = NULL;
}

/* ---- columns that grow ---------------------------------------------------------- */

static size_t
element_bytes(MbClass cls)
{
	switch (cls)
	{
		case MB_DOUBLE:
			return sizeof(double);
		case MB_LOGICAL:
			return 1;
		case MB_CELL:
			return sizeof(uint16_t *) + sizeof(size_t);
	}
	return 0;
}

uint64_t
mb_column_row_bytes(MbClass cls, size_t width)
{
	return (uint64_t) element_bytes(cls) * width;
}

uint64_t
mb_column_held_bytes(const MbColumn *c)
{
	return (uint64_t) c->cap * mb_column_row_bytes(c->cls, c->width);
}

/* n doubles NaN: the absent value of a double column. */
static void
fill_nan(double *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = NAN;
}

/*
 * A column-major buffer of old_cap x old_width elements of 'size' bytes
 * reallocated as cap x width, each value kept in its row and column; the
 * new elements are left for the caller to set.  NULL when out of memory
 * (buf is then unchanged).  Columns move from the last to the first, each
 * to a place at or after its old one, so none is overwritten before it
 * has moved.
 */
static char *
regrid(char *buf, size_t size, size_t old_cap, size_t old_width,
	   size_t cap, size_t width)
{
	char	   *b = realloc(buf, size * cap * width);

	if (b == NULL)
		return NULL;
	if (cap != old_cap)
		for (size_t k = old_width; k-- > 1;)
			memmove(b + size * k * cap, b + size * k * old_cap, size * old_cap);
	return b;
}

/* Set the elements regrid left: the rows past old_cap, the columns past old_width. */
static void
fill_new_double(double *d, size_t old_cap, size_t old_width, size_t cap,
				size_t width)
{
	for (size_t k = 0; k < old_width; k++)
		fill_nan(d + k * cap + old_cap, cap - old_cap);
	fill_nan(d + old_width * cap, (width - old_width) * cap);
}

static void
fill_new_logical(uint8_t *l, size_t old_cap, size_t old_width, size_t cap,
				 size_t width)
{
	for (size_t k = 0; k < old_width; k++)
		memset(l + k * cap + old_cap, 0, cap - old_cap);
	memset(l + old_width * cap, 0, (width - old_width) * cap);
}

/* A cell column's arrays copied into new ones (calloc: NULL is ''). */
static bool
grow_cells(MbColumn *c, size_t cap, size_t width)
{
	uint16_t  **s = calloc(cap * width, sizeof(uint16_t *));
	size_t	   *slen = calloc(cap * width, sizeof(size_t));

	if (s == NULL || slen == NULL)
	{
		free(s);
		free(slen);
		return false;
	}
	for (size_t k = 0; k < c->width; k++)
	{
		memcpy(s + k * cap, c->s + k * c->cap, sizeof(uint16_t *) * c->cap);
		memcpy(slen + k * cap, c->slen + k * c->cap, sizeof(size_t) * c->cap);
	}
	free(c->s);
	free(c->slen);
	c->s = s;
	c->slen = slen;
	return true;
}

bool
mb_column_grow(MbColumn *c, size_t cap, size_t width)
{
	size_t		old_cap = c->cap;
	size_t		old_width = c->width;
	char	   *b;

	if (cap < old_cap)
		cap = old_cap;
	if (width < old_width)
		width = old_width;
	if (cap == old_cap && width == old_width)
		return true;
	if (c->streamed || (width > 0 && cap > SIZE_MAX / width / 16))
		return false;
	if (cap * width > 0)
	{
		switch (c->cls)
		{
			case MB_DOUBLE:
				if ((b = regrid((char *) c->d, sizeof(double), old_cap, old_width,
								cap, width)) == NULL)
					return false;
				c->d = (double *) b;
				fill_new_double(c->d, old_cap, old_width, cap, width);
				break;
			case MB_LOGICAL:
				if ((b = regrid((char *) c->l, 1, old_cap, old_width, cap,
								width)) == NULL)
					return false;
				c->l = (uint8_t *) b;
				fill_new_logical(c->l, old_cap, old_width, cap, width);
				break;
			case MB_CELL:
				if (!grow_cells(c, cap, width))
					return false;
				break;
		}
	}
	c->cap = cap;
	c->width = width;
	return true;
}

bool
mb_column_to_logical(MbColumn *c)
{
	size_t		n = c->cap * c->width;
	uint8_t    *l;

	if (c->cls != MB_DOUBLE || c->streamed)
		return c->cls == MB_LOGICAL;
	l = malloc(n > 0 ? n : 1);
	if (l == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		l[i] = c->d[i] != 0;
	free(c->d);
	c->d = NULL;
	c->l = l;
	c->cls = MB_LOGICAL;
	return true;
}

/* ---- appending to a v7.3 file ---------------------------------------------------- */

bool
mb_append_rows(MbFile *f, const char *name, MbClass cls, void *data,
			   size_t rows, size_t width, MbError *err)
{
	size_t		dims[2] = {rows, width};
	matvar_t   *var;
	int			rc;

	if (cls == MB_DOUBLE)
		var = Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, data,
							MAT_F_DONT_COPY_DATA);
	else
		var = Mat_VarCreate(name, MAT_C_UINT8, MAT_T_UINT8, 2, dims, data,
							MAT_F_DONT_COPY_DATA);
	if (var == NULL)
		return mb_no_memory(err);
	/* rows are MATLAB's first dimension */
	rc = Mat_VarWriteAppend(f->mat, var, mb_compression(f), 1);
	Mat_VarFree(var);
	if (rc != 0)
		return mb_fail(err, "cannot append to a variable of the MAT file");
	return true;
}

/* Append the first rows rows of a streamed column to its dataset. */
static bool
column_append(MbColumn *c, MbFile *f, size_t rows, MbError *err)
{
	if (c->cls == MB_CELL)
	{
		if (!mb_cell_append(c, f, rows, err))
			return false;
	}
	else if (!mb_append_rows(f, c->tmpname, c->cls,
						c->cls == MB_DOUBLE ? (void *) c->d : (void *) c->l,
						rows, c->width, err))
		return false;
	c->flushed += rows;
	column_clear(c);
	return true;
}

/*
 * Rows of a column-major buffer of cap rows appended as 'rows' rows: the
 * layout is right only when rows == cap, or when moved down first.
 */
static void
compact_rows(MbColumn *c, size_t rows)
{
	if (rows == c->cap || c->cls == MB_CELL)
		return;
	for (size_t k = 1; k < c->width; k++)
	{
		if (c->cls == MB_DOUBLE)
			memmove(c->d + k * rows, c->d + k * c->cap, sizeof(double) * rows);
		else
			memmove(c->l + k * rows, c->l + k * c->cap, rows);
	}
}

int64_t
mb_column_reach(MbColumn *c, MbFile *f, size_t row, MbError *err)
{
	if (!c->streamed)
		return (int64_t) row;
	while (row - c->flushed >= c->cap)
		if (!column_append(c, f, c->cap, err))
			return -1;
	return (int64_t) (row - c->flushed);
}

void
mb_column_set_double(MbColumn *c, size_t row, size_t col, double v)
{
	if (c->cls == MB_DOUBLE)
		c->d[col * c->cap + row] = v;
	else if (c->cls == MB_LOGICAL)
		c->l[col * c->cap + row] = v != 0;
}

void
mb_column_set_logical(MbColumn *c, size_t row, size_t col, bool v)
{
	if (c->cls == MB_LOGICAL)
		c->l[col * c->cap + row] = v;
	else if (c->cls == MB_DOUBLE)
		c->d[col * c->cap + row] = v ? 1.0 : 0.0;
}

bool
mb_column_set_string(MbColumn *c, size_t row, size_t col, const char *utf8,
					 size_t len)
{
	size_t		i = col * c->cap + row;

	if (c->cls != MB_CELL)
		return true;
	free(c->s[i]);
	c->s[i] = mb_utf16_from_utf8(utf8, len, &c->slen[i]);
	return c->s[i] != NULL;
}

uint64_t
mb_column_bytes(MbClass cls, uint64_t rows, uint64_t width)
{
	uint64_t	n = rows * width;

	switch (cls)
	{
		case MB_DOUBLE:
			return 64 + n * 8;
		case MB_LOGICAL:
			return 64 + n;
		case MB_CELL:
			return 64 + n * 64;	/* per element; the characters come on top */
	}
	return 0;
}

matvar_t *
mb_column_var(MbColumn *c, const char *name, size_t nrows)
{
	size_t		dims[2] = {nrows, c->width};
	matvar_t   *cell;

	if (c->cls == MB_DOUBLE)
	{
		compact_rows(c, nrows);
		return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims,
							 nrows * c->width > 0 ? c->d : NULL, MAT_F_DONT_COPY_DATA);
	}
	if (c->cls == MB_LOGICAL)
	{
		compact_rows(c, nrows);
		return Mat_VarCreate(name, MAT_C_UINT8, MAT_T_UINT8, 2, dims,
							 nrows * c->width > 0 ? c->l : NULL,
							 MAT_F_DONT_COPY_DATA | MAT_F_LOGICAL);
	}
	cell = Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);
	if (cell == NULL)
		return NULL;
	for (size_t k = 0; k < c->width; k++)
		for (size_t r = 0; r < nrows; r++)
		{
			size_t		i = k * c->cap + r;
			matvar_t   *s = mb_utf16_var(NULL, c->s[i], c->slen[i], true);

			if (s == NULL)
			{
				Mat_VarFree(cell);
				return NULL;
			}
			Mat_VarSetCell(cell, (int) (k * nrows + r), s);
		}
	return cell;
}

bool
mb_column_finish(MbColumn *c, MbFile *f, size_t nrows, MbError *err)
{
	matvar_t   *var;

	if (!c->streamed || nrows == 0)
	{
		mb_temp_name(f, c->tmpname);
		var = mb_column_var(c, c->tmpname, nrows);
		c->streamed = false;
		return mb_write(f, var, err);
	}
	while (nrows - c->flushed > c->cap)
		if (!column_append(c, f, c->cap, err))
			return false;
	if (nrows > c->flushed)
	{
		compact_rows(c, nrows - c->flushed);
		if (!column_append(c, f, nrows - c->flushed, err))
			return false;
	}
	return true;
}

bool
mb_column_place(MbColumn *c, MbFile *f, size_t nrows, const char *path,
				MbError *err)
{
	bool		append_logical = c->streamed && c->cls == MB_LOGICAL && nrows > 0;
	char		tmp[MB_NAME_MAX + 2];

	if (!mb_column_finish(c, f, nrows, err))
		return false;
	snprintf(tmp, sizeof(tmp), "/%s", c->tmpname);
	return mb_plan_link(f, tmp, path, err) &&
		mb_plan_delete(f, tmp, err) &&
		(!append_logical || mb_plan_logical(f, path, err));
}
