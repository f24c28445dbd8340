/*-------------------------------------------------------------------------
 *
 * sha256.c
 *	  Hashing the pieces of a file stored piece by piece.  The state kept
 *	  between pieces is the core's (hd_sha256.h: portable, saved as bytes
 *	  in hdaq.upload); the hashing itself is OpenSSL's, which the server
 *	  links already and which uses the CPU's SHA instructions, several
 *	  times faster than portable C.  OpenSSL's SHA256_CTX holds the same
 *	  state (the hash words, the bit count and the partial block), so it is
 *	  filled from the core's state and read back after each piece.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

static void
to_openssl(const HdSha256 *in, SHA256_CTX *out)
{
	uint64		bits = in->length * 8;

	memset(out, 0, sizeof(*out));
	memcpy(out->h, in->h, sizeof(in->h));
	out->Nl = (SHA_LONG) bits;
	out->Nh = (SHA_LONG) (bits >> 32);
	out->num = (unsigned int) (in->length % 64);
	memcpy(out->data, in->block, out->num);
	out->md_len = SHA256_DIGEST_LENGTH;
}

static void
from_openssl(const SHA256_CTX *in, HdSha256 *out)
{
	memcpy(out->h, in->h, sizeof(out->h));
	out->length = (((uint64) in->Nh << 32) | in->Nl) / 8;
	memset(out->block, 0, sizeof(out->block));
	memcpy(out->block, in->data, in->num);
}

void
hdaq_sha256_update(HdSha256 *sha, const uint8 *data, size_t len)
{
	SHA256_CTX	ctx;

	to_openssl(sha, &ctx);
	if (SHA256_Update(&ctx, data, len) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256")));
	from_openssl(&ctx, sha);
}
