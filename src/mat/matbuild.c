/*-------------------------------------------------------------------------
 *
 * matbuild.c
 *	  MATLAB names, strings, column buffers and output files over libmatio
 *	  (see matbuild.h).  The v7.3 struct tree is finished with a few HDF5
 *	  calls after libmatio has closed the file: groups that MATLAB reads as
 *	  structs (attributes MATLAB_class and MATLAB_fields, as libmatio
 *	  writes them), hard links that put the streamed datasets in place,
 *	  and the attributes that make a uint8 dataset logical.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "hd_utf8.h"

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

struct MbFile
{
	mat_t	   *mat;
	char	   *path;
	MbFormat	format;
	int			next_temp;
	hid_t		h5;				/* v7.3: the same file, for text columns */
	hid_t		refs;			/* its group "#refs#" */
	hid_t		strings;		/* the subgroup strings go to now */
	uint64_t	next_ref;
	MbOp	   *ops;
	int			nops;
	int			capops;
};

/*
 * The last message libmatio logged: its errors are reported through a log
 * function, not returned.  One backend or program runs one export at a
 * time, so one buffer is enough.
 */
static char matio_message[MB_ERROR_SIZE];

static bool open_refs(MbFile *f);
static bool matio_logging;

static void
capture_matio_log(int level, char *message)
{
	if (level <= 4)				/* errors, critical messages, warnings */
		snprintf(matio_message, sizeof(matio_message), "%s", message);
}

static bool
fail(MbError *err, const char *what)
{
	size_t		n = strlen(what);

	if (n >= sizeof(err->message))
		n = sizeof(err->message) - 1;
	memcpy(err->message, what, n);
	err->message[n] = '\0';
	if (matio_message[0] != '\0' && n + 2 < sizeof(err->message))
	{
		size_t		room = sizeof(err->message) - n - 3;
		size_t		m = strlen(matio_message);

		memcpy(err->message + n, ": ", 2);
		memcpy(err->message + n + 2, matio_message, m < room ? m : room);
		err->message[n + 2 + (m < room ? m : room)] = '\0';
	}
	matio_message[0] = '\0';
	return false;
}

static bool
no_memory(MbError *err)
{
	snprintf(err->message, sizeof(err->message), "out of memory");
	return false;
}

/* ---- names ----------------------------------------------------------------- */

static const char *const matlab_keywords[] = {
	"break", "case", "catch", "classdef", "continue", "else", "elseif",
	"end", "for", "function", "global", "if", "otherwise", "parfor",
	"persistent", "return", "spmd", "switch", "try", "while", NULL
};

void
mb_clean_name(const char *src, size_t len, char *out)
{
	size_t		n = 0;
	size_t		i = 0;

	while (i < len && !isalnum((unsigned char) src[i]))
		i++;					/* leading '_' and other characters */
	if (i < len && isdigit((unsigned char) src[i]))
		out[n++] = 'x';
	for (; i < len && n < MB_NAME_MAX; i++)
	{
		unsigned char c = (unsigned char) src[i];

		out[n++] = (c < 128 && (isalnum(c) || c == '_')) ? (char) c : '_';
	}
	if (n == 0)
		out[n++] = 'x';
	out[n] = '\0';
	for (const char *const *k = matlab_keywords; *k; k++)
		if (strcmp(out, *k) == 0)
		{
			out[n++] = '_';
			out[n] = '\0';
			break;
		}
}

void
mb_nameset_init(MbNameSet *set)
{
	memset(set, 0, sizeof(MbNameSet));
}

void
mb_nameset_free(MbNameSet *set)
{
	for (int i = 0; i < set->count; i++)
		free(set->names[i]);
	free(set->names);
	memset(set, 0, sizeof(MbNameSet));
}

static bool
nameset_has(const MbNameSet *set, const char *name)
{
	for (int i = 0; i < set->count; i++)
		if (strcmp(set->names[i], name) == 0)
			return true;
	return false;
}

