/*-------------------------------------------------------------------------
 *
 * matplan.c
 *	  The deferred operations that finish the struct tree of a v7.3 (HDF5)
 *	  file after libmatio has closed it: groups that MATLAB reads as
 *	  structs (attributes MATLAB_class and MATLAB_fields, as libmatio
 *	  writes them), hard links that put the streamed datasets in place,
 *	  and the attributes that make a uint8 dataset logical.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		return mb_no_memory(err);
	op->fields = calloc(nfields > 0 ? nfields : 1, sizeof(char *));
	if (op->fields == NULL)
		return mb_no_memory(err);
	for (int i = 0; i < nfields; i++)
	{
		if ((op->fields[i] = strdup(fields[i])) == NULL)
			return mb_no_memory(err);
		op->nfields++;
	}
	return true;
}

bool
mb_plan_link(MbFile *f, const char *target, const char *link, MbError *err)
{
	return new_op(f, MB_OP_LINK, target, link) != NULL || mb_no_memory(err);
}

bool
mb_plan_delete(MbFile *f, const char *path, MbError *err)
{
	return new_op(f, MB_OP_DELETE, path, NULL) != NULL || mb_no_memory(err);
}

bool
mb_plan_logical(MbFile *f, const char *path, MbError *err)
{
	return new_op(f, MB_OP_LOGICAL, path, NULL) != NULL || mb_no_memory(err);
}

/* A fixed-length string attribute, as MATLAB_class is written. */
bool
mb_set_string_attr(hid_t obj, const char *name, const char *value)
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

bool
mb_set_int_attr(hid_t obj, const char *name, int value)
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
			ok = mb_set_string_attr(obj, "MATLAB_class", "struct") &&
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
			ok = mb_set_string_attr(obj, "MATLAB_class", "logical") &&
				mb_set_int_attr(obj, "MATLAB_int_decode", 1);
			H5Oclose(obj);
			return ok;
	}
	return false;
}

bool
mb_apply_plan(MbFile *f, MbError *err)
{
	hid_t		file;
	bool		ok = true;

	if (f->nops == 0)
		return true;
	file = H5Fopen(f->path, H5F_ACC_RDWR, H5P_DEFAULT);
	if (file < 0)
		return mb_fail(err, "cannot reopen the MAT file to build its structs");
	for (int i = 0; i < f->nops && ok; i++)
		if (i % 1024 == 1023 && mb_canceled(f, err))
			ok = false;
		else if (!apply_op(file, &f->ops[i]))
		{
			snprintf(err->message, sizeof(err->message),
					 "cannot build \"%s\" in the MAT file", f->ops[i].b ? f->ops[i].b : f->ops[i].a);
			ok = false;
		}
	if (H5Fclose(file) < 0 && ok)
		ok = mb_fail(err, "cannot close the MAT file");
	return ok;
}

void
mb_free_plan(MbFile *f)
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
	f->ops = NULL;
	f->nops = f->capops = 0;
}
