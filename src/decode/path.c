/*-------------------------------------------------------------------------
 *
 * path.c
 *	  Signal paths: compiling "a.b[3].c" against a decoder's schema.
 *
 * Compiling parses the text, then checks each step against the schema
 * (through the decoder's HdSchemaOps) before any message is read, and
 * explains a wrong name with the nearest field names by edit distance.
 * A format that has a compiled form of paths (HdSchemaOps.compile_path)
 * also gets the checked path to compile.  Extracting the numbers is
 * path_extract.c's.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path_int.h"
#include "hd_text.h"

#define MAX_PATH_TEXT 4096
#define MAX_HINTS 3
#define MAX_DISTANCE_LEN 64

/* ----------
 * Parsing the text of a path
 * ----------
 */
typedef struct PathParse
{
	const char *text;
	const char *p;
	char	   *names;			/* where step names are copied */
	size_t		nnames;
	HdError    *err;
} PathParse;

static int
syntax_error(PathParse *pp, const char *what)
{
	return hd_error(pp->err, HD_ERR_PATH, (size_t) (pp->p - pp->text),
					"invalid path \"%s\": %s at character %zu",
					pp->text, what, (size_t) (pp->p - pp->text) + 1);
}

/* A name: everything up to '.', '[' or the end */
static int
parse_name(PathParse *pp, PathStep *step)
{
	const char *start = pp->p;

	while (*pp->p != '\0' && *pp->p != '.' && *pp->p != '[' && *pp->p != ']')
		pp->p++;
	if (pp->p == start)
		return syntax_error(pp, "expected a field name");
	step->is_index = false;
	step->name = pp->names + pp->nnames;
	step->len = (size_t) (pp->p - start);
	memcpy(pp->names + pp->nnames, start, step->len);
	pp->nnames += step->len + 1;
	pp->names[pp->nnames - 1] = '\0';
	return HD_OK;
}

/* ["key"] with \" and \\ escapes */
static int
parse_quoted_key(PathParse *pp, PathStep *step)
{
	char		quote = *pp->p++;

	step->is_index = false;
	step->name = pp->names + pp->nnames;
	step->len = 0;
	while (*pp->p != quote)
	{
		if (*pp->p == '\0')
			return syntax_error(pp, "unterminated quoted key");
		if (*pp->p == '\\' && (pp->p[1] == quote || pp->p[1] == '\\'))
			pp->p++;
		pp->names[pp->nnames + step->len++] = *pp->p++;
	}
	pp->p++;
	pp->nnames += step->len + 1;
	pp->names[pp->nnames - 1] = '\0';
	return HD_OK;
}

static int
parse_index(PathParse *pp, PathStep *step)
{
	int64_t		v = 0;

	if (*pp->p < '0' || *pp->p > '9')
		return syntax_error(pp, "expected an index or a quoted key");
	while (*pp->p >= '0' && *pp->p <= '9')
	{
		if (v > (INT64_MAX - 9) / 10)
			return syntax_error(pp, "index too large");
		v = v * 10 + (*pp->p++ - '0');
	}
	step->is_index = true;
	step->index = v;
	return HD_OK;
}

/* "[3]" or "[\"key\"]" */
static int
parse_bracket(PathParse *pp, PathStep *step)
{
	int			rc;

	pp->p++;
	if (*pp->p == '"' || *pp->p == '\'')
		rc = parse_quoted_key(pp, step);
	else
		rc = parse_index(pp, step);
	if (rc != HD_OK)
		return rc;
	if (*pp->p != ']')
		return syntax_error(pp, "expected ']'");
	pp->p++;
	return HD_OK;
}

static int
parse_path(PathParse *pp, PathStep *steps, int *nsteps)
{
	int			n = 0;
	int			rc;

	if (*pp->p == '\0')
		return syntax_error(pp, "empty path");
	if ((rc = parse_name(pp, &steps[n++])) != HD_OK)
		return rc;
	steps[0].text_end = (size_t) (pp->p - pp->text);
	while (*pp->p != '\0')
	{
		if (*pp->p == '.')
		{
			pp->p++;
			rc = parse_name(pp, &steps[n++]);
		}
		else if (*pp->p == '[')
			rc = parse_bracket(pp, &steps[n++]);
		else
			rc = syntax_error(pp, "expected '.' or '['");
		if (rc != HD_OK)
			return rc;
		steps[n - 1].text_end = (size_t) (pp->p - pp->text);
	}
	*nsteps = n;
	return HD_OK;
}

/* ----------
 * Checking a path against the schema
 * ----------
 */

/* Levenshtein distance ignoring case; SIZE_MAX for names too long to compare */
static size_t
edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		row[MAX_DISTANCE_LEN + 1];

	if (alen > MAX_DISTANCE_LEN || blen > MAX_DISTANCE_LEN)
		return SIZE_MAX;
	return hd_edit_distance(a, alen, b, blen, row);
}