bool
mb_unique_name(MbNameSet *set, const char *src, size_t len, char *out)
{
	char		base[MB_NAME_MAX + 1];

	mb_clean_name(src, len, base);
	strcpy(out, base);
	for (int suffix = 2; nameset_has(set, out); suffix++)
	{
		char		tail[16];
		size_t		tlen = (size_t) snprintf(tail, sizeof(tail), "_%d", suffix);
		size_t		keep = strlen(base);

		if (keep + tlen > MB_NAME_MAX)
			keep = MB_NAME_MAX - tlen;
		memcpy(out, base, keep);
		memcpy(out + keep, tail, tlen + 1);
	}
	if (set->count == set->cap)
	{
		int			cap = set->cap ? set->cap * 2 : 16;
		char	  **grown = realloc(set->names, sizeof(char *) * cap);

		if (grown == NULL)
			return false;
		set->names = grown;
		set->cap = cap;
	}
	if ((set->names[set->count] = strdup(out)) == NULL)
		return false;
	set->count++;
	return true;
}

/* ---- strings --------------------------------------------------------------- */

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
static matvar_t *
utf16_var(const char *name, uint16_t *units, size_t n, bool share)
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
	var = utf16_var(name, units, n, false);
	free(units);
	return var;
}

/* ---- output files ------------------------------------------------------------ */

bool
mb_parse_format(const char *text, MbFormat *format)
{
	if (strcmp(text, "v5") == 0)
		*format = MB_FORMAT_V5;
	else if (strcmp(text, "v7") == 0)
		*format = MB_FORMAT_V7;
	else if (strcmp(text, "v7.3") == 0)
		*format = MB_FORMAT_V73;
	else
		return false;
	return true;
}

MbFile *
mb_create(const char *path, MbFormat format, MbError *err)
{
	MbFile	   *f = calloc(1, sizeof(MbFile));

	if (!matio_logging)
	{
		Mat_LogInitFunc("hdaq", capture_matio_log);
		matio_logging = true;
	}
	matio_message[0] = '\0';
	if (f == NULL || (f->path = strdup(path)) == NULL)
	{
		free(f);
		no_memory(err);
		return NULL;
	}
	f->format = format;
	f->h5 = -1;
	f->refs = -1;
	f->strings = -1;
	if (format == MB_FORMAT_V73)
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);	/* errors are returned */
	f->mat = Mat_CreateVer(path, NULL,
						   format == MB_FORMAT_V73 ? MAT_FT_MAT73 : MAT_FT_MAT5);
	if (f->mat == NULL)
	{
		fail(err, "cannot create the MAT file");
		free(f->path);
		free(f);
		return NULL;
	}
	if (format == MB_FORMAT_V73 && !open_refs(f))
	{
		fail(err, "cannot create the MAT file's references");
		mb_discard(f);
		return NULL;
	}
	return f;
}

MbFormat
mb_format(const MbFile *f)
{
	return f->format;
}

bool
mb_streams(const MbFile *f)
{
	return f->format == MB_FORMAT_V73;
}

static enum matio_compression
compression(const MbFile *f)
{
	return f->format == MB_FORMAT_V5 ? MAT_COMPRESSION_NONE : MAT_COMPRESSION_ZLIB;
}

bool
mb_write(MbFile *f, matvar_t *var, MbError *err)
{
	int			rc;

	if (var == NULL)
		return no_memory(err);
	rc = Mat_VarWrite(f->mat, var, compression(f));
	Mat_VarFree(var);
	if (rc != 0)
		return fail(err, "cannot write a variable of the MAT file");
	return true;
}

void
mb_temp_name(MbFile *f, char *out)
{
	snprintf(out, MB_NAME_MAX + 1, "hdaq_tmp_%d", f->next_temp++);
}

