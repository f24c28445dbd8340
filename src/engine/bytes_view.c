/*-------------------------------------------------------------------------
 *
 * bytes_view.c
 *	  Engine: a message's bytes as a bytea datum without copying them, as
 *	  a read-only expanded object (bytes_view.h).
 *
 *-------------------------------------------------------------------------
 */
#include "engine/bytes_view.h"

#include "utils/expandeddatum.h"
#include "utils/memutils.h"

struct BytesView
{
	ExpandedObjectHeader hdr;
	const uint8 *data;
	size_t		len;
};

static Size
view_flat_size(ExpandedObjectHeader *eohptr)
{
	BytesView  *view = (BytesView *) eohptr;

	return VARHDRSZ + view->len;
}

static void
view_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	BytesView  *view = (BytesView *) eohptr;

	Assert(allocated_size == VARHDRSZ + view->len);
	SET_VARSIZE(result, VARHDRSZ + view->len);
	memcpy(VARDATA(result), view->data, view->len);
}

static const ExpandedObjectMethods view_methods = {
	view_flat_size,
	view_flatten
};

BytesView *
bytes_view_create(void)
{
	BytesView  *view = palloc0(sizeof(BytesView));

	EOH_init_header(&view->hdr, &view_methods, CurrentMemoryContext);
	return view;
}

Datum
bytes_view_datum(BytesView *view, McapBytes b)
{
	if (b.len > MaxAllocHugeSize - VARHDRSZ)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("a message of %llu bytes is too large for a bytea",
							   (unsigned long long) b.len)));
	view->data = b.data;
	view->len = (size_t) b.len;
	return EOHPGetRODatum(&view->hdr);
}
