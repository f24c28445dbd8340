/*-------------------------------------------------------------------------
 *
 * path.c
 *	  Signal paths: compiling "a.b[3].c" against a decoder's schema, and
 *	  extracting the numbers they name from messages.
 *
 * Compiling checks each step against the schema (through the decoder's
 * HdSchemaOps) before any message is read, and explains a wrong name with
 * the nearest field names by edit distance.  Extracting walks the message
 * with a picking visitor: it follows the position in the message, answers
 * HD_SKIP for every field and array element no path leads through (so the
 * decoder steps over them without decoding), records the leaves, and stops
 * the walk as soon as every path has its value.
 *
 * A path of a protobuf decoder is also compiled to field numbers
 * (protobuf_path.c), and extracted by reading only the tags on its way,
 * with the value and error the walk gives.  Several such paths share one
 * pass over the levels they have in common; each gets what it would get
 * alone, and the pass fails when any path alone would.  (On a broken
 * message the walk of several paths may fail where each alone succeeds:
 * it goes on decoding a packed run past a value once found.)  The walk
 * stays for the other formats, for paths that form does not handle, and
 * when any of the paths given has no compiled form.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protobuf_int.h"

#define MAX_PATH_TEXT 4096
#define MAX_LEVELS (2 * HD_MAX_DEPTH + 4)
#define MAX_HINTS 3
#define MAX_LISTED 8
#define MAX_DISTANCE_LEN 64

typedef struct PathStep
{
	size_t		text_end;		/* where the step ends in the path's text */
	bool		is_index;
	const char *name;			/* a field name or map key */
	size_t		len;
	int64_t		index;
} PathStep;

struct HdPath
{
	const HdDecoder *decoder;
	int			nsteps;
	PathStep   *steps;
	PbPath	   *pb;				/* compiled protobuf form, or NULL */
};

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

