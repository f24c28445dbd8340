/*-------------------------------------------------------------------------
 *
 * sha256.h
 *	  The SHA-256 of a local file, for the hdaq command (sha256.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_CLI_SHA256_H
#define HDAQ_CLI_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LENGTH 32

/* Hash a file ("-" = standard input); false with errbuf filled on error. */
extern bool sha256_file(const char *path, uint8_t digest[SHA256_DIGEST_LENGTH],
						char *errbuf, size_t errlen);
/* The same of the file's first limit bytes (a shorter file is an error). */
extern bool sha256_file_prefix(const char *path, uint64_t limit,
							   uint8_t digest[SHA256_DIGEST_LENGTH],
							   char *errbuf, size_t errlen);
extern void sha256_hex(const uint8_t digest[SHA256_DIGEST_LENGTH],
					   char hex[2 * SHA256_DIGEST_LENGTH + 1]);

#endif							/* HDAQ_CLI_SHA256_H */
