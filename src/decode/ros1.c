/*-------------------------------------------------------------------------
 *
 * ros1.c
 *	  Decoding ROS 1 messages: the walk of ros_walk.c, little endian and
 *	  packed, from the first byte.
 *
 *-------------------------------------------------------------------------
 */
#include "formats.h"
#include "ros_int.h"

int
hd_ros1_decode(const HdDecoder *d, const uint8_t *msg, size_t len,
			   const HdVisitor *v, void *ctx, HdError *err)
{
	return ros_walk(d->root, ROS_WIRE_ROS1, msg, 0, len, v, ctx, err);
}