/* Levenshtein distance, ignoring case */
static size_t
edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		row[MAX_DISTANCE_LEN + 1];
	size_t		i,
				j;

	if (alen > MAX_DISTANCE_LEN || blen > MAX_DISTANCE_LEN)
		return SIZE_MAX;
	for (j = 0; j <= blen; j++)
		row[j] = j;
	for (i = 1; i <= alen; i++)
	{
		size_t		diag = row[0];

		row[0] = i;
		for (j = 1; j <= blen; j++)
		{
			size_t		up = row[j];
			size_t		cost = tolower((unsigned char) a[i - 1]) !=
				tolower((unsigned char) b[j - 1]);
			size_t		best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[blen];
}

/* ", \"name\"" appended to buf */
static void
append_name(char *buf, size_t size, const char *name, bool first)
{
	size_t		n = strlen(buf);

	if (n + 1 < size)
		snprintf(buf + n, size - n, "%s\"%s\"", first ? "" : ", ", name);
}

/* "; its fields are a, b, c, ..." */
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
	for (i = 0; i < n && i < MAX_LISTED; i++)
		append_name(buf, size, d->schema_ops->field(node, i, &child), i == 0);
	if (n > MAX_LISTED)
		strncat(buf, ", ...", size - strlen(buf) - 1);
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

/* The compiled protobuf form of a checked path; NULL to use the walk */
static PbPath *
compile_protobuf(const HdDecoder *decoder, const HdPath *path)
{
	PbPathInput *in = malloc(sizeof(PbPathInput) * (size_t) path->nsteps);
	PbPath	   *pb;
	int			i;

	if (in == NULL)
		return NULL;
	for (i = 0; i < path->nsteps; i++)
	{
		in[i].is_index = path->steps[i].is_index;
		in[i].name = path->steps[i].name;
		in[i].len = path->steps[i].len;
		in[i].index = path->steps[i].index;
	}
	pb = pb_path_compile(decoder->root, in, path->nsteps);
	free(in);
	return pb;
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
	path->pb = NULL;
	if (decoder->format == HD_FORMAT_PROTOBUF)
		path->pb = compile_protobuf(decoder, path);
	return path;
}

const PbPath *
hd_path_protobuf(const HdPath *path)
{
	return path->pb;
}

void
hd_path_free(HdPath *path)
{
	if (path != NULL)
		pb_path_free(path->pb);
	free(path);
}

/* ----------
 * Picking values out of a message
 * ----------
 */
typedef struct Picker
{
	const HdPath *const *paths;
	int			npaths;
	double	   *out;
	bool	   *found;
	int			remaining;		/* paths not yet settled */
	int			level;			/* containers open */
	bool		in_array[MAX_LEVELS];
	int64_t		index[MAX_LEVELS];	/* current element, in an array */
	int			matched[HD_MAX_PATHS];	/* steps matched along the position */
	bool		settled[HD_MAX_PATHS];
} Picker;

static bool
step_matches(const PathStep *step, const char *name, size_t len, int64_t index)
{
	if (name == NULL)
		return step->is_index && step->index == index;
	if (!step->is_index)
		return step->len == len && memcmp(step->name, name, len) == 0;
	{
		char		buf[24];
		int			n = snprintf(buf, sizeof(buf), "%" PRId64, step->index);

		return (size_t) n == len && memcmp(buf, name, len) == 0;
	}
}

/*
 * A value comes at the current level, under a field name or (name NULL) an
 * array index.  Returns true when some path leads through it.
 */
static bool
advance(Picker *pk, const char *name, size_t len, int64_t index)
{
	int			cur = pk->level;
	bool		any = false;
	int			i;

	for (i = 0; i < pk->npaths; i++)
	{
		const HdPath *path = pk->paths[i];

		if (pk->settled[i])
			continue;
		if (pk->matched[i] >= cur)
			pk->matched[i] = cur - 1;	/* left the previous sibling */
		if (pk->matched[i] == cur - 1 && cur - 1 < path->nsteps &&
			step_matches(&path->steps[cur - 1], name, len, index))
		{
			pk->matched[i] = cur;
			any = true;
		}
	}
	return any;
}

/* Before a value: count it when in an array; true if a path wants it */
static bool
wanted(Picker *pk)
{
	int			i;

	if (pk->level == 0)
		return true;
	if (pk->in_array[pk->level])
		return advance(pk, NULL, 0, ++pk->index[pk->level]);
	for (i = 0; i < pk->npaths; i++)
		if (!pk->settled[i] && pk->matched[i] == pk->level)
			return true;
	return false;
}

/* Settle the paths ending at this value; value NULL: not a number */
static int
settle(Picker *pk, const double *value)
{
	int			i;

	for (i = 0; i < pk->npaths; i++)
	{
		if (pk->settled[i] || pk->matched[i] != pk->level ||
			pk->paths[i]->nsteps != pk->level)
			continue;
		pk->settled[i] = true;
		pk->remaining--;
		if (value != NULL)
		{
			pk->out[i] = *value;
			pk->found[i] = true;
		}
	}
	return pk->remaining == 0 ? HD_STOP : HD_CONTINUE;
}

static int
pick_number(void *ctx, double v)
{
	Picker	   *pk = ctx;

	if (!wanted(pk))
		return HD_CONTINUE;
	return settle(pk, &v);
}

static int
pick_open(Picker *pk, bool array)
{
	int			a;

	if (!wanted(pk))
		return HD_SKIP;
	if ((a = settle(pk, NULL)) == HD_STOP)
		return HD_STOP;
	if (pk->level + 1 >= MAX_LEVELS)
		return HD_SKIP;
	pk->level++;
	pk->in_array[pk->level] = array;
	pk->index[pk->level] = -1;
	return HD_CONTINUE;
}

static int
pick_begin_object(void *ctx)
{
	return pick_open(ctx, false);
}

static int
pick_begin_array(void *ctx, int64_t count)
{
	(void) count;
	return pick_open(ctx, true);
}

static int
pick_close(void *ctx)
{
	((Picker *) ctx)->level--;
	return HD_CONTINUE;
}

static int
pick_field(void *ctx, const char *name, size_t len)
{
	return advance(ctx, name, len, -1) ? HD_CONTINUE : HD_SKIP;
}

static int
pick_int64(void *ctx, int64_t v)
{
	return pick_number(ctx, (double) v);
}

static int
pick_uint64(void *ctx, uint64_t v)
{
	return pick_number(ctx, (double) v);
}

static int
pick_float64(void *ctx, double v, bool is_float32)
{
	(void) is_float32;
	return pick_number(ctx, v);
}

static int
pick_boolean(void *ctx, bool v)
{
	return pick_number(ctx, v ? 1.0 : 0.0);
}

static int
pick_enumeration(void *ctx, int32_t number, const char *name)
{
	(void) name;
	return pick_number(ctx, number);
}

/* null, strings and bytes: the path is settled, without a number */
static int
pick_not_number(Picker *pk)
{
	if (!wanted(pk))
		return HD_CONTINUE;
	return settle(pk, NULL);
}

static int
pick_null(void *ctx)
{
	return pick_not_number(ctx);
}

static int
pick_string(void *ctx, const char *s, size_t len)
{
	(void) s;
	(void) len;
	return pick_not_number(ctx);
}

static int
pick_bytes(void *ctx, const uint8_t *b, size_t len)
{
	(void) b;
	(void) len;
	return pick_not_number(ctx);
}

static const HdVisitor picker_visitor = {
	.begin_object = pick_begin_object,
	.end_object = pick_close,
	.begin_array = pick_begin_array,
	.end_array = pick_close,
	.field = pick_field,
	.int64 = pick_int64,
	.uint64 = pick_uint64,
	.float64 = pick_float64,
	.string = pick_string,
	.bytes = pick_bytes,
	.boolean = pick_boolean,
	.null = pick_null,
	.enumeration = pick_enumeration,
};

/* Check the arguments of an extraction and clear its results */
static int
check_extract_args(const HdDecoder *decoder, const HdPath *const *paths,
				   int npaths, double *out, bool *found, HdError *err)
{
	int			i;

	if (decoder == NULL || paths == NULL || out == NULL || found == NULL ||
		npaths < 0 || npaths > HD_MAX_PATHS)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "invalid arguments to hd_extract_numbers");
	for (i = 0; i < npaths; i++)
	{
		if (paths[i] == NULL || paths[i]->decoder != decoder)
			return hd_error(err, HD_ERR_ARGUMENT, 0,
							"path %d was not compiled for this decoder", i);
		out[i] = 0;
		found[i] = false;
	}
	return HD_OK;
}

