/*-------------------------------------------------------------------------
 *
 * decode_int.h
 *	  Internal declarations shared by the decoder sources: the compiled
 *	  decoder, the arena that owns its memory, error reporting, and the
 *	  schema-introspection interface that signal paths are checked against.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_DECODE_INT_H
#define HD_DECODE_INT_H

#include "decode.h"
#include "hd_utf8.h"

/* ----------
 * Arena: all memory of a compiled decoder, freed at once.
 * ----------
 */
typedef struct HdArenaBlock HdArenaBlock;

typedef struct HdArena
{
	HdArenaBlock *head;
	size_t		total;			/* bytes obtained from malloc */
} HdArena;

extern void *hd_arena_alloc(HdArena *arena, size_t size);
extern void *hd_arena_zalloc(HdArena *arena, size_t size);
extern char *hd_arena_strndup(HdArena *arena, const char *s, size_t len);
extern void hd_arena_free(HdArena *arena);

/* ----------
 * Errors
 * ----------
 */
#if defined(__GNUC__) || defined(__clang__)
#define HD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HD_PRINTF(a, b)
#endif

/* Fill err (when not NULL) and return code. */
extern int	hd_error(HdError *err, HdErrorCode code, size_t offset,
					 const char *fmt,...) HD_PRINTF(4, 5);

/* ----------
 * Walk helpers
 * ----------
 */

/* Call a visitor callback, treating a NULL callback as HD_CONTINUE. */
#define HD_VISIT(v, cb, ...) ((v)->cb ? (v)->cb(__VA_ARGS__) : HD_CONTINUE)

/*
 * Result of a step of a walk: HD_OK to go on, HD_WALK_STOP when the visitor
 * asked to stop, or an HdErrorCode.
 */
#define HD_WALK_STOP (-1)

/* Map a visitor's answer to a walk result (HD_SKIP is the caller's affair). */
static inline int
hd_visit_result(int action, HdError *err)
{
	if (action == HD_STOP)
		return HD_WALK_STOP;
	if (action == HD_ABORT)
		return hd_error(err, HD_ERR_VISITOR, 0, "decoding stopped by its consumer");
	return HD_OK;
}

/*
 * Most values a walk reports for one message: a schema can make a few bytes
 * stand for many values (protobuf defaults, empty ROS 1 structs in fixed
 * arrays), so the work per message is bounded by its size.
 */
static inline size_t
hd_value_budget(size_t len)
{
	return ((size_t) 1 << 22) + (len < SIZE_MAX / 64 ? len * 64 : SIZE_MAX / 2);
}

/* ----------
 * Schema introspection, used to check signal paths.
 * ----------
 */
typedef enum HdNodeKind
{
	HD_NODE_OBJECT,				/* fields by name */
	HD_NODE_MAP,				/* any key, one value type */
	HD_NODE_ARRAY,				/* elements of one type */
	HD_NODE_NUMBER,				/* numeric leaf (also bool and enum) */
	HD_NODE_OTHER,				/* string, bytes: not a signal */
	HD_NODE_ANY					/* not known from the schema (json) */
} HdNodeKind;

typedef struct HdNode
{
	HdNodeKind	kind;
	bool		open;			/* object: names not listed are allowed */
	const void *type;			/* format-specific */
	const void *field;			/* format-specific */
} HdNode;

/* One step of a signal path, as path.c parsed and checked it */
typedef struct HdPathStep
{
	bool		is_index;		/* [n] on an array */
	const char *name;			/* field name, or map key as text */
	size_t		len;
	int64_t		index;
} HdPathStep;

typedef struct HdSchemaOps
{
	void		(*root) (const HdDecoder *decoder, HdNode *out);
	int			(*nfields) (const HdNode *node);
	/* name of field i of an object node; child receives its node */
	const char *(*field) (const HdNode *node, int i, HdNode *child);
	/* element of an array node, value of a map node */
	void		(*element) (const HdNode *node, HdNode *child);

	/*
	 * Optional (NULL: the type is named by the node's kind): the type name
	 * of a leaf node as the schema writes it ("float", "uint32", "enum"),
	 * and the name of value i of an enum leaf (NULL past the last, or for
	 * a leaf that is not an enum).  hd_fields uses them.
	 */
	const char *(*leaf_type) (const HdNode *node);
	const char *(*enum_name) (const HdNode *node, int i);

	/*
	 * Optional (NULL for a format without one): a checked path compiled to
	 * read its number straight from a message, giving what the generic
	 * walk of path_extract.c gives.  compile_path returns NULL for a path
	 * it does not handle (the walk is used then); extract_paths reads
	 * npaths (1 to HD_MAX_PATHS) such paths in one pass, out[] and found[]
	 * cleared by the caller.
	 */
	void	   *(*compile_path) (const HdDecoder *decoder,
								 const HdPathStep *steps, int nsteps);
	int			(*extract_paths) (const void *const *paths, int npaths,
								  const uint8_t *msg, size_t len,
								  double *out, bool *found, HdError *err);
	void		(*free_path) (void *path);
} HdSchemaOps;

/* ----------
 * The compiled decoder
 * ----------
 */
typedef enum HdFormat
{
	HD_FORMAT_PROTOBUF,
	HD_FORMAT_JSON,
	HD_FORMAT_CDR,
	HD_FORMAT_ROS1
} HdFormat;

struct HdDecoder
{
	HdFormat	format;
	HdArena		arena;
	const void *root;			/* format-specific compiled schema */
	const HdSchemaOps *schema_ops;
};

/* ----------
 * Signal paths (path.c, path_extract.c)
 * ----------
 */

/* Does a path have a compiled form (HdSchemaOps.compile_path)? */
extern bool hd_path_is_compiled(const HdPath *path);

/*
 * The generic extraction, walking the message with a visitor, whatever the
 * format.  hd_extract_numbers uses it for paths without a compiled form.
 */
extern int	hd_extract_numbers_walk(const HdDecoder *decoder,
									const HdPath *const *paths, int npaths,
									const uint8_t *msg, size_t len,
									double *out, bool *found, HdError *err);

/* base64 of len bytes into out (needs 4 * ((len + 2) / 3) bytes) */
extern size_t hd_base64_encode(char *out, const uint8_t *in, size_t len);

#endif							/* HD_DECODE_INT_H */
