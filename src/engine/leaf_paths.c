/*-------------------------------------------------------------------------
 *
 * leaf_paths.c
 *	  Engine: which leaves of a channel get leaf blocks, as the signal
 *	  paths hdaq.signal takes.  Every numeric leaf outside arrays and maps
 *	  (hd_fields), and every element of the arrays a channel's first
 *	  message holds: cell_voltages[0] .. cell_voltages[125] for a message
 *	  with 126 cell voltages, cells[2].voltage for an array of
 *	  sub-messages, one leaf per combination of indexes for arrays in
 *	  arrays.  A leaf gets blocks only when every message holds it, so the
 *	  elements of the first message are all that can: a later, longer
 *	  array's extra elements, like any element some message lacks, are
 *	  read by decoding (engine/leaf_blocks.c drops them).
 *
 * hdaq.leaf_blocks_max_index bounds the leaves of one repeated field:
 * its first N elements (for arrays in arrays, its first N combinations of
 * indexes in index order); later elements are read by decoding.  Values
 * of maps get no blocks (their keys are in the messages, not the schema).
 *
 * leaf_path_type() tells whether the schema lists a signal path as a leaf
 * and whether that leaf steps: the one rule hdaq.resample and math
 * channels interpolate by.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/leaf_paths.h"

#include "engine/array_lengths.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/guc.h"

int			leaf_blocks_max_index = 256;

/* the placeholder hd_fields writes for the elements of an array */
#define ELEMENT_PLACEHOLDER "[0]"
/* the start of a map key placeholder (["key"]) */
#define MAP_PLACEHOLDER "[\""

void
leaf_paths_define_gucs(void)
{
	DefineCustomIntVariable("hdaq.leaf_blocks_max_index",
							"Most elements of one repeated field that get leaf blocks.",
							"A numeric leaf inside an array gets blocks for its first N elements "
							"(indexes 0 to N-1; inside arrays in arrays, its first N combinations of indexes); "
							"later elements are read by decoding the messages. 0: no leaf inside an array gets blocks.",
							&leaf_blocks_max_index, 256, 0, 65536, PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* What hd_fields gives: the leaves outside arrays, and templates inside. */
typedef struct FieldLists
{
	List	   *plain;			/* paths */
	List	   *templates;		/* paths with [0] for each enclosing array */
} FieldLists;

static bool
collect_field(void *ctx, const HdField *field)
{
	FieldLists *fl = ctx;

	if (!field->numeric)
		return true;
	if (!field->repeated)
		fl->plain = lappend(fl->plain, pstrdup(field->path));
	else if (strstr(field->path, MAP_PLACEHOLDER) == NULL &&
			 strstr(field->path, ELEMENT_PLACEHOLDER) != NULL)
		fl->templates = lappend(fl->templates, pstrdup(field->path));
	return true;
}

/* The arrays of one message and their lengths; NULL if it does not decode. */
static HTAB *
message_array_lengths(const HdDecoder *decoder, const uint8 *msg, size_t len)
{
	HTAB	   *lengths = array_lengths_create();
	HdError		err;

	if (array_lengths_add(lengths, decoder, msg, len, &err) != HD_OK)
		return NULL;
	return lengths;
}

/* Expanding one template into the paths of its elements. */
typedef struct Expansion
{
	const char *template;
	HTAB	   *lengths;
	StringInfoData path;		/* the path so far, with real indexes */
	int			left;			/* leaves this template may still give */
	List	   *paths;
} Expansion;

/* The length of the array whose hd_fields path is template[0 .. end). */
static int64
array_length(Expansion *ex, const char *end)
{
	int64		length;

	if (!array_lengths_find(ex->lengths, ex->template, end - ex->template, &length))
		return 0;
	return length;
}

/* Each element of the template from 'from' on, after ex->path. */
static void
expand_from(Expansion *ex, const char *from)
{
	const char *next = strstr(from, ELEMENT_PLACEHOLDER);
	int			at = ex->path.len;
	int64		length;

	CHECK_FOR_INTERRUPTS();
	if (next == NULL)
	{
		if (ex->left > 0)
		{
			appendStringInfoString(&ex->path, from);
			ex->paths = lappend(ex->paths, pstrdup(ex->path.data));
			ex->left--;
		}
	}
	else
	{
		length = array_length(ex, next);
		for (int64 k = 0; k < length && ex->left > 0; k++)
		{
			appendBinaryStringInfo(&ex->path, from, next - from);
			appendStringInfo(&ex->path, "[" INT64_FORMAT "]", k);
			expand_from(ex, next + strlen(ELEMENT_PLACEHOLDER));
			ex->path.len = at;
			ex->path.data[at] = '\0';
		}
	}
	ex->path.len = at;
	ex->path.data[at] = '\0';
}

/* The element paths of the templates, in the lengths of one message. */
static List *
expand_templates(List *templates, HTAB *lengths)
{
	Expansion	ex = {0};
	ListCell   *lc;

	initStringInfo(&ex.path);
	ex.lengths = lengths;
	foreach(lc, templates)
	{
		ex.template = lfirst(lc);
		ex.left = leaf_blocks_max_index;
		resetStringInfo(&ex.path);
		expand_from(&ex, ex.template);
	}
	pfree(ex.path.data);
	return ex.paths;
}

List *
leaf_paths_find(const HdDecoder *decoder, const uint8 *msg, size_t len)
{
	FieldLists	fl = {NIL, NIL};
	HdError		err;
	HTAB	   *lengths;

	if (hd_fields(decoder, collect_field, &fl, &err) != HD_OK)
		return NIL;
	if (fl.templates == NIL || leaf_blocks_max_index == 0)
		return fl.plain;
	lengths = message_array_lengths(decoder, msg, len);
	if (lengths == NULL)
		return fl.plain;
	return list_concat(fl.plain, expand_templates(fl.templates, lengths));
}

/* A path as hdaq.fields writes it: [0] for an index, ["key"] for a map key. */
static char *
field_form(const char *path)
{
	StringInfoData out;

	initStringInfo(&out);
	for (const char *p = path; *p; p++)
	{
		const char *close;
		bool		digits = true;

		if (*p != '[' || (close = strchr(p, ']')) == NULL)
		{
			appendStringInfoChar(&out, *p);
			continue;
		}
		for (const char *q = p + 1; q < close; q++)
			digits &= (*q >= '0' && *q <= '9') || *q == '-';
		appendStringInfoString(&out, digits && close > p + 1 ? ELEMENT_PLACEHOLDER : "[\"key\"]");
		p = close;
	}
	return out.data;
}

typedef struct FieldMatch
{
	const char *path;
	bool		found;
	bool		stepped;
} FieldMatch;

static bool
match_field(void *ctx, const HdField *field)
{
	FieldMatch *fm = ctx;
	static const char *const continuous[] = {"float", "double", "float32",
	"float64", "number"};

	if (strcmp(field->path, fm->path) != 0)
		return true;
	fm->found = true;
	fm->stepped = field->numeric;
	for (size_t i = 0; i < lengthof(continuous); i++)
		if (strcmp(field->type, continuous[i]) == 0)
			fm->stepped = false;
	return false;
}

bool
leaf_path_type(const HdDecoder *decoder, const char *path, bool *stepped)
{
	FieldMatch	fm = {field_form(path), false, false};
	HdError		err;

	memset(&err, 0, sizeof(err));
	*stepped = false;
	if (decoder == NULL || hd_fields(decoder, match_field, &fm, &err) != HD_OK)
		return false;
	*stepped = fm.stepped;
	return fm.found;
}