static MbOp *
new_op(MbFile *f, MbOpKind kind, const char *a, const char *b)
{
	MbOp	   *op;

	if (f->nops == f->capops)
	{
		int			cap = f->capops ? f->capops * 2 : 64;
		MbOp	   *grown = realloc(f->ops, sizeof(MbOp) * cap);

		if (grown == NULL)
			return NULL;
		f->ops = grown;
		f->capops = cap;
	}
	op = &f->ops[f->nops];
	memset(op, 0, sizeof(MbOp));
	op->kind = kind;
	op->a = strdup(a);
	op->b = b ? strdup(b) : NULL;
	if (op->a == NULL || (b && op->b == NULL))
	{
		free(op->a);
		free(op->b);
		return NULL;
	}
	f->nops++;
	return op;
}

bool
mb_plan_struct(MbFile *f, const char *path, char *const *fields, int nfields,
			   MbError *err)
{
	MbOp	   *op = new_op(f, MB_OP_STRUCT, path, NULL);

	if (op == NULL)
		return no_memory(err);
	op->fields = calloc(nfields > 0 ? nfields : 1, sizeof(char *));
	if (op->fields == NULL)
		return no_memory(err);
	for (int i = 0; i < nfields; i++)
	{
		if ((op->fields[i] = strdup(fields[i])) == NULL)
			return no_memory(err);
		op->nfields++;
	}
	return true;
}

bool
mb_plan_link(MbFile *f, const char *target, const char *link, MbError *err)
{
	return new_op(f, MB_OP_LINK, target, link) != NULL || no_memory(err);
}

bool
mb_plan_delete(MbFile *f, const char *path, MbError *err)
{
	return new_op(f, MB_OP_DELETE, path, NULL) != NULL || no_memory(err);
}

bool
mb_plan_logical(MbFile *f, const char *path, MbError *err)
{
	return new_op(f, MB_OP_LOGICAL, path, NULL) != NULL || no_memory(err);
}

/* A fixed-length string attribute, as MATLAB_class is written. */
static bool
set_string_attr(hid_t obj, const char *name, const char *value)
{
	hid_t		type = H5Tcopy(H5T_C_S1);
	hid_t		space = H5Screate(H5S_SCALAR);
	hid_t		attr;
	bool		ok = false;

	H5Tset_size(type, strlen(value));
	if (H5Aexists(obj, name) > 0)
		H5Adelete(obj, name);
	attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
	if (attr >= 0)
	{
		ok = H5Awrite(attr, type, value) >= 0;
		H5Aclose(attr);
	}
	H5Sclose(space);
	H5Tclose(type);
	return ok;
}

static bool
set_int_attr(hid_t obj, const char *name, int value)
{
	hid_t		space = H5Screate(H5S_SCALAR);
	hid_t		attr;
	bool		ok = false;

	if (H5Aexists(obj, name) > 0)
		H5Adelete(obj, name);
	attr = H5Acreate2(obj, name, H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT);
	if (attr >= 0)
	{
		ok = H5Awrite(attr, H5T_NATIVE_INT, &value) >= 0;
		H5Aclose(attr);
	}
	H5Sclose(space);
	return ok;
}

/* MATLAB_fields: the field names in order, each a variable-length string of chars. */
static bool
set_fields_attr(hid_t group, char *const *fields, int nfields)
{
	hsize_t		n = (hsize_t) nfields;
	hid_t		chr = H5Tcopy(H5T_C_S1);
	hid_t		vlen;
	hid_t		space;
	hid_t		attr;
	hvl_t	   *buf = calloc(nfields, sizeof(hvl_t));
	bool		ok = false;

	if (buf == NULL)
	{
		H5Tclose(chr);
		return false;
	}
	H5Tset_size(chr, 1);
	vlen = H5Tvlen_create(chr);
	space = H5Screate_simple(1, &n, NULL);
	for (int i = 0; i < nfields; i++)
	{
		buf[i].len = strlen(fields[i]);
		buf[i].p = fields[i];
	}
	attr = H5Acreate2(group, "MATLAB_fields", vlen, space, H5P_DEFAULT, H5P_DEFAULT);
	if (attr >= 0)
	{
		ok = H5Awrite(attr, vlen, buf) >= 0;
		H5Aclose(attr);
	}
	H5Sclose(space);
	H5Tclose(vlen);
	H5Tclose(chr);
	free(buf);
	return ok;
}

