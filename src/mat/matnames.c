/*-------------------------------------------------------------------------
 *
 * matnames.c
 *	  MATLAB names: any bytes made a valid identifier, and made unique in
 *	  a scope (a file's variables, a struct's fields).
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
	for (int i = 0; i < set->count; i++)
		free(set->names[i]);
	free(set->names);
	memset(set, 0, sizeof(MbNameSet));
}

static bool
nameset_has(const MbNameSet *set, const char *name)
{
	for (int i = 0; i < set->count; i++)
		if (strcmp(set->names[i], name) == 0)
			return true;
	return false;
}

bool
mb_unique_name(MbNameSet *set, const char *src, size_t len, char *out)
{
	char		base[MB_NAME_MAX + 1];

	mb_clean_name(src, len, base);
	strcpy(out, base);
	for (int suffix = 2; nameset_has(set, out); suffix++)
	{
		char		tail[16];
		size_t		tlen = (size_t) snprintf(tail, sizeof(tail), "_%d", suffix);
		size_t		keep = strlen(base);

		if (keep + tlen > MB_NAME_MAX)
			keep = MB_NAME_MAX - tlen;
		memcpy(out, base, keep);
		memcpy(out + keep, tail, tlen + 1);
	}
	if (set->count == set->cap)
	{
		int			cap = set->cap ? set->cap * 2 : 16;
		char	  **grown = realloc(set->names, sizeof(char *) * cap);

		if (grown == NULL)
			return false;
		set->names = grown;
		set->cap = cap;
	}
	if ((set->names[set->count] = strdup(out)) == NULL)
		return false;
	set->count++;
	return true;
}
