/*-------------------------------------------------------------------------
 *
 * fuzz_decode_common.h
 *	  Helpers shared by the decoder fuzz targets: loading fixture schemas,
 *	  and running every consumer of a decoder (JSON text, the number picker)
 *	  over one input.
 *
 * Fixtures are read from HD_FUZZ_DATA (a directory, default
 * test/data/decode, relative to where the target runs).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_FUZZ_DECODE_COMMON_H
#define HD_FUZZ_DECODE_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/decode/decode.h"

#ifndef HD_FUZZ_DATA
#define HD_FUZZ_DATA "test/data/decode"
#endif

static uint8_t *
fuzz_load(const char *name, size_t *len)
{
	char		path[1024];
	FILE	   *f;
	uint8_t    *data;
	long		size;

	snprintf(path, sizeof(path), "%s/%s",
			 getenv("HD_FUZZ_DATA") ? getenv("HD_FUZZ_DATA") : HD_FUZZ_DATA, name);
	if ((f = fopen(path, "rb")) == NULL)
	{
		fprintf(stderr, "cannot open fixture %s\n", path);
		abort();
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc(size > 0 ? (size_t) size : 1);
	if (data == NULL || fread(data, 1, (size_t) size, f) != (size_t) size)
		abort();
	fclose(f);
	*len = (size_t) size;
	return data;
}

static HdDecoder *
fuzz_compile(const char *enc, const char *senc, const char *name,
			 const uint8_t *schema, size_t len)
{
	HdError		err;
	HdDecoder  *d = hd_decoder_compile(enc, senc, name, schema, len, &err);

	if (d == NULL)
	{
		fprintf(stderr, "cannot compile %s: %s\n", name, err.message);
		abort();
	}
	return d;
}

/* Decode to JSON, and extract some paths; any outcome but a crash is fine */
static void
fuzz_run(const HdDecoder *d, const HdPath *const *paths, int npaths,
		 const uint8_t *msg, size_t len)
{
	static HdJsonBuffer buf;
	HdError		err;
	double		out[8];
	bool		found[8];
	int			rc;

	memset(&err, 0, sizeof(err));	/* a failure must write its own message */
	rc = hd_decode_json(d, msg, len, &buf, &err);
	if (rc == HD_OK && (buf.data == NULL || strlen(buf.data) != buf.len))
		abort();
	if (rc != HD_OK && err.message[0] == '\0')
		abort();				/* every error says why */
	if (npaths > 8)
		npaths = 8;
	if (npaths > 0)
		hd_extract_numbers(d, paths, npaths, msg, len, out, found, &err);
	hd_decode(d, msg, len, NULL, NULL, &err);
}

#endif							/* HD_FUZZ_DECODE_COMMON_H */