/* ", \"name\"" appended to buf */
static void
append_name(char *buf, size_t size, const char *name, bool first)
{
	size_t		n = strlen(buf);

	if (n + 1 < size)
		snprintf(buf + n, size - n, "%s\"%s\"", first ? "" : ", ", name);
}

/*
 * "; its fields are a, b, c": every field, as many as the buffer holds
 * (then "and N more", which only a message of hundreds of fields needs).
 */
static void
list_fields(const HdDecoder *d, const HdNode *node, char *buf, size_t size)
{
	int			n = d->schema_ops->nfields(node);
	int			i;
	HdNode		child;

	if (n == 0)
	{
		snprintf(buf, size, "; it has no fields");
		return;
	}
	snprintf(buf, size, "; its fields are ");
	for (i = 0; i < n; i++)
	{
		const char *f = d->schema_ops->field(node, i, &child);

		if (strlen(buf) + strlen(f) + 4 + 24 >= size)
			break;
		append_name(buf, size, f, i == 0);
	}
	if (i < n)
	{
		size_t		len = strlen(buf);

		snprintf(buf + len, size - len, " and %d more", n - i);
	}
}

/* "; did you mean ..." with the nearest field names, else the field list */
static void
field_hint(const HdDecoder *d, const HdNode *node, const char *name, size_t len,
		   char *buf, size_t size)
{
	const HdSchemaOps *ops = d->schema_ops;
	int			n = ops->nfields(node);
	int			best[MAX_HINTS];
	size_t		dist[MAX_HINTS];
	size_t		limit = len / 2 > 2 ? len / 2 : 2;
	int			nbest = 0,
				i,
				k;
	HdNode		child;

	for (i = 0; i < n; i++)
	{
		const char *f = ops->field(node, i, &child);
		size_t		dd = edit_distance(name, len, f, strlen(f));

		if (dd > limit)
			continue;
		if (nbest < MAX_HINTS)
			k = nbest++;
		else if (dd < dist[MAX_HINTS - 1])
			k = MAX_HINTS - 1;
		else
			continue;
		for (; k > 0 && dist[k - 1] > dd; k--)
		{
			dist[k] = dist[k - 1];
			best[k] = best[k - 1];
		}
		dist[k] = dd;
		best[k] = i;
	}
	if (nbest == 0)
	{
		list_fields(d, node, buf, size);
		return;
	}
	snprintf(buf, size, "; did you mean ");
	for (k = 0; k < nbest; k++)
		append_name(buf, size, ops->field(node, best[k], &child), k == 0);
	strncat(buf, "?", size - strlen(buf) - 1);
}

static const char *
kind_name(HdNodeKind kind)
{
	switch (kind)
	{
		case HD_NODE_OBJECT:
			return "a message";
		case HD_NODE_MAP:
			return "a map";
		case HD_NODE_ARRAY:
			return "an array";
		case HD_NODE_NUMBER:
			return "a number";
		case HD_NODE_OTHER:
			return "a string";
		case HD_NODE_ANY:
			return "a value";
	}
	return "a value";
}

static int
unknown_field(const HdDecoder *d, const HdNode *node, const char *text,
			  const PathStep *step, const char *where, HdError *err)
{
	char		hint[HD_ERROR_MESSAGE_SIZE];

	field_hint(d, node, step->name, step->len, hint, sizeof(hint));
	return hd_error(err, HD_ERR_PATH, 0, "path \"%s\": no field \"%s\" in %s%s",
					text, step->name, where, hint);
}

static int
find_field(const HdDecoder *d, const HdNode *node, const PathStep *step,
		   HdNode *child)
{
	int			n = d->schema_ops->nfields(node);
	int			i;

	for (i = 0; i < n; i++)
	{
		const char *f = d->schema_ops->field(node, i, child);

		if (strlen(f) == step->len && memcmp(f, step->name, step->len) == 0)
			return i;
	}
	return -1;
}

/* Follow one step from node into child; *step may become a map key */
static int
check_step(const HdDecoder *d, const char *text, int i, PathStep *step,
		   const HdNode *node, HdNode *child, char *keybuf, HdError *err)
{
	char		where[MAX_PATH_TEXT + 16];

	if (i == 0)
		snprintf(where, sizeof(where), "the message");
	else
		snprintf(where, sizeof(where), "\"%.*s\"", (int) step[-1].text_end, text);

	if (node->kind == HD_NODE_ANY)
	{
		child->kind = HD_NODE_ANY;
		child->open = true;
		child->type = child->field = NULL;
		return HD_OK;
	}
	if (step->is_index)
	{
		if (node->kind == HD_NODE_ARRAY)
		{
			d->schema_ops->element(node, child);
			return HD_OK;
		}
		if (node->kind == HD_NODE_MAP)
		{
			/* a map with integer keys: the key is its decimal text */
			step->len = (size_t) snprintf(keybuf, 24, "%" PRId64, step->index);
			step->name = keybuf;
			step->is_index = false;
			d->schema_ops->element(node, child);
			return HD_OK;
		}
		return hd_error(err, HD_ERR_PATH, 0,
						"path \"%s\": [%" PRId64 "] applied to %s, not an array",
						text, step->index, kind_name(node->kind));
	}
	switch (node->kind)
	{
		case HD_NODE_MAP:
			d->schema_ops->element(node, child);
			return HD_OK;
		case HD_NODE_OBJECT:
			if (find_field(d, node, step, child) >= 0)
				return HD_OK;
			if (node->open)
			{
				child->kind = HD_NODE_ANY;
				child->open = true;
				child->type = child->field = NULL;
				return HD_OK;
			}
			return unknown_field(d, node, text, step, where, err);
		case HD_NODE_ARRAY:
			return hd_error(err, HD_ERR_PATH, 0,
							"path \"%s\": \"%s\" follows an array; index it first, as in [0].%s",
							text, step->name, step->name);
		default:
			return hd_error(err, HD_ERR_PATH, 0,
							"path \"%s\": \"%s\" follows %s, which has no fields",
							text, step->name, kind_name(node->kind));
	}
}

