/*-------------------------------------------------------------------------
 *
 * matvars.c
 *	  Whole MATLAB variables from buffers: text as UTF-16 char arrays,
 *	  double, logical and int64 arrays, cells of char, structs, and a
 *	  variable put at a path of a v7.3 file.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild_int.h"

#include <stdlib.h>
#include <string.h>

#include "hd_utf8.h"

/* The code point at s (of n bytes), its length in *used; U+FFFD when invalid. */
static uint32_t
utf8_next(const unsigned char *s, size_t n, size_t *used)
{
	uint32_t	cp;

	*used = hd_utf8_decode(s, n, &cp);
	if (*used == 0)
	{
		*used = 1;
		return 0xFFFD;
	}
	return cp;
}

uint16_t *
mb_utf16_from_utf8(const char *s, size_t len, size_t *units)
{
	uint16_t   *out = malloc(sizeof(uint16_t) * (len > 0 ? len : 1));
	size_t		n = 0;
	size_t		i = 0;

	if (out == NULL)
		return NULL;
	while (i < len)
	{
		size_t		used;
		uint32_t	cp = utf8_next((const unsigned char *) s + i, len - i, &used);

		i += used;
		if (cp == 0)
			cp = 0xFFFD;		/* NUL cannot be part of a MATLAB text here */
		if (cp >= 0x10000)
		{
			/* 4 UTF-8 bytes become 2 UTF-16 units: the buffer has room */
			cp -= 0x10000;
			out[n++] = (uint16_t) (0xD800 + (cp >> 10));
			out[n++] = (uint16_t) (0xDC00 + (cp & 0x3FF));
		}
		else
			out[n++] = (uint16_t) cp;
	}
	*units = n;
	return out;
}

/* A char variable over UTF-16 units (shared when share, else copied). */
matvar_t *
mb_utf16_var(const char *name, uint16_t *units, size_t n, bool share)
{
	size_t		dims[2] = {n > 0 ? 1 : 0, n};

	return Mat_VarCreate(name, MAT_C_CHAR, MAT_T_UINT16, 2, dims,
						 n > 0 ? units : NULL,
						 share ? MAT_F_DONT_COPY_DATA : 0);
}

matvar_t *
mb_char_var(const char *name, const char *utf8)
{
	size_t		n;
	uint16_t   *units = mb_utf16_from_utf8(utf8, strlen(utf8), &n);
	matvar_t   *var;

	if (units == NULL)
		return NULL;
	var = mb_utf16_var(name, units, n, false);
	free(units);
	return var;
}

matvar_t *
mb_struct_var(const char *name, matvar_t **fields, int nfields)
{
	size_t		dims[2] = {1, 1};
	const char **names = calloc(nfields > 0 ? nfields : 1, sizeof(char *));
	matvar_t   *var;

	if (names == NULL)
		return NULL;
	for (int i = 0; i < nfields; i++)
		names[i] = fields[i]->name;
	var = Mat_VarCreateStruct(name, 2, dims, names, (unsigned) nfields);
	free(names);
	if (var == NULL)
	{
		for (int i = 0; i < nfields; i++)
			Mat_VarFree(fields[i]);
		return NULL;
	}
	for (int i = 0; i < nfields; i++)
		Mat_VarSetStructFieldByIndex(var, (size_t) i, 0, fields[i]);
	return var;
}

matvar_t *
mb_double_var(const char *name, double *data, size_t rows, size_t width,
			  bool share)
{
	size_t		dims[2] = {rows, width};

	return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims,
						 rows * width > 0 ? data : NULL,
						 share ? MAT_F_DONT_COPY_DATA : 0);
}

matvar_t *
mb_logical_var(const char *name, uint8_t *data, size_t rows, size_t width,
			   bool share)
{
	size_t		dims[2] = {rows, width};

	return Mat_VarCreate(name, MAT_C_UINT8, MAT_T_UINT8, 2, dims,
						 rows * width > 0 ? data : NULL,
						 MAT_F_LOGICAL | (share ? MAT_F_DONT_COPY_DATA : 0));
}

matvar_t *
mb_int64_var(const char *name, int64_t value)
{
	size_t		dims[2] = {1, 1};

	return Mat_VarCreate(name, MAT_C_INT64, MAT_T_INT64, 2, dims, &value, 0);
}

matvar_t *
mb_cell_var(const char *name, const char *const *strs, const size_t *lens,
			size_t rows, size_t width)
{
	size_t		dims[2] = {rows, width};
	matvar_t   *cell = Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);

	if (cell == NULL)
		return NULL;
	for (size_t i = 0; i < rows * width; i++)
	{
		size_t		n = 0;
		uint16_t   *units = mb_utf16_from_utf8(strs[i] ? strs[i] : "",
											   strs[i] ? lens[i] : 0, &n);
		matvar_t   *s = units ? mb_utf16_var(NULL, units, n, false) : NULL;

		free(units);
		if (s == NULL)
		{
			Mat_VarFree(cell);
			return NULL;
		}
		Mat_VarSetCell(cell, (int) i, s);
	}
	return cell;
}

bool
mb_place_var(MbFile *f, matvar_t *var, const char *path, MbError *err)
{
	char		tmp[MB_NAME_MAX + 2];

	if (var == NULL)
		return mb_no_memory(err);
	mb_temp_name(f, tmp);
	free(var->name);
	var->name = strdup(tmp);
	if (var->name == NULL)
	{
		Mat_VarFree(var);
		return mb_no_memory(err);
	}
	if (!mb_write(f, var, err))
		return false;
	memmove(tmp + 1, tmp, strlen(tmp) + 1);
	tmp[0] = '/';
	return mb_plan_link(f, tmp, path, err) && mb_plan_delete(f, tmp, err);
}
