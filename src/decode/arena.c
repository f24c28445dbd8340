/*-------------------------------------------------------------------------
 *
 * arena.c
 *	  Block allocator owning all memory of a compiled decoder.
 *
 * Compiling a schema makes many small allocations (names, fields, types)
 * that live exactly as long as the decoder.  They come from an arena of
 * malloc'ed blocks, freed together by hd_arena_free, and whose total size
 * is what hd_decoder_memory_size reports.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

#define ARENA_BLOCK_SIZE 8192
#define ARENA_ALIGN 8

struct HdArenaBlock
{
	HdArenaBlock *next;
	size_t		size;			/* usable bytes after the header */
	size_t		used;
	/* data follows, aligned */
};

#define BLOCK_HEADER_SIZE \
	((sizeof(HdArenaBlock) + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1))

static HdArenaBlock *
arena_new_block(HdArena *arena, size_t size)
{
	HdArenaBlock *block;

	if (size > SIZE_MAX - BLOCK_HEADER_SIZE)
		return NULL;
	block = malloc(BLOCK_HEADER_SIZE + size);
	if (block == NULL)
		return NULL;
	block->size = size;
	block->used = 0;
	block->next = arena->head;
	arena->head = block;
	arena->total += BLOCK_HEADER_SIZE + size;
	return block;
}

void *
hd_arena_alloc(HdArena *arena, size_t size)
{
	HdArenaBlock *block = arena->head;
	size_t		rounded;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	rounded = (size + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
	if (block == NULL || block->size - block->used < rounded)
	{
		block = arena_new_block(arena,
								rounded > ARENA_BLOCK_SIZE / 4 ? rounded : ARENA_BLOCK_SIZE);
		if (block == NULL)
			return NULL;
	}
	block->used += rounded;
	return (char *) block + BLOCK_HEADER_SIZE + block->used - rounded;
}

void *
hd_arena_zalloc(HdArena *arena, size_t size)
{
	void	   *p = hd_arena_alloc(arena, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *
hd_arena_strndup(HdArena *arena, const char *s, size_t len)
{
	char	   *p;

	if (len == SIZE_MAX)
		return NULL;
	p = hd_arena_alloc(arena, len + 1);
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
hd_arena_free(HdArena *arena)
{
	HdArenaBlock *block = arena->head;

	while (block != NULL)
	{
		HdArenaBlock *next = block->next;

		free(block);
		block = next;
	}
	arena->head = NULL;
	arena->total = 0;
}
