/*-------------------------------------------------------------------------
 *
 * sha256.c
 *	  SHA-256 as specified in FIPS 180-4, the digest the server keys stored
 *	  files by, and the hidden `hdaq sha256 FILE...` command that prints
 *	  digests like sha256sum (used to check this code against known
 *	  answers).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HASH_READ_SIZE (1024 * 1024)

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of
 * the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* Section 5.3.3: the initial hash value. */
static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

static inline uint32_t
rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

/* Section 4.1.2: the six logical functions. */
#define CH(x, y, z)		(((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z)	(((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x)		(rotr((x), 2) ^ rotr((x), 13) ^ rotr((x), 22))
#define BSIG1(x)		(rotr((x), 6) ^ rotr((x), 11) ^ rotr((x), 25))
#define SSIG0(x)		(rotr((x), 7) ^ rotr((x), 18) ^ ((x) >> 3))
#define SSIG1(x)		(rotr((x), 17) ^ rotr((x), 19) ^ ((x) >> 10))

static inline uint32_t
load_be32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

/* Section 6.2.2: process one 512-bit block. */
static void
sha256_block(uint32_t state[8], const uint8_t *block)
{
	uint32_t	w[64];
	uint32_t	a, b, c, d, e, f, g, h;

	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (int t = 16; t < 64; t++)
		w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];

	a = state[0];
	b = state[1];
	c = state[2];
	d = state[3];
	e = state[4];
	f = state[5];
	g = state[6];
	h = state[7];
	for (int t = 0; t < 64; t++)
	{
		uint32_t	t1 = h + BSIG1(e) + CH(e, f, g) + K[t] + w[t];
		uint32_t	t2 = BSIG0(a) + MAJ(a, b, c);

		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

void
sha256_init(Sha256 *ctx)
{
	memcpy(ctx->state, H0, sizeof(H0));
	ctx->length = 0;
	ctx->block_len = 0;
}

void
sha256_update(Sha256 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	ctx->length += len;
	if (ctx->block_len > 0)
	{
		size_t		take = SHA256_BLOCK_LENGTH - ctx->block_len;

		if (take > len)
			take = len;
		memcpy(ctx->block + ctx->block_len, p, take);
		ctx->block_len += take;
		p += take;
		len -= take;
		if (ctx->block_len < SHA256_BLOCK_LENGTH)
			return;
		sha256_block(ctx->state, ctx->block);
		ctx->block_len = 0;
	}
	while (len >= SHA256_BLOCK_LENGTH)
	{
		sha256_block(ctx->state, p);
		p += SHA256_BLOCK_LENGTH;
		len -= SHA256_BLOCK_LENGTH;
	}
	memcpy(ctx->block, p, len);
	ctx->block_len = len;
}

/* Section 5.1.1: pad with a 1 bit, zeros, and the length in bits. */
void
sha256_final(Sha256 *ctx, uint8_t digest[SHA256_DIGEST_LENGTH])
{
	uint64_t	bits = ctx->length * 8;

	ctx->block[ctx->block_len++] = 0x80;
	if (ctx->block_len > SHA256_BLOCK_LENGTH - 8)
	{
		memset(ctx->block + ctx->block_len, 0,
			   SHA256_BLOCK_LENGTH - ctx->block_len);
		sha256_block(ctx->state, ctx->block);
		ctx->block_len = 0;
	}
	memset(ctx->block + ctx->block_len, 0,
		   SHA256_BLOCK_LENGTH - 8 - ctx->block_len);
	store_be32(ctx->block + 56, (uint32_t) (bits >> 32));
	store_be32(ctx->block + 60, (uint32_t) bits);
	sha256_block(ctx->state, ctx->block);
	for (int i = 0; i < 8; i++)
		store_be32(digest + 4 * i, ctx->state[i]);
	memset(ctx, 0, sizeof(*ctx));
}

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

/* Hash a file ("-" = standard input), reading it a megabyte at a time. */
bool
sha256_file(const char *path, uint8_t digest[SHA256_DIGEST_LENGTH],
			char *errbuf, size_t errlen)
{
	bool		is_stdin = strcmp(path, "-") == 0;
	int			fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
	uint8_t    *buf;
	Sha256		ctx;
	ssize_t		n;

	if (fd < 0)
	{
		snprintf(errbuf, errlen, "could not open: %s", strerror(errno));
		return false;
	}
	buf = cli_malloc(HASH_READ_SIZE);
	sha256_init(&ctx);
	while ((n = read(fd, buf, HASH_READ_SIZE)) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "could not read: %s", strerror(errno));
			break;
		}
		sha256_update(&ctx, buf, (size_t) n);
	}
	free(buf);
	if (!is_stdin)
		close(fd);
	if (n < 0)
		return false;
	sha256_final(&ctx, digest);
	return true;
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
