/*-------------------------------------------------------------------------
 *
 * hd_sha256.c
 *	  SHA-256 (FIPS 180-4) with a state that can be saved as bytes and
 *	  loaded again, for hashes of streams that arrive in pieces.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_sha256.h"

#include <string.h>

static const uint32_t round_constants[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static const uint32_t initial_hash[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

static inline uint32_t
rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

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

static void
compress_block(uint32_t h[8], const uint8_t *block)
{
	uint32_t	w[64];
	uint32_t	a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t	e = h[4], f = h[5], g = h[6], k = h[7];

	for (int i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (int i = 16; i < 64; i++)
	{
		uint32_t	s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t	s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	for (int i = 0; i < 64; i++)
	{
		uint32_t	t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
			((e & f) ^ (~e & g)) + round_constants[i] + w[i];
		uint32_t	t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
			((a & b) ^ (a & c) ^ (b & c));

		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

void
hd_sha256_init(HdSha256 *ctx)
{
	memcpy(ctx->h, initial_hash, sizeof(initial_hash));
	ctx->length = 0;
	memset(ctx->block, 0, sizeof(ctx->block));
}

void
hd_sha256_update(HdSha256 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t		have = (size_t) (ctx->length % 64);

	ctx->length += len;
	if (have > 0)
	{
		size_t		take = 64 - have < len ? 64 - have : len;

		memcpy(ctx->block + have, p, take);
		p += take;
		len -= take;
		if (have + take < 64)
			return;
		compress_block(ctx->h, ctx->block);
	}
	for (; len >= 64; p += 64, len -= 64)
		compress_block(ctx->h, p);
	memcpy(ctx->block, p, len);
}

void
hd_sha256_digest(const HdSha256 *ctx, uint8_t out[HD_SHA256_DIGEST_LENGTH])
{
	HdSha256	last = *ctx;
	uint8_t		pad[72] = {0x80};
	size_t		have = (size_t) (ctx->length % 64);
	size_t		padlen = have < 56 ? 56 - have : 120 - have;
	uint64_t	bits = ctx->length * 8;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t) (bits >> (56 - 8 * i));
	hd_sha256_update(&last, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, last.h[i]);
}

/* h (8 x 4, big-endian), length (8, big-endian), block (64). */
void
hd_sha256_save(const HdSha256 *ctx, uint8_t out[HD_SHA256_STATE_SIZE])
{
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->h[i]);
	store_be32(out + 32, (uint32_t) (ctx->length >> 32));
	store_be32(out + 36, (uint32_t) ctx->length);
	memcpy(out + 40, ctx->block, 64);
}

bool
hd_sha256_load(HdSha256 *ctx, const uint8_t *in, size_t len)
{
	if (len != HD_SHA256_STATE_SIZE)
		return false;
	for (int i = 0; i < 8; i++)
		ctx->h[i] = load_be32(in + 4 * i);
	ctx->length = ((uint64_t) load_be32(in + 32) << 32) | load_be32(in + 36);
	memcpy(ctx->block, in + 40, 64);
	return true;
}
