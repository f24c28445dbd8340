/*-------------------------------------------------------------------------
 *
 * matfile.c
 *	  A MAT output file: creating it in one of three formats (v5 and v7
 *	  through matv5.c, v7.3 through libmatio and HDF5), writing whole
 *	  variables, asking the cancel callback, and finishing or discarding
 *	  it; and the errors of the MAT builder, with the message libmatio
 *	  logged.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The last message libmatio logged: its errors are reported through a log
 * function, not returned.  One backend or program runs one export at a
 * time, so one buffer is enough.
 */
static char matio_message[MB_ERROR_SIZE];
static bool matio_logging;

static void
capture_matio_log(int level, char *message)
{
	if (level <= 4)				/* errors, critical messages, warnings */
		snprintf(matio_message, sizeof(matio_message), "%s", message);
}

bool
mb_fail(MbError *err, const char *what)
{
	size_t		n = strlen(what);

	if (n >= sizeof(err->message))
		n = sizeof(err->message) - 1;
	memcpy(err->message, what, n);
	err->message[n] = '\0';
	err->canceled = false;
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

bool
mb_no_memory(MbError *err)
{
	snprintf(err->message, sizeof(err->message), "out of memory");
	err->canceled = false;
	return false;
}

void
mb_set_cancel(MbFile *f, MbCancelFn fn, void *arg)
{
	f->cancel = fn;
	f->cancel_arg = arg;
}

bool
mb_canceled(MbFile *f, MbError *err)
{
	if (f->cancel == NULL || !f->cancel(f->cancel_arg))
		return false;
	snprintf(err->message, sizeof(err->message), "canceled");
	err->canceled = true;
	return true;
}

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
		mb_no_memory(err);
		return NULL;
	}
	f->format = format;
	f->h5 = -1;
	f->refs = -1;
	f->strings = -1;
	if (format != MB_FORMAT_V73)
	{
		if (!mb_v5_open(f, err))
		{
			mb_discard(f);
			return NULL;
		}
		return f;
	}
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);	/* errors are returned */
	f->mat = Mat_CreateVer(path, NULL, MAT_FT_MAT73);
	if (f->mat == NULL)
	{
		mb_fail(err, "cannot create the MAT file");
		free(f->path);
		free(f);
		return NULL;
	}
	if (format == MB_FORMAT_V73 && !mb_open_refs(f))
	{
		mb_fail(err, "cannot create the MAT file's references");
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

enum matio_compression
mb_compression(const MbFile *f)
{
	return f->format == MB_FORMAT_V5 ? MAT_COMPRESSION_NONE : MAT_COMPRESSION_ZLIB;
}

bool
mb_write(MbFile *f, matvar_t *var, MbError *err)
{
	int			rc;

	if (var == NULL)
		return mb_no_memory(err);
	if (f->format != MB_FORMAT_V73)
		return mb_v5_write(f, var, err);
	rc = Mat_VarWrite(f->mat, var, mb_compression(f));
	Mat_VarFree(var);
	if (rc != 0)
		return mb_fail(err, "cannot write a variable of the MAT file");
	return true;
}

void
mb_temp_name(MbFile *f, char *out)
{
	snprintf(out, MB_NAME_MAX + 1, "hdaq_tmp_%d", f->next_temp++);
}

static void
free_file(MbFile *f)
{
	mb_free_plan(f);
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
		ok = mb_fail(err, "cannot close the MAT file");
	if (f->mat != NULL && Mat_Close(f->mat) != 0)
		ok = mb_fail(err, "cannot close the MAT file");
	if (!mb_v5_close(f, err))
		ok = false;
	f->mat = NULL;
	if (ok && f->format == MB_FORMAT_V73)
		ok = mb_apply_plan(f, err);
	free_file(f);
	return ok;
}

void
mb_discard(MbFile *f)
{
	MbError		ignored;

	close_h5(f);
	if (f->mat != NULL)
		Mat_Close(f->mat);
	mb_v5_close(f, &ignored);
	free_file(f);
}