static int
check_leaf(const HdDecoder *d, const char *text, const HdNode *node,
		   HdError *err)
{
	char		hint[HD_ERROR_MESSAGE_SIZE];

	switch (node->kind)
	{
		case HD_NODE_NUMBER:
		case HD_NODE_ANY:
			return HD_OK;
		case HD_NODE_OBJECT:
			list_fields(d, node, hint, sizeof(hint));
			return hd_error(err, HD_ERR_PATH, 0,
							"path \"%s\" names a message, not a number%s", text, hint);
		case HD_NODE_ARRAY:
			return hd_error(err, HD_ERR_PATH, 0,
							"path \"%s\" names an array, not a number; add an index such as [0]", text);
		case HD_NODE_MAP:
			return hd_error(err, HD_ERR_PATH, 0,
							"path \"%s\" names a map, not a number; add a key such as [\"key\"]", text);
		case HD_NODE_OTHER:
			return hd_error(err, HD_ERR_PATH, 0,
							"path \"%s\" names a string or bytes, not a number", text);
	}
	return HD_OK;
}

/* The format's compiled form of a checked path; NULL to use the walk */
static void *
compile_fast_form(const HdDecoder *decoder, const HdPath *path)
{
	HdPathStep *in;
	void	   *compiled;

	if (decoder->schema_ops->compile_path == NULL)
		return NULL;
	in = malloc(sizeof(HdPathStep) * (size_t) path->nsteps);
	if (in == NULL)
		return NULL;
	for (int i = 0; i < path->nsteps; i++)
	{
		in[i].is_index = path->steps[i].is_index;
		in[i].name = path->steps[i].name;
		in[i].len = path->steps[i].len;
		in[i].index = path->steps[i].index;
	}
	compiled = decoder->schema_ops->compile_path(decoder, in, path->nsteps);
	free(in);
	return compiled;
}

HdPath *
hd_path_compile(const HdDecoder *decoder, const char *text, HdError *err)
{
	size_t		len;
	size_t		max_steps;
	HdPath	   *path;
	PathParse	pp;
	HdNode		node,
				child;
	char	   *keys;
	int			i;

	if (decoder == NULL || text == NULL)
	{
		hd_error(err, HD_ERR_ARGUMENT, 0, "decoder or path is NULL");
		return NULL;
	}
	len = strlen(text);
	if (len > MAX_PATH_TEXT)
	{
		hd_error(err, HD_ERR_PATH, 0, "path longer than %d characters", MAX_PATH_TEXT);
		return NULL;
	}
	/* every step takes at least one character; keys need 24 bytes each */
	max_steps = len + 1;
	path = malloc(sizeof(HdPath) + max_steps * (sizeof(PathStep) + 24) + 2 * len + 2);
	if (path == NULL)
	{
		hd_error(err, HD_ERR_NOMEM, 0, "out of memory");
		return NULL;
	}
	path->decoder = decoder;
	path->steps = (PathStep *) (path + 1);
	keys = (char *) (path->steps + max_steps);
	pp.text = text;
	pp.p = text;
	pp.names = keys + 24 * max_steps;
	pp.nnames = 0;
	pp.err = err;
	if (parse_path(&pp, path->steps, &path->nsteps) != HD_OK)
	{
		free(path);
		return NULL;
	}
	decoder->schema_ops->root(decoder, &node);
	for (i = 0; i < path->nsteps; i++)
	{
		if (check_step(decoder, text, i, &path->steps[i], &node, &child,
					   keys + 24 * i, err) != HD_OK)
		{
			free(path);
			return NULL;
		}
		node = child;
	}
	if (check_leaf(decoder, text, &node, err) != HD_OK)
	{
		free(path);
		return NULL;
	}
	path->ops = decoder->schema_ops;
	path->compiled = compile_fast_form(decoder, path);
	return path;
}

bool
hd_path_is_compiled(const HdPath *path)
{
	return path->compiled != NULL;
}

void
hd_path_free(HdPath *path)
{
	if (path != NULL && path->compiled != NULL)
		path->ops->free_path(path->compiled);
	free(path);
}
