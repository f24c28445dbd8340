/*-------------------------------------------------------------------------
 *
 * hd_sha256.h
 *	  SHA-256 (FIPS 180-4) whose state can be kept as bytes between the
 *	  pieces of a stream: a file uploaded in pieces, over several
 *	  transactions and sessions, is hashed as if it came whole.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_SHA256_H
#define HD_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HD_SHA256_DIGEST_LENGTH 32
#define HD_SHA256_STATE_SIZE 104

typedef struct HdSha256
{
	uint32_t	h[8];
	uint64_t	length;			/* bytes hashed so far */
	uint8_t		block[64];		/* the partial block: length % 64 bytes */
} HdSha256;

extern void hd_sha256_init(HdSha256 *ctx);
extern void hd_sha256_update(HdSha256 *ctx, const void *data, size_t len);

/* The digest of what was hashed so far; ctx is left as it was. */
extern void hd_sha256_digest(const HdSha256 *ctx,
							 uint8_t out[HD_SHA256_DIGEST_LENGTH]);

/* The state as bytes, and back (false if the bytes are not a state). */
extern void hd_sha256_save(const HdSha256 *ctx,
						   uint8_t out[HD_SHA256_STATE_SIZE]);
extern bool hd_sha256_load(HdSha256 *ctx, const uint8_t *in, size_t len);

#endif							/* HD_SHA256_H */
