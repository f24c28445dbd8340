/*-------------------------------------------------------------------------
 *
 * matnames.c
 *	  MATLAB names: any bytes made a valid identifier, and made unique in
 *	  a scope (a file's variables, a struct's fields) through a hash set,
 *	  in time linear in the number of names.
 *
 *-------------------------------------------------------------------------
 */
#include "matbuild.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const matlab_keywords[] = {
	"break", "case", "catch", "classdef", "continue", "else", "elseif",
	"end", "for", "function", "global", "if", "otherwise", "parfor",
	"persistent", "return", "spmd", "switch", "try", "while", NULL
};

void
mb_clean_name(const char *src, size_t len, char *out)
{
	size_t		n = 0;
	size_t		i = 0;

	while (i < len && !isalnum((unsigned char) src[i]))
		i++;					/* leading '_' and other characters */
	if (i < len && isdigit((unsigned char) src[i]))
		out[n++] = 'x';
	for (; i < len && n < MB_NAME_MAX; i++)
	{
		unsigned char c = (unsigned char) src[i];

		out[n++] = (c < 128 && (isalnum(c) || c == '_')) ? (char) c : '_';
	}
	if (n == 0)
		out[n++] = 'x';
	out[n] = '\0';
	for (const char *const *k = matlab_keywords; *k; k++)
		if (strcmp(out, *k) == 0)
		{
			out[n++] = '_';
			out[n] = '\0';
			break;
		}
}

void
mb_nameset_init(MbNameSet *set)
{
	memset(set, 0, sizeof(MbNameSet));
}

void
mb_nameset_free(MbNameSet *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i].name);
	free(set->slots);
	memset(set, 0, sizeof(MbNameSet));
}

/* FNV-1a */
static uint64_t
name_hash(const char *name)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char) *name) * 1099511628211ULL;
	return h;
}

/* The slot holding name, or the free slot where it would go. */
static MbNameEntry *
nameset_slot(const MbNameSet *set, const char *name)
{
	size_t		mask = set->cap - 1;
	size_t		i = (size_t) name_hash(name) & mask;

	while (set->slots[i].name != NULL && strcmp(set->slots[i].name, name) != 0)
		i = (i + 1) & mask;
	return &set->slots[i];
}

/* Keep the set at most half full. */
static bool
nameset_grow(MbNameSet *set)
{
	size_t		cap = set->cap ? set->cap * 2 : 16;
	MbNameSet	grown = {calloc(cap, sizeof(MbNameEntry)), set->count, cap, 0};

	if (grown.slots == NULL)
		return false;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i].name != NULL)
			*nameset_slot(&grown, set->slots[i].name) = set->slots[i];
	free(set->slots);
	set->slots = grown.slots;
	set->bytes += (cap - set->cap) * sizeof(MbNameEntry);
	set->cap = cap;
	return true;
}

/* Add name (not in the set yet); false when out of memory. */
static bool
nameset_add(MbNameSet *set, const char *name)
{
	MbNameEntry *e;

	if (2 * (set->count + 1) > set->cap && !nameset_grow(set))
		return false;
	e = nameset_slot(set, name);
	if ((e->name = strdup(name)) == NULL)
		return false;
	e->next_suffix = 2;
	set->count++;
	set->bytes += strlen(name) + 1;
	return true;
}

/* base with "_suffix", cut so the whole stays within MB_NAME_MAX. */
static void
suffixed_name(const char *base, uint32_t suffix, char *out)
{
	char		tail[16];
	size_t		tlen = (size_t) snprintf(tail, sizeof(tail), "_%u", suffix);
	size_t		keep = strlen(base);

	if (keep + tlen > MB_NAME_MAX)
		keep = MB_NAME_MAX - tlen;
	memmove(out, base, keep);
	memcpy(out + keep, tail, tlen + 1);
}

bool
mb_unique_name(MbNameSet *set, const char *src, size_t len, char *out)
{
	char		base[MB_NAME_MAX + 1];
	MbNameEntry *e;

	mb_clean_name(src, len, base);
	strcpy(out, base);
	if (set->cap == 0 && !nameset_grow(set))
		return false;
	e = nameset_slot(set, base);
	if (e->name != NULL)
	{
		/* taken: the next free suffix, starting where the last one stopped */
		uint32_t	suffix = e->next_suffix;

		do
			suffixed_name(base, suffix++, out);
		while (nameset_slot(set, out)->name != NULL);
		nameset_slot(set, base)->next_suffix = suffix;
	}
	return nameset_add(set, out);
}