int
hd_extract_numbers_walk(const HdDecoder *decoder, const HdPath *const *paths,
						int npaths, const uint8_t *msg, size_t len,
						double *out, bool *found, HdError *err)
{
	Picker		pk;
	int			rc;

	if ((rc = check_extract_args(decoder, paths, npaths, out, found, err)) != HD_OK)
		return rc;
	if (npaths == 0)
		return HD_OK;
	memset(&pk, 0, sizeof(pk));
	pk.paths = paths;
	pk.npaths = npaths;
	pk.out = out;
	pk.found = found;
	pk.remaining = npaths;
	return hd_decode(decoder, msg, len, &picker_visitor, &pk, err);
}

/*
 * Every path by its compiled protobuf form, reading each level of the
 * message once for all paths that go through it.
 */
static int
extract_compiled(const HdPath *const *paths, int npaths, const uint8_t *msg,
				 size_t len, double *out, bool *found, HdError *err)
{
	const PbPath *pb[HD_MAX_PATHS];
	int			i,
				rc;

	if (msg == NULL && len > 0)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "message is NULL");
	if (msg == NULL)
		msg = (const uint8_t *) "";
	if (npaths == 1)
		rc = pb_path_extract(paths[0]->pb, msg, len, out, found, err);
	else
	{
		for (i = 0; i < npaths; i++)
			pb[i] = paths[i]->pb;
		rc = pb_paths_extract(pb, npaths, msg, len, out, found, err);
	}
	if (rc != HD_OK)
		return rc;
	if (err != NULL)
	{
		err->code = HD_OK;
		err->offset = 0;
		err->message[0] = '\0';
	}
	return HD_OK;
}

int
hd_extract_numbers(const HdDecoder *decoder, const HdPath *const *paths,
				   int npaths, const uint8_t *msg, size_t len,
				   double *out, bool *found, HdError *err)
{
	int			i,
				rc;

	if ((rc = check_extract_args(decoder, paths, npaths, out, found, err)) != HD_OK)
		return rc;
	for (i = 0; i < npaths; i++)
		if (paths[i]->pb == NULL)
			break;
	if (npaths > 0 && i == npaths)
		return extract_compiled(paths, npaths, msg, len, out, found, err);
	return hd_extract_numbers_walk(decoder, paths, npaths, msg, len, out,
								   found, err);
}

int
hd_extract_number(const HdDecoder *decoder, const HdPath *path,
				  const uint8_t *msg, size_t len, double *out, bool *found,
				  HdError *err)
{
	const HdPath *paths[1];

	paths[0] = path;
	return hd_extract_numbers(decoder, paths, 1, msg, len, out, found, err);
}