static bool
apply_op(hid_t file, const MbOp *op)
{
	hid_t		obj;
	bool		ok;

	switch (op->kind)
	{
		case MB_OP_STRUCT:
			obj = H5Gcreate2(file, op->a, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
			if (obj < 0)
				return false;
			ok = set_string_attr(obj, "MATLAB_class", "struct") &&
				(op->nfields == 0 || set_fields_attr(obj, op->fields, op->nfields));
			H5Gclose(obj);
			return ok;
		case MB_OP_LINK:
			return H5Lcreate_hard(file, op->a, file, op->b, H5P_DEFAULT,
								  H5P_DEFAULT) >= 0;
		case MB_OP_DELETE:
			return H5Ldelete(file, op->a, H5P_DEFAULT) >= 0;
		case MB_OP_LOGICAL:
			obj = H5Oopen(file, op->a, H5P_DEFAULT);
			if (obj < 0)
				return false;
			ok = set_string_attr(obj, "MATLAB_class", "logical") &&
				set_int_attr(obj, "MATLAB_int_decode", 1);
			H5Oclose(obj);
			return ok;
	}
	return false;
}

static bool
apply_plan(MbFile *f, MbError *err)
{
	hid_t		file;
	bool		ok = true;

	if (f->nops == 0)
		return true;
	file = H5Fopen(f->path, H5F_ACC_RDWR, H5P_DEFAULT);
	if (file < 0)
		return fail(err, "cannot reopen the MAT file to build its structs");
	for (int i = 0; i < f->nops && ok; i++)
		if (!apply_op(file, &f->ops[i]))
		{
			snprintf(err->message, sizeof(err->message),
					 "cannot build \"%s\" in the MAT file", f->ops[i].b ? f->ops[i].b : f->ops[i].a);
			ok = false;
		}
	if (H5Fclose(file) < 0 && ok)
		ok = fail(err, "cannot close the MAT file");
	return ok;
}

static void
free_file(MbFile *f)
{
	for (int i = 0; i < f->nops; i++)
	{
		for (int j = 0; j < f->ops[i].nfields; j++)
			free(f->ops[i].fields[j]);
		free(f->ops[i].fields);
		free(f->ops[i].a);
		free(f->ops[i].b);
	}
	free(f->ops);
	free(f->path);
	free(f);
}

static bool
close_h5(MbFile *f)
{
	bool		ok = true;

	if (f->strings >= 0)
		ok = H5Gclose(f->strings) >= 0;
	if (f->refs >= 0)
		ok = H5Gclose(f->refs) >= 0 && ok;
	f->strings = -1;
	if (f->h5 >= 0)
		ok = H5Fclose(f->h5) >= 0 && ok;
	f->refs = f->h5 = -1;
	return ok;
}

bool
mb_finish(MbFile *f, MbError *err)
{
	bool		ok = true;

	if (!close_h5(f))
		ok = fail(err, "cannot close the MAT file");
	if (Mat_Close(f->mat) != 0)
		ok = fail(err, "cannot close the MAT file");
	f->mat = NULL;
	if (ok && f->format == MB_FORMAT_V73)
		ok = apply_plan(f, err);
	free_file(f);
	return ok;
}

void
mb_discard(MbFile *f)
{
	close_h5(f);
	if (f->mat != NULL)
		Mat_Close(f->mat);
	free_file(f);
}

/* ---- columns ------------------------------------------------------------------ */

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
		return no_memory(err);
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
		return no_memory(err);
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
		return no_memory(err);
	/* rows are MATLAB's first dimension */
	rc = Mat_VarWriteAppend(f->mat, var, compression(f), 1);
	Mat_VarFree(var);
	if (rc != 0)
		return fail(err, "cannot append to a variable of the MAT file");
	return true;
}

