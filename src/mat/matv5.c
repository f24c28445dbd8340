/*-------------------------------------------------------------------------
 *
 * matv5.c
 *	  The MAT 5 output of v5 and v7 files, written here rather than by
 *	  libmatio so that long work can be interrupted: the 128-byte header,
 *	  then each variable as libmatio writes it uncompressed (to a scratch
 *	  file beside the output, with a fresh libmatio file each time, which
 *	  also spares libmatio's search of the names written before), copied
 *	  (v5) or zlib-compressed (v7) into the output in pieces of MB_PIECE
 *	  bytes, asking the cancel callback between pieces.
 *
 * A v7 variable is what MATLAB writes: an miCOMPRESSED element (type 15,
 * then the byte count) holding the zlib stream of the variable's
 * miMATRIX element.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#define MAT5_HEADER_SIZE 128
#define MI_COMPRESSED 15

static bool
write_all(FILE *out, const void *data, size_t len)
{
	return len == 0 || fwrite(data, 1, len, out) == len;
}

bool
mb_v5_open(MbFile *f, MbError *err)
{
	char		header[MAT5_HEADER_SIZE];
	char		when[64];
	time_t		now = time(NULL);
	struct tm	tm;
	size_t		n;

	f->scratch = malloc(strlen(f->path) + 8);
	if (f->scratch == NULL)
		return mb_no_memory(err);
	sprintf(f->scratch, "%s.var", f->path);
	f->out = fopen(f->path, "wb");
	if (f->out == NULL)
		return mb_fail(err, "cannot create the MAT file");
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Y", &tm);
	memset(header, ' ', 116);
	n = (size_t) snprintf(header, 117,
						  "MATLAB 5.0 MAT-file, Platform: hdaq, Created on: %s by hdaq",
						  when);
	if (n < 116)
		header[n] = ' ';		/* text padded with spaces, not ended */
	memset(header + 116, 0, 8); /* no subsystem data */
	header[124] = 0x00;			/* version 0x0100, little-endian */
	header[125] = 0x01;
	header[126] = 'I';			/* endian indicator "MI" as int16 */
	header[127] = 'M';
	if (!write_all(f->out, header, sizeof(header)))
		return mb_fail(err, "cannot write the MAT file");
	return true;
}

/* Copy the scratch file's element (after its header) into the output. */
static bool
copy_piecewise(MbFile *f, FILE *in, unsigned char *buf, MbError *err)
{
	size_t		n;

	while ((n = fread(buf, 1, MB_PIECE, in)) > 0)
	{
		if (mb_canceled(f, err))
			return false;
		if (!write_all(f->out, buf, n))
			return mb_fail(err, "cannot write the MAT file");
	}
	return !ferror(in) || mb_fail(err, "cannot read back a variable");
}

/* Compress it into an miCOMPRESSED element of the output. */
static bool
compress_piecewise(MbFile *f, FILE *in, unsigned char *buf, MbError *err)
{
	unsigned char *zbuf = buf + MB_PIECE;
	uint32_t	tag[2] = {MI_COMPRESSED, 0};
	long		start = ftell(f->out);
	uint64_t	total = 0;
	z_stream	z;
	int			flush;
	bool		ok = true;

	memset(&z, 0, sizeof(z));
	if (start < 0 || !write_all(f->out, tag, sizeof(tag)))
		return mb_fail(err, "cannot write the MAT file");
	if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK)
		return mb_no_memory(err);
	do
	{
		z.avail_in = (uInt) fread(buf, 1, MB_PIECE, in);
		z.next_in = buf;
		flush = z.avail_in < MB_PIECE ? Z_FINISH : Z_NO_FLUSH;
		if (ferror(in))
			ok = mb_fail(err, "cannot read back a variable");
		else if (mb_canceled(f, err))
			ok = false;
		while (ok)
		{
			size_t		have;

			z.next_out = zbuf;
			z.avail_out = MB_PIECE;
			if (deflate(&z, flush) == Z_STREAM_ERROR)
				ok = mb_fail(err, "cannot compress a variable");
			have = MB_PIECE - z.avail_out;
			total += have;
			if (ok && !write_all(f->out, zbuf, have))
				ok = mb_fail(err, "cannot write the MAT file");
			if (z.avail_out != 0)
				break;
		}
	} while (ok && flush != Z_FINISH);
	deflateEnd(&z);
	if (ok && total > UINT32_MAX)
		ok = mb_fail(err, "a compressed variable is larger than 4 GB");
	tag[1] = (uint32_t) total;
	if (ok && (fseek(f->out, start, SEEK_SET) != 0 ||
			   !write_all(f->out, tag, sizeof(tag)) ||
			   fseek(f->out, 0, SEEK_END) != 0))
		ok = mb_fail(err, "cannot write the MAT file");
	return ok;
}

bool
mb_v5_write(MbFile *f, matvar_t *var, MbError *err)
{
	mat_t	   *mat = Mat_CreateVer(f->scratch, NULL, MAT_FT_MAT5);
	unsigned char *buf;
	FILE	   *in;
	bool		ok;

	if (mat == NULL)
	{
		Mat_VarFree(var);
		return mb_fail(err, "cannot create a scratch file for a variable");
	}
	ok = Mat_VarWrite(mat, var, MAT_COMPRESSION_NONE) == 0;
	Mat_VarFree(var);
	if (Mat_Close(mat) != 0 || !ok)
		return mb_fail(err, "cannot write a variable of the MAT file");
	in = fopen(f->scratch, "rb");
	buf = malloc(2 * (size_t) MB_PIECE);
	if (in == NULL || buf == NULL || fseek(in, MAT5_HEADER_SIZE, SEEK_SET) != 0)
		ok = buf == NULL ? mb_no_memory(err) : mb_fail(err, "cannot read back a variable");
	else if (f->format == MB_FORMAT_V7)
		ok = compress_piecewise(f, in, buf, err);
	else
		ok = copy_piecewise(f, in, buf, err);
	free(buf);
	if (in != NULL)
		fclose(in);
	remove(f->scratch);
	return ok;
}

bool
mb_v5_close(MbFile *f, MbError *err)
{
	bool		ok = true;

	if (f->out != NULL && fclose(f->out) != 0)
		ok = mb_fail(err, "cannot close the MAT file");
	f->out = NULL;
	if (f->scratch != NULL)
		remove(f->scratch);
	free(f->scratch);
	f->scratch = NULL;
	return ok;
}
