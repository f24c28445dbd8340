/*-------------------------------------------------------------------------
 *
 * sha256.c
 *	  The SHA-256 of a local file, as the server computes it for
 *	  hdaq.file.sha256: the hdaq command asks the server whether a file is
 *	  stored before uploading it, and compares the digest of a file's
 *	  beginning with hdaq.ingest_prefix_sha256() before resuming its upload.  The digest comes from OpenSSL (libcrypto,
 *	  which libpq already uses), whose SHA-256 runs at the speed of the CPU's
 *	  SHA instructions.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#define HASH_READ_SIZE (1024 * 1024)

void
sha256_hex(const uint8_t digest[SHA256_DIGEST_LENGTH],
		   char hex[2 * SHA256_DIGEST_LENGTH + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
	{
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex[2 * SHA256_DIGEST_LENGTH] = '\0';
}

/*
 * Hash the first limit bytes of a file ("-" = standard input), or all of it
 * (limit UINT64_MAX), reading it a megabyte at a time.  A file shorter than
 * limit is an error.
 */
bool
sha256_file_prefix(const char *path, uint64_t limit,
				   uint8_t digest[SHA256_DIGEST_LENGTH],
				   char *errbuf, size_t errlen)
{
	bool		is_stdin = strcmp(path, "-") == 0;
	int			fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	uint8_t    *buf;
	EVP_MD_CTX *ctx;
	uint64_t	left = limit;
	ssize_t		n = 0;
	bool		ok;

	if (fd < 0)
	{
		snprintf(errbuf, errlen, "could not open: %s", strerror(errno));
		return false;
	}
	buf = cli_malloc(HASH_READ_SIZE);
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	while (ok && left > 0 &&
		   (n = read(fd, buf, left < HASH_READ_SIZE ? left : HASH_READ_SIZE)) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "could not read: %s", strerror(errno));
			break;
		}
		ok = EVP_DigestUpdate(ctx, buf, (size_t) n) == 1;
		left -= (uint64_t) n;
	}
	free(buf);
	if (!is_stdin)
		close(fd);
	if (ok && n >= 0 && left > 0 && limit != UINT64_MAX)
	{
		snprintf(errbuf, errlen, "the file is shorter than %llu bytes",
				 (unsigned long long) limit);
		n = -1;
	}
	if (ok && n >= 0)
		ok = EVP_DigestFinal_ex(ctx, digest, NULL) == 1;
	else if (n >= 0)
		snprintf(errbuf, errlen, "could not compute SHA-256");
	EVP_MD_CTX_free(ctx);
	return ok && n >= 0;
}

/* Hash a whole file ("-" = standard input). */
bool
sha256_file(const char *path, uint8_t digest[SHA256_DIGEST_LENGTH],
			char *errbuf, size_t errlen)
{
	return sha256_file_prefix(path, UINT64_MAX, digest, errbuf, errlen);
}

/* hdaq sha256 FILE...: print "digest  name" lines, like sha256sum. */
int
cmd_sha256(int argc, char **argv)
{
	int			status = EXIT_OK;

	if (argc < 2)
		return cli_usage_error(NULL, "usage: hdaq sha256 FILE...");
	for (int i = 1; i < argc; i++)
	{
		uint8_t		digest[SHA256_DIGEST_LENGTH];
		char		hex[2 * SHA256_DIGEST_LENGTH + 1];
		char		err[256];

		if (!sha256_file(argv[i], digest, err, sizeof(err)))
		{
			cli_error("%s: %s", argv[i], err);
			status = EXIT_FAILED;
			continue;
		}
		sha256_hex(digest, hex);
		printf("%s  %s\n", hex, argv[i]);
	}
	return status;
}
