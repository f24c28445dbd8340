/*-------------------------------------------------------------------------
 *
 * matrefs.c
 *	  The text columns of a v7.3 file, written with HDF5 directly as MATLAB
 *	  lays out a cell array: each string a char dataset in "#refs#", the
 *	  cell a dataset of references to them, appended to like a numeric
 *	  column.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild_int.h"

#include <stdio.h>
#include <stdlib.h>

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

bool
mb_open_refs(MbFile *f)
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
			mb_set_int_attr(ds, "MATLAB_empty", 1);
	}
	else
	{
		hsize_t		dims[2] = {n, 1};	/* MATLAB 1 x n, transposed */

		space = H5Screate_simple(2, dims, NULL);
		ds = H5Dcreate2(f->strings, name, H5T_NATIVE_UINT16, space, H5P_DEFAULT,
						H5P_DEFAULT, H5P_DEFAULT);
		ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL,
								 H5P_DEFAULT, units) >= 0 &&
			mb_set_int_attr(ds, "MATLAB_int_decode", 2);
	}
	ok = ok && mb_set_string_attr(ds, "MATLAB_class", "char") &&
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
		if (ds < 0 || !mb_set_string_attr(ds, "MATLAB_class", "cell"))
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
bool
mb_cell_append(MbColumn *c, MbFile *f, size_t rows, MbError *err)
{
	hobj_ref_t *refs = malloc(sizeof(hobj_ref_t) * (rows * c->width > 0 ? rows * c->width : 1));
	char		name[MB_NAME_MAX + 2];
	bool		ok = refs != NULL;

	if (!ok)
		return mb_no_memory(err);
	if (!mb_open_refs(f))
	{
		free(refs);
		return mb_fail(err, "cannot open the MAT file to write text");
	}
	for (size_t k = 0; k < c->width && ok; k++)
		for (size_t r = 0; r < rows && ok; r++)
			ok = write_string(f, c->s[k * c->cap + r], c->slen[k * c->cap + r],
							  &refs[k * rows + r]);
	snprintf(name, sizeof(name), "/%s", c->tmpname);
	ok = ok && append_refs(f, name, refs, rows, c->width, c->flushed);
	free(refs);
	if (!ok)
		return mb_fail(err, "cannot append text to the MAT file");
	return true;
}
