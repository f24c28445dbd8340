/*-------------------------------------------------------------------------
 *
 * path_extract.c
 *	  Extracting the numbers compiled signal paths name from messages.
 *
 * The generic extraction walks the message with a picking visitor: it
 * follows the position in the message, answers HD_SKIP for every field and
 * array element no path leads through (so the decoder steps over them
 * without decoding), records the leaves, and stops the walk as soon as
 * every path has its value.
 *
 * When every path given has a compiled form (HdSchemaOps.compile_path:
 * protobuf's reads only the tags on its way), the format extracts them
 * instead, with the value and error the walk gives.  Several such paths
 * share one pass over the levels they have in common; each gets what it
 * would get alone, and the pass fails when any path alone would.  (On a
 * broken message the walk of several paths may fail where each alone
 * succeeds: it goes on decoding a packed run past a value once found.)
 *
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "path_int.h"

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
	bool		in_array[HD_PATH_MAX_LEVELS];
	int64_t		index[HD_PATH_MAX_LEVELS];	/* current element, in an array */
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
	if (pk->level + 1 >= HD_PATH_MAX_LEVELS)
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
 * Every path by its compiled form (HdSchemaOps.extract_paths), reading each
 * level of the message once for all paths that go through it.
 */
static int
extract_compiled(const HdPath *const *paths, int npaths, const uint8_t *msg,
				 size_t len, double *out, bool *found, HdError *err)
{
	const void *compiled[HD_MAX_PATHS];
	int			rc;

	if (msg == NULL && len > 0)
		return hd_error(err, HD_ERR_ARGUMENT, 0, "message is NULL");
	if (msg == NULL)
		msg = (const uint8_t *) "";
	for (int i = 0; i < npaths; i++)
		compiled[i] = paths[i]->compiled;
	rc = paths[0]->ops->extract_paths(compiled, npaths, msg, len, out, found,
									  err);
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
		if (paths[i]->compiled == NULL)
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
