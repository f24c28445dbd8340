/*-------------------------------------------------------------------------
 *
 * protobuf_path_compile.c
 *	  Compiling a checked signal path against a protobuf message type: the
 *	  field each step goes through, and how it is followed (a singular
 *	  field, element k of a repeated field, the value of a map entry).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "protobuf_path_int.h"

/* ----------
 * Compiling
 * ----------
 */
static bool
is_numeric_type(int type)
{
	return type != PB_TYPE_MESSAGE && type != PB_TYPE_STRING &&
		type != PB_TYPE_BYTES && type != PB_TYPE_GROUP;
}

/* Map key types whose text the generic walk spells out */
static bool
is_key_type(int type)
{
	switch (type)
	{
		case PB_TYPE_STRING:
		case PB_TYPE_BOOL:
		case PB_TYPE_INT32:
		case PB_TYPE_INT64:
		case PB_TYPE_UINT32:
		case PB_TYPE_UINT64:
		case PB_TYPE_SINT32:
		case PB_TYPE_SINT64:
		case PB_TYPE_FIXED32:
		case PB_TYPE_FIXED64:
		case PB_TYPE_SFIXED32:
		case PB_TYPE_SFIXED64:
			return true;
	}
	return false;
}

static const PbField *
field_named(const PbMessage *m, const char *name, size_t len)
{
	int			i;

	for (i = 0; i < m->nfields; i++)
		if (m->fields[i].name_len == len &&
			memcmp(m->fields[i].name, name, len) == 0)
			return &m->fields[i];
	return NULL;
}

/*
 * Fill s from the text steps at in[*i], advancing *i past them.  Returns
 * false for what the compiled form does not handle.
 */
static bool
compile_step(const PbMessage *m, const HdPathStep *in, int nsteps, int *i,
			 PbPathStep *s, char **keys)
{
	const PbField *f;

	if (in[*i].is_index ||
		(f = field_named(m, in[*i].name, in[*i].len)) == NULL)
		return false;
	(*i)++;
	s->msg = m;
	s->field = f;
	s->value = f;
	s->kind = PB_STEP_FIELD;
	s->wire_type = pb_wire_type_of(f->type);
	s->index = 0;
	s->key = NULL;
	s->key_len = 0;
	if (!f->repeated)
		return true;
	if (*i >= nsteps)
		return false;
	if (!f->is_map)
	{
		if (!in[*i].is_index)
			return false;
		s->kind = PB_STEP_ELEMENT;
		s->index = in[(*i)++].index;
		return true;
	}
	if (in[*i].is_index || f->message == NULL || f->message->nfields != 2 ||
		!is_key_type(f->message->fields[0].type))
		return false;
	s->kind = PB_STEP_MAP_VALUE;
	s->value = &f->message->fields[1];
	memcpy(*keys, in[*i].name, in[*i].len);
	s->key = *keys;
	s->key_len = in[*i].len;
	*keys += in[*i].len;
	(*i)++;
	return true;
}

void *
pb_path_compile(const HdDecoder *decoder, const HdPathStep *in, int nsteps)
{
	PbPath	   *path;
	const PbMessage *root = decoder->root;
	const PbMessage *m = root;
	size_t		key_bytes = 0;
	char	   *keys;
	int			i = 0,
				n = 0;

	if (root == NULL || nsteps <= 0)
		return NULL;
	for (i = 0; i < nsteps; i++)
		key_bytes += in[i].is_index ? 0 : in[i].len;
	path = malloc(sizeof(PbPath) + (size_t) nsteps * sizeof(PbPathStep) +
				  key_bytes + 1);
	if (path == NULL)
		return NULL;
	keys = (char *) (path->steps + nsteps);
	i = 0;
	while (i < nsteps)
	{
		PbPathStep *s = &path->steps[n++];

		if (!compile_step(m, in, nsteps, &i, s, &keys))
			break;
		if (i == nsteps)
		{
			/* the leaf; a path this deep is left to the generic walk */
			if (!is_numeric_type(s->value->type) || n >= HD_MAX_DEPTH)
				break;
			path->nsteps = n;
			return path;
		}
		if (s->value->type != PB_TYPE_MESSAGE || s->value->message == NULL)
			break;
		m = s->value->message;
	}
	free(path);
	return NULL;
}

void
pb_path_free(void *path)
{
	free(path);
}