/*
 * Text columns of a v7.3 file are written with HDF5 directly, as MATLAB
 * lays out a cell array: each string a char dataset in "#refs#", the cell a
 * dataset of references to them.  Doing it here (rather than through
 * libmatio, which looks for a free name in "#refs#" by counting its links
 * for every element) keeps the cost per string constant, and lets a cell
 * grow by appending like a numeric column.  The file is opened a second
 * time, which HDF5 allows.  Strings go to subgroups of "#refs#" ("hdaq_N",
 * never one of libmatio's names, which are numbers) of STRINGS_PER_GROUP
 * each: a group keeps its names in one heap that HDF5 reads whole to add
 * one, and readers are slow on the newer, indexed kind of group.
 */
#define STRINGS_PER_GROUP 4096

static bool
open_refs(MbFile *f)
{
	hid_t		fapl;

	if (f->refs >= 0)
		return true;
	/* the close degree must be the one libmatio opened the file with */
	f->h5 = H5Fopen(f->path, H5F_ACC_RDWR, H5P_DEFAULT);
	if (f->h5 < 0)
	{
		fapl = H5Pcreate(H5P_FILE_ACCESS);
		H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
		f->h5 = H5Fopen(f->path, H5F_ACC_RDWR, fapl);
		H5Pclose(fapl);
	}
	if (f->h5 < 0)
		return false;
	if (H5Lexists(f->h5, "#refs#", H5P_DEFAULT) > 0)
		f->refs = H5Gopen2(f->h5, "#refs#", H5P_DEFAULT);
	else
		f->refs = H5Gcreate2(f->h5, "#refs#", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	return f->refs >= 0;
}

/* One string as a MATLAB char row vector in "#refs#"; its reference into *ref. */
static bool
write_string(MbFile *f, const uint16_t *units, size_t n, hobj_ref_t *ref)
{
	char		name[32];
	hid_t		space;
	hid_t		ds;
	bool		ok;

	if (f->next_ref % STRINGS_PER_GROUP == 0)
	{
		if (f->strings >= 0)
			H5Gclose(f->strings);
		snprintf(name, sizeof(name), "hdaq_%llu",
				 (unsigned long long) (f->next_ref / STRINGS_PER_GROUP));
		f->strings = H5Gcreate2(f->refs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		if (f->strings < 0)
			return false;
	}
	snprintf(name, sizeof(name), "%llu",
			 (unsigned long long) (f->next_ref++ % STRINGS_PER_GROUP));
	if (n == 0)
	{
		/* an empty array is stored as its dimensions */
		hsize_t		two = 2;
		uint64_t	dims[2] = {0, 0};

		space = H5Screate_simple(1, &two, NULL);
		ds = H5Dcreate2(f->strings, name, H5T_NATIVE_UINT64, space, H5P_DEFAULT,
						H5P_DEFAULT, H5P_DEFAULT);
		ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL,
								 H5P_DEFAULT, dims) >= 0 &&
			set_int_attr(ds, "MATLAB_empty", 1);
	}
	else
	{
		hsize_t		dims[2] = {n, 1};	/* MATLAB 1 x n, transposed */

		space = H5Screate_simple(2, dims, NULL);
		ds = H5Dcreate2(f->strings, name, H5T_NATIVE_UINT16, space, H5P_DEFAULT,
						H5P_DEFAULT, H5P_DEFAULT);
		ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL,
								 H5P_DEFAULT, units) >= 0 &&
			set_int_attr(ds, "MATLAB_int_decode", 2);
	}
	ok = ok && set_string_attr(ds, "MATLAB_class", "char") &&
		H5Rcreate(ref, f->strings, name, H5R_OBJECT, -1) >= 0;
	if (ds >= 0)
		H5Dclose(ds);
	H5Sclose(space);
	return ok;
}

