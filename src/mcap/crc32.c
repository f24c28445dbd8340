/*-------------------------------------------------------------------------
 *
 * crc32.c
 *	  CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as MCAP uses for
 *	  its data section, summary, chunk and attachment checksums.
 *
 * zlib's crc32() computes the same function with a hardware-friendly
 * implementation, so use it: it is a dependency already (MAT v7).
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <zlib.h>

uint32_t
mcap_crc32_update(uint32_t crc, const void *data, size_t len)
{
	const Bytef *p = data;

	/* zlib takes uInt lengths; feed very large buffers in pieces */
	while (len > 0)
	{
		uInt		n = len > (1u << 30) ? (1u << 30) : (uInt) len;

		crc = (uint32_t) crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}
