/*-------------------------------------------------------------------------
 *
 * hd_utf8.h
 *	  UTF-8 checking, decoding, encoding and repair, shared by the MCAP
 *	  core, the decoders, the MAT writer and the hdaq command.
 *
 * Valid UTF-8 here is what RFC 3629 allows: no overlong forms, no
 * surrogates, nothing above U+10FFFF.  NUL is a valid one-byte sequence.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_UTF8_H
#define HD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8 */
#define HD_UTF8_REPLACEMENT "\xef\xbf\xbd"
#define HD_UTF8_REPLACEMENT_LEN 3

/* Length of the valid UTF-8 sequence at p (n bytes there), 0 if invalid. */
extern size_t hd_utf8_sequence_length(const uint8_t *p, size_t n);

/*
 * The code point of the valid UTF-8 sequence at p (n bytes there) in *cp,
 * returning its length; 0 (and *cp unchanged) if the bytes are invalid.
 */
extern size_t hd_utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);

/* Write code point cp (at most U+10FFFF) as UTF-8; returns 1 to 4 bytes. */
extern size_t hd_utf8_encode(char *out, uint32_t cp);

/*
 * Characters in the NUL-terminated UTF-8 string s: the bytes that are not
 * continuation bytes (what a terminal shows of valid text, one column each).
 */
extern size_t hd_utf8_char_count(const char *s);

/*
 * Copy len bytes of s to out as valid UTF-8: every byte that does not start
 * a valid sequence, and NUL when replace_nul, becomes U+FFFD.  out needs
 * room for 3 * len + 1 bytes; it is NUL-terminated.  Returns the length.
 */
extern size_t hd_utf8_repair(char *out, const char *s, size_t len,
							 bool replace_nul);

#endif							/* HD_UTF8_H */
