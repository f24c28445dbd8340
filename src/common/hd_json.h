/*-------------------------------------------------------------------------
 *
 * hd_json.h
 *	  Writing JSON string literals: the one escaper the MCAP core, the
 *	  decoders' JSON writer and the hdaq command share.
 *
 * The writer does not own a buffer: it hands pieces of text to an append
 * function the caller gives (an McapBuffer, the decoders' HdJsonBuffer, a
 * string of the command), so each keeps its own memory discipline.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_JSON_H
#define HD_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Append len bytes of data to sink; false when that failed. */
typedef bool (*HdAppendFn) (void *sink, const char *data, size_t len);

/*
 * How a string is written.  Always: '"' and '\\' escaped, \n \r \t by their
 * short escapes, other control characters as \u00XX.
 */
typedef enum HdJsonStringFlags
{
	/* bytes of 0x80 and above are copied unchecked */
	HD_JSON_BYTES_AS_IS = 0,
	/* each byte that does not start valid UTF-8 becomes U+FFFD */
	HD_JSON_REPAIR_UTF8 = 1 << 0,
	/* NUL becomes U+FFFD too (jsonb cannot store \u0000) */
	HD_JSON_NUL_AS_REPLACEMENT = 1 << 1,
	/* a U+FFFD the writer puts in is written \ufffd, not as UTF-8 bytes */
	HD_JSON_ESCAPE_REPLACEMENT = 1 << 2
} HdJsonStringFlags;

/*
 * Write the len bytes at s as a JSON string literal, quotes included,
 * through append.  flags: HdJsonStringFlags.  Returns false as soon as
 * append fails.
 */
extern bool hd_json_string(const char *s, size_t len, unsigned flags,
						   HdAppendFn append, void *sink);

#endif							/* HD_JSON_H */
