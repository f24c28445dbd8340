/*-------------------------------------------------------------------------
 *
 * mattopic_int.h
 *	  The field tree of a topic being exported, shared by the walk that
 *	  learns and fills it (mattopic.c) and the writing of the variable
 *	  (mattopic_write.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MATTOPIC_INT_H
#define HDAQ_MATTOPIC_INT_H

#include "mattopic.h"

typedef enum NodeKind
{
	NK_NONE,					/* no value seen (null, empty array) */
	NK_STRUCT,
	NK_NUMBER,
	NK_BOOL,
	NK_STRING
} NodeKind;

typedef struct Node
{
	char	   *raw;			/* the field's name in the message */
	size_t		rawlen;
	char		name[MB_NAME_MAX + 1];	/* its MATLAB name */
	char		enum_name[MB_NAME_MAX + 1]; /* topic layout: its enum table */
	NodeKind	kind;
	bool		is_enum;
	char	   *unit;			/* leaf layout: written as Units; NULL: none */
	bool		external;		/* its values come from mb_topic_put_external */
	struct Node **children;
	int			nchildren;
	int			capchildren;
	int			cursor;			/* where the next field is looked for first */

	/* learnt by pass 1 */
	uint64_t	rows;			/* messages holding the leaf */
	size_t		width;			/* most values in one message */
	uint64_t	chars;			/* bytes of text, for the size estimate */
	uint64_t	presence[2];	/* a signature of the messages holding it */
	int32_t    *enum_values;
	char	  **enum_names;
	int			nenums;
	int			capenums;

	/* the current message */
	uint64_t	serial;
	size_t		occ;
	int64_t		local;			/* its row in the column buffers */

	/* pass 2, or the one pass */
	MbColumn	data;
	MbColumn	time;			/* leaf layout, when rows < messages; in
								 * the one pass, once a message before the
								 * leaf's last lacks it (until then its
								 * times are the topic's first ones) */
	struct Node *time_of;		/* the leaf whose time column is this one's
								 * Timestamp (itself: it fills it); NULL:
								 * the topic's */
	uint64_t	filled;			/* leaf layout: rows begun */
} Node;

/* A scalar as the walk reports it. */
typedef struct Value
{
	NodeKind	kind;
	double		number;
	const char *text;			/* strings; enum names (may be NULL) */
	size_t		len;
} Value;

struct MbTopic
{
	char		name[MB_NAME_MAX + 1];
	MbLayout	layout;
	Node		root;
	uint64_t	messages;		/* pass 1 */
	uint64_t	filled;			/* pass 2 */
	uint64_t	tree_bytes;		/* memory of the field tree (pass 1) */
	uint64_t	nodes;			/* fields in the tree */
	uint64_t	serial;
	int			pass;			/* MB_PASS_* */
	bool		grown;			/* the columns were filled by the one pass */
	bool		two_passes;		/* the one pass cannot go on (mattopic.h) */
	uint64_t	budget;			/* the one pass: most bytes to hold */
	uint64_t	held;			/* the one pass: bytes its columns hold */
	MbFile	   *file;
	MbColumn	time;			/* every message's time */
	Node	  **owners;			/* leaves filling a time column, by presence */
	size_t		capowners;
	size_t		nowners;
	int64_t		time_local;
	double		now;
	bool		failed;
	MbError		error;

	/* leaves whose values the caller gives (mb_topic_set_external) */
	char	  **ext_paths;		/* sorted */
	int		   *ext_from;		/* each one's index in the caller's order */
	bool	   *ext_bool;
	Node	  **ext_nodes;		/* NULL until the walk meets the leaf */
	int			next;

	/* the walk */
	Node	   *stack[HD_MAX_DEPTH + 2];
	bool		in_array[HD_MAX_DEPTH + 2];
	int			depth;
	Node	   *pending;		/* announced by field(), awaiting its value */
};

/* What a walk over a message does */
#define MB_PASS_LEARN 1
#define MB_PASS_FILL 2
#define MB_PASS_ONE 3			/* learn and fill at once */

/* Record the topic's first failure (message in t->error); returns false. */
extern bool mb_topic_fail(MbTopic *t, const char *message);

#endif							/* HDAQ_MATTOPIC_INT_H */
