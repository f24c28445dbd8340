/*-------------------------------------------------------------------------
 *
 * sha256.h
 *	  SHA-256 (FIPS 180-4) for the hdaq command (sha256.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_CLI_SHA256_H
#define HDAQ_CLI_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LENGTH 32
#define SHA256_BLOCK_LENGTH 64

typedef struct Sha256
{
	uint32_t	state[8];
	uint64_t	length;			/* bytes hashed so far */
	uint8_t		block[SHA256_BLOCK_LENGTH];
	size_t		block_len;
} Sha256;

extern void sha256_init(Sha256 *ctx);
extern void sha256_update(Sha256 *ctx, const void *data, size_t len);
extern void sha256_final(Sha256 *ctx, uint8_t digest[SHA256_DIGEST_LENGTH]);
extern bool sha256_file(const char *path, uint8_t digest[SHA256_DIGEST_LENGTH],
						char *errbuf, size_t errlen);
extern void sha256_hex(const uint8_t digest[SHA256_DIGEST_LENGTH],
					   char hex[2 * SHA256_DIGEST_LENGTH + 1]);

#endif							/* HDAQ_CLI_SHA256_H */
