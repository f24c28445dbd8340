/*-------------------------------------------------------------------------
 *
 * status.c
 *	  Names of statuses and opcodes, filling McapError, and describing a
 *	  McapRecovery in words.
 *
 *-------------------------------------------------------------------------
 */
#include "mcap_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
mcap_status_name(McapStatus code)
{
	switch (code)
	{
		case MCAP_OK:
			return "ok";
		case MCAP_ERR_BAD_MAGIC:
			return "bad magic";
		case MCAP_ERR_TRUNCATED:
			return "truncated";
		case MCAP_ERR_CORRUPT:
			return "corrupt";
		case MCAP_ERR_CRC:
			return "crc mismatch";
		case MCAP_ERR_DECOMPRESS:
			return "decompression failed";
		case MCAP_ERR_UNSUPPORTED:
			return "unsupported";
		case MCAP_ERR_TOO_LARGE:
			return "too large";
		case MCAP_ERR_NOMEM:
			return "out of memory";
		case MCAP_ERR_IO:
			return "i/o error";
		case MCAP_ERR_INVALID_ARGUMENT:
			return "invalid argument";
	}
	return "unknown status";
}

const char *
mcap_opcode_name(uint8_t opcode)
{
	static const char *const names[] = {
		"Unknown", "Header", "Footer", "Schema", "Channel", "Message",
		"Chunk", "MessageIndex", "ChunkIndex", "Attachment",
		"AttachmentIndex", "Statistics", "Metadata", "MetadataIndex",
		"SummaryOffset", "DataEnd"
	};

	if (opcode < sizeof(names) / sizeof(names[0]))
		return names[opcode];
	return "Unknown";
}

McapStatus
mcap_error_set(McapError *err, McapStatus code, uint64_t offset,
			   const char *fmt,...)
{
	va_list		args;

	if (err == NULL)
		return code;
	err->code = code;
	err->offset = offset;
	va_start(args, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, args);
	va_end(args);
	return code;
}

void
mcap_error_shift(McapError *err, uint64_t base)
{
	if (err != NULL)
		err->offset += base;
}

void
mcap_recovery_add_problem(McapRecovery *rec, const McapError *e)
{
	if (rec->problem_count < MCAP_MAX_PROBLEMS)
		rec->problems[rec->problem_count] = *e;
	if (rec->problem_count < UINT32_MAX)
		rec->problem_count++;
}

/* Append formatted text to buf at *used, never past buflen. */
static void
describe_append(char *buf, size_t buflen, size_t *used, const char *fmt,...)
			MCAP_PRINTF(4, 5);

static void
describe_append(char *buf, size_t buflen, size_t *used, const char *fmt,...)
{
	va_list		args;
	int			n;

	if (*used >= buflen)
		return;
	va_start(args, fmt);
	n = vsnprintf(buf + *used, buflen - *used, fmt, args);
	va_end(args);
	if (n > 0)
		*used += (size_t) n;
	if (*used >= buflen)
		*used = buflen;
}

void
mcap_recovery_describe(const McapRecovery *rec, char *buf, size_t buflen)
{
	size_t		used = 0;
	uint32_t	shown;

	if (buf == NULL || buflen == 0)
		return;
	buf[0] = '\0';
	if (rec->complete)
		describe_append(buf, buflen, &used, "complete");
	else if (rec->truncated)
		describe_append(buf, buflen, &used,
						"truncated: last complete record ends at offset %" PRIu64
						", %" PRIu64 " bytes dropped",
						rec->valid_end, rec->bytes_dropped);
	else
		describe_append(buf, buflen, &used,
						"incomplete: no footer, stream ends at offset %" PRIu64,
						rec->valid_end);
	if (rec->chunks_skipped > 0)
		describe_append(buf, buflen, &used, "; %" PRIu64 " chunk%s skipped",
						rec->chunks_skipped, rec->chunks_skipped == 1 ? "" : "s");
	if (rec->records_skipped > 0)
		describe_append(buf, buflen, &used, "; %" PRIu64 " record%s skipped",
						rec->records_skipped,
						rec->records_skipped == 1 ? "" : "s");
	if (rec->trailing_data)
		describe_append(buf, buflen, &used,
						"; trailing data after the closing magic at offset %" PRIu64,
						rec->trailing_offset);
	shown = rec->problem_count < MCAP_MAX_PROBLEMS ?
		rec->problem_count : MCAP_MAX_PROBLEMS;
	for (uint32_t i = 0; i < shown; i++)
		describe_append(buf, buflen, &used, "; %s at offset %" PRIu64 ": %s",
						mcap_status_name(rec->problems[i].code),
						rec->problems[i].offset, rec->problems[i].message);
	if (rec->problem_count > shown)
		describe_append(buf, buflen, &used, "; %" PRIu32 " more problems",
						rec->problem_count - shown);
}