/* Append references (width x rows, MATLAB's rows x width transposed) to a cell dataset. */
static bool
append_refs(MbFile *f, const char *name, hobj_ref_t *refs, size_t rows,
			size_t width, size_t done)
{
	hsize_t		add[2] = {width, rows};
	hsize_t		start[2] = {0, done};
	hsize_t		total[2] = {width, done + rows};
	hid_t		ds;
	hid_t		file_space;
	hid_t		mem_space;
	bool		ok;

	if (done == 0)
	{
		hsize_t		maxdims[2] = {width, H5S_UNLIMITED};
		hsize_t		chunk[2] = {width, rows < 1024 ? rows : 1024};
		hid_t		dcpl = H5Pcreate(H5P_DATASET_CREATE);
		hid_t		space = H5Screate_simple(2, total, maxdims);

		H5Pset_chunk(dcpl, 2, chunk);
		ds = H5Dcreate2(f->h5, name, H5T_STD_REF_OBJ, space, H5P_DEFAULT, dcpl,
						H5P_DEFAULT);
		H5Pclose(dcpl);
		H5Sclose(space);
		if (ds < 0 || !set_string_attr(ds, "MATLAB_class", "cell"))
		{
			if (ds >= 0)
				H5Dclose(ds);
			return false;
		}
	}
	else
	{
		ds = H5Dopen2(f->h5, name, H5P_DEFAULT);
		if (ds < 0 || H5Dset_extent(ds, total) < 0)
		{
			if (ds >= 0)
				H5Dclose(ds);
			return false;
		}
	}
	file_space = H5Dget_space(ds);
	mem_space = H5Screate_simple(2, add, NULL);
	ok = H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, add, NULL) >= 0 &&
		H5Dwrite(ds, H5T_STD_REF_OBJ, mem_space, file_space, H5P_DEFAULT, refs) >= 0;
	H5Sclose(mem_space);
	H5Sclose(file_space);
	H5Dclose(ds);
	return ok;
}

/* Append the first rows rows of a streamed text column. */
static bool
cell_append(MbColumn *c, MbFile *f, size_t rows, MbError *err)
{
	hobj_ref_t *refs = malloc(sizeof(hobj_ref_t) * (rows * c->width > 0 ? rows * c->width : 1));
	char		name[MB_NAME_MAX + 2];
	bool		ok = refs != NULL;

	if (!ok)
		return no_memory(err);
	if (!open_refs(f))
	{
		free(refs);
		return fail(err, "cannot open the MAT file to write text");
	}
	for (size_t k = 0; k < c->width && ok; k++)
		for (size_t r = 0; r < rows && ok; r++)
			ok = write_string(f, c->s[k * c->cap + r], c->slen[k * c->cap + r],
							  &refs[k * rows + r]);
	snprintf(name, sizeof(name), "/%s", c->tmpname);
	ok = ok && append_refs(f, name, refs, rows, c->width, c->flushed);
	free(refs);
	if (!ok)
		return fail(err, "cannot append text to the MAT file");
	return true;
}

/* Append the first rows rows of a streamed column to its dataset. */
static bool
column_append(MbColumn *c, MbFile *f, size_t rows, MbError *err)
{
	if (c->cls == MB_CELL)
	{
		if (!cell_append(c, f, rows, err))
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
			matvar_t   *s = utf16_var(NULL, c->s[i], c->slen[i], true);

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
mb_place_var(MbFile *f, matvar_t *var, const char *path, MbError *err)
{
	char		tmp[MB_NAME_MAX + 2];

	if (var == NULL)
		return no_memory(err);
	mb_temp_name(f, tmp);
	free(var->name);
	var->name = strdup(tmp);
	if (var->name == NULL)
	{
		Mat_VarFree(var);
		return no_memory(err);
	}
	if (!mb_write(f, var, err))
		return false;
	memmove(tmp + 1, tmp, strlen(tmp) + 1);
	tmp[0] = '/';
	return mb_plan_link(f, tmp, path, err) && mb_plan_delete(f, tmp, err);
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
		matvar_t   *s = units ? utf16_var(NULL, units, n, false) : NULL;

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
