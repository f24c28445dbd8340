/*-------------------------------------------------------------------------
 *
 * cdr.c
 *	  Decoding ROS 2 messages in CDR: the encapsulation header, then the
 *	  walk of ros_walk.c.
 *
 * A message starts with 4 bytes: 0x00 and the representation (0x00 plain
 * CDR big endian, 0x01 plain CDR little endian), then two option bytes.
 * Parameter-list and XCDR2 representations are not supported.
 *
 *-------------------------------------------------------------------------
 */
#include "formats.h"
#include "ros_int.h"

#define CDR_HEADER_SIZE 4

int
hd_cdr_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
			  const HdVisitor *v, void *ctx, HdError *err)
{
	RosWire		wire;

	if (len < CDR_HEADER_SIZE)
		return hd_error(err, HD_ERR_TRUNCATED, 0,
						"CDR message truncated: %zu bytes, shorter than its 4-byte header", len);
	if (msg[0] != 0 || msg[1] > 1)
		return hd_error(err, HD_ERR_UNSUPPORTED, 0,
						"CDR representation 0x%02x%02x is not supported (only plain CDR, 0x0000 and 0x0001)",
						msg[0], msg[1]);
	wire = msg[1] == 1 ? ROS_WIRE_CDR_LE : ROS_WIRE_CDR_BE;
	return ros_walk(d->root, wire, msg, CDR_HEADER_SIZE, len, v, ctx, err);
}
