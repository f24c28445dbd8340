/*-------------------------------------------------------------------------
 *
 * array_lengths.c
 *	  Engine: the longest length of each array of some messages, by the
 *	  path hd_fields writes for it (enclosing arrays as [0], so the lengths
 *	  of one array in several elements of another come under one path).
 *	  Paths longer than ARRAY_PATH_SIZE - 1 bytes are not kept.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/array_lengths.h"

#define ARRAY_PATH_SIZE 1024

typedef struct ArrayLength
{
	char		path[ARRAY_PATH_SIZE];
	int64		length;
} ArrayLength;

HTAB *
array_lengths_create(void)
{
	HASHCTL		ctl = {0};

	ctl.keysize = ARRAY_PATH_SIZE;
	ctl.entrysize = sizeof(ArrayLength);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("hdaq array lengths", 64, &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

static bool
note_length(void *ctx, const char *path, int64_t length)
{
	HTAB	   *lengths = ctx;
	ArrayLength *e;
	bool		found;

	if (strlen(path) >= ARRAY_PATH_SIZE)
		return true;
	e = hash_search(lengths, path, HASH_ENTER, &found);
	if (!found || length > e->length)
		e->length = length;
	return true;
}

int
array_lengths_add(HTAB *lengths, const HdDecoder *decoder, const uint8 *msg,
				  size_t len, HdError *err)
{
	return hd_array_lengths(decoder, msg, len, note_length, lengths, err);
}

bool
array_lengths_find(HTAB *lengths, const char *path, size_t pathlen,
				   int64 *length)
{
	char		key[ARRAY_PATH_SIZE];
	ArrayLength *e;

	if (pathlen >= ARRAY_PATH_SIZE)
		return false;
	memset(key, 0, sizeof(key));
	memcpy(key, path, pathlen);
	e = hash_search(lengths, key, HASH_FIND, NULL);
	if (e == NULL)
		return false;
	*length = e->length;
	return true;
}
