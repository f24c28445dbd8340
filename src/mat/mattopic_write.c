/*-------------------------------------------------------------------------
 *
 * mattopic_write.c
 *	  A topic's struct variable, once pass 1 has learnt its tree: the
 *	  column buffers sized for pass 2 (mb_topic_prepare), or those the one
 *	  pass grew given their final shape, then the variable written whole
 *	  (v5, v7) or put together from streamed columns (v7.3).
 *
 *-------------------------------------------------------------------------
 */
#include "mattopic_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- between the passes ------------------------------------------------------- */

static bool
is_leaf(const Node *n)
{
	return n->kind != NK_STRUCT;
}

/* The child of n whose field name is the len bytes at name; NULL if none. */
static Node *
child_named(const Node *n, const char *name, size_t len)
{
	for (int i = 0; i < n->nchildren; i++)
		if (n->children[i]->rawlen == len &&
			memcmp(n->children[i]->raw, name, len) == 0)
			return n->children[i];
	return NULL;
}

int
mb_topic_set_unit(MbTopic *t, const char *path, const char *unit)
{
	Node	   *n = &t->root;
	const char *p = path;
	char	   *copy;

	while (n != NULL && *p != '\0')
	{
		size_t		len = strcspn(p, ".[");

		n = child_named(n, p, len);
		p += len;
		if (*p == '[')
		{
			const char *close = strchr(p, ']');

			p = close ? close + 1 : p + strlen(p);
		}
		if (*p == '.')
			p++;
	}
	if (n == NULL || n == &t->root || !is_leaf(n))
		return 0;
	if ((copy = strdup(unit)) == NULL)
		return -1;
	free(n->unit);
	n->unit = copy;
	return 1;
}

static MbClass
leaf_class(const MbTopic *t, const Node *n)
{
	if (n->kind == NK_STRING)
		return MB_CELL;
	if (n->kind == NK_BOOL && n->width == 1 &&
		(t->layout == MB_LAYOUT_LEAF || n->rows == t->messages))
		return MB_LOGICAL;
	return MB_DOUBLE;
}

static uint64_t
leaf_rows(const MbTopic *t, const Node *n)
{
	return t->layout == MB_LAYOUT_LEAF ? n->rows : t->messages;
}

static uint64_t
node_bytes(const MbTopic *t, const Node *n)
{
	uint64_t	bytes = 128;

	if (!is_leaf(n))
	{
		for (int i = 0; i < n->nchildren; i++)
			bytes += 64 + node_bytes(t, n->children[i]);
		return bytes;
	}
	bytes += mb_column_bytes(leaf_class(t, n), leaf_rows(t, n), n->width);
	bytes += 2 * n->chars;
	if (t->layout == MB_LAYOUT_LEAF)
		bytes += mb_column_bytes(MB_DOUBLE, n->rows, 1);
	for (int i = 0; i < n->nenums; i++)
		bytes += 128 + 2 * strlen(n->enum_names[i]);
	return bytes;
}

uint64_t
mb_topic_bytes(const MbTopic *t)
{
	return node_bytes(t, &t->root) + mb_column_bytes(MB_DOUBLE, t->messages, 1);
}

/* What libmatio allocates per variable it holds (a cell element, a field). */
#define MATVAR_BYTES 256

static uint64_t
node_memory(const MbTopic *t, const Node *n, bool streams, uint64_t batch_rows)
{
	uint64_t	bytes = MATVAR_BYTES;
	uint64_t	rows;
	uint64_t	held;

	if (!is_leaf(n))
	{
		for (int i = 0; i < n->nchildren; i++)
			bytes += node_memory(t, n->children[i], streams, batch_rows);
		return bytes;
	}
	rows = leaf_rows(t, n);
	held = streams && rows > batch_rows ? batch_rows : rows;
	switch (leaf_class(t, n))
	{
		case MB_DOUBLE:
			bytes += held * n->width * sizeof(double);
			break;
		case MB_LOGICAL:
			bytes += held * n->width;
			break;
		case MB_CELL:
			bytes += held * n->width * (sizeof(uint16_t *) + sizeof(size_t));
			/* the text, as UTF-16; a whole cell also as libmatio's variables */
			bytes += rows > 0 ? (2 * n->chars * held + rows - 1) / rows : 0;
			if (!streams)
				bytes += held * n->width * MATVAR_BYTES;
			break;
	}
	if (t->layout == MB_LAYOUT_LEAF && n->rows < t->messages)
		bytes += held * sizeof(double); /* at most: leaves may share it */
	bytes += (uint64_t) n->nenums * MATVAR_BYTES;
	return bytes;
}

uint64_t
mb_topic_memory(const MbTopic *t, bool streams, size_t batch_rows)
{
	uint64_t	held = streams && t->messages > batch_rows ? batch_rows : t->messages;

	return mb_topic_tree_bytes(t) + held * sizeof(double) +
		node_memory(t, &t->root, streams, batch_rows > 0 ? batch_rows : 1);
}

static size_t
rows_held(MbTopic *t, uint64_t rows, size_t batch_rows)
{
	if (mb_streams(t->file) && rows > batch_rows)
		return batch_rows;
	return (size_t) rows;
}

/*
 * Leaf layout: the leaf whose time column a leaf held by only some
 * messages shares, found by the signature of the messages holding it: the
 * first leaf of each signature fills a column, the others with the same
 * rows take it as their Timestamp.  NULL when out of memory.
 */
/* The slot of the owners' table for a signature (a free one if none). */
static size_t
owner_slot(Node **owners, size_t cap, const Node *c)
{
	size_t		mask = cap - 1;
	size_t		i = (size_t) (c->presence[0] ^ c->rows) & mask;

	while (owners[i] != NULL &&
		   !(owners[i]->rows == c->rows &&
			 owners[i]->presence[0] == c->presence[0] &&
			 owners[i]->presence[1] == c->presence[1]))
		i = (i + 1) & mask;
	return i;
}

static Node *
time_owner(MbTopic *t, Node *c)
{
	size_t		i;

	if (2 * (t->nowners + 1) > t->capowners)
	{
		/* keep the table at most half full */
		size_t		cap = t->capowners ? 2 * t->capowners : 64;
		Node	  **grown = calloc(cap, sizeof(Node *));

		if (grown == NULL)
			return NULL;
		for (size_t j = 0; j < t->capowners; j++)
			if (t->owners[j] != NULL)
				grown[owner_slot(grown, cap, t->owners[j])] = t->owners[j];
		free(t->owners);
		t->owners = grown;
		t->capowners = cap;
	}
	i = owner_slot(t->owners, t->capowners, c);
	if (t->owners[i] == NULL)
	{
		t->owners[i] = c;
		t->nowners++;
	}
	return t->owners[i];
}

/*
 * The one pass: a leaf's grown column as pass 2 would have it: every
 * message's row in the topic layout, logical when its class says so.
 */
static bool
shape_grown_data(MbTopic *t, Node *c, MbClass cls)
{
	if (t->layout == MB_LAYOUT_TOPIC && c->data.width > 0 &&
		!mb_column_grow(&c->data, (size_t) t->messages, c->data.width))
		return false;
	return cls != MB_LOGICAL || mb_column_to_logical(&c->data);
}

/*
 * The one pass, leaf layout: the times of a leaf's rows.  The leaf that
 * fills a shared time column keeps its own, or takes the topic's first
 * ones when only messages after its last lacked it; the others drop
 * theirs (their Timestamp is their owner's).
 */
static bool
shape_grown_time(MbTopic *t, Node *c)
{
	if (c->time_of != c)
	{
		mb_column_free(&c->time);
		memset(&c->time, 0, sizeof(MbColumn));
		return true;
	}
	if (c->time.d != NULL)
		return true;
	if (!mb_column_grow(&c->time, (size_t) c->rows, 1))
		return false;
	if (c->rows > 0)
		memcpy(c->time.d, t->time.d, sizeof(double) * c->rows);
	return true;
}

/* Name the fields of a struct node and allocate its leaves' columns. */
static bool
prepare_node(MbTopic *t, Node *n, size_t batch_rows, MbError *err)
{
	MbNameSet	names;
	bool		ok = true;

	mb_nameset_init(&names);
	if (n == &t->root && t->layout == MB_LAYOUT_TOPIC)
		ok = mb_unique_name(&names, "Timestamp", 9, n->name);
	for (int i = 0; i < n->nchildren && ok; i++)
	{
		Node	   *c = n->children[i];

		ok = mb_unique_name(&names, c->raw, c->rawlen, c->name);
		if (ok && is_leaf(c) && c->nenums > 0 && t->layout == MB_LAYOUT_TOPIC)
		{
			char		tmp[MB_NAME_MAX + 8];

			snprintf(tmp, sizeof(tmp), "%s_Enum", c->name);
			ok = mb_unique_name(&names, tmp, strlen(tmp), c->enum_name);
		}
	}
	mb_nameset_free(&names);
	if (!ok)
		return mb_topic_fail(t, "out of memory");
	for (int i = 0; i < n->nchildren; i++)
	{
		Node	   *c = n->children[i];
		uint64_t	rows = leaf_rows(t, c);
		MbClass		cls = leaf_class(t, c);

		if (!is_leaf(c))
		{
			if (!prepare_node(t, c, batch_rows, err))
				return false;
			continue;
		}
		if (t->grown ? !shape_grown_data(t, c, cls) :
			!mb_column_init(&c->data, cls, rows_held(t, rows, batch_rows),
							c->width, rows > 0, t->file, err))
			return t->grown ? mb_topic_fail(t, "out of memory") : false;
		c->time_of = NULL;
		if (t->layout == MB_LAYOUT_LEAF && c->rows < t->messages &&
			(c->time_of = time_owner(t, c)) == NULL)
			return mb_topic_fail(t, "out of memory");
		if (t->grown)
		{
			if (!shape_grown_time(t, c))
				return mb_topic_fail(t, "out of memory");
		}
		else if (c->time_of == c &&
				 !mb_column_init(&c->time, MB_DOUBLE,
								 rows_held(t, rows, batch_rows),
								 1, rows > 0, t->file, err))
			return false;
		c->serial = 0;
	}
	n->serial = 0;
	return true;
}

bool
mb_topic_prepare(MbTopic *t, MbFile *f, size_t batch_rows, MbError *err)
{
	t->file = f;
	if (batch_rows == 0)
		batch_rows = 1;
	t->serial = 0;
	t->filled = 0;
	if (t->grown && mb_streams(f))
	{
		snprintf(err->message, sizeof(err->message),
				 "a topic filled in one pass cannot be streamed");
		return false;
	}
	if (!t->grown &&
		!mb_column_init(&t->time, MB_DOUBLE,
						rows_held(t, t->messages, batch_rows), 1,
						t->messages > 0, f, err))
		return false;
	if (!prepare_node(t, &t->root, batch_rows, err))
	{
		if (t->failed)
			*err = t->error;
		return false;
	}
	return true;
}

/* ---- writing: whole variables (v5, v7) ------------------------------------------ */

static matvar_t *
enum_table(const Node *n, const char *name)
{
	size_t		dims[2] = {(size_t) n->nenums, 1};
	double	   *values = malloc(sizeof(double) * (n->nenums > 0 ? n->nenums : 1));
	matvar_t   *fields[2];
	matvar_t   *names;

	if (values == NULL)
		return NULL;
	for (int i = 0; i < n->nenums; i++)
		values[i] = n->enum_values[i];
	fields[0] = Mat_VarCreate("Values", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims,
							  values, 0);
	free(values);
	names = Mat_VarCreate("Names", MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);
	if (fields[0] == NULL || names == NULL)
	{
		Mat_VarFree(fields[0]);
		Mat_VarFree(names);
		return NULL;
	}
	for (int i = 0; i < n->nenums; i++)
	{
		matvar_t   *s = mb_char_var(NULL, n->enum_names[i]);

		if (s == NULL)
		{
			Mat_VarFree(fields[0]);
			Mat_VarFree(names);
			return NULL;
		}
		Mat_VarSetCell(names, i, s);
	}
	fields[1] = names;
	return mb_struct_var(name, fields, 2);
}

static matvar_t *struct_var(MbTopic *t, Node *n, const char *name);

/* Leaf layout: the struct {Data, Timestamp[, Enum][, Units]} of a leaf. */
static matvar_t *
leaf_struct(MbTopic *t, Node *n)
{
	matvar_t   *fields[4];
	int			nfields = 2;
	MbColumn   *time = n->time_of ? &n->time_of->time : &t->time;

	fields[0] = mb_column_var(&n->data, "Data", (size_t) n->rows);
	fields[1] = mb_column_var(time, "Timestamp", (size_t) n->rows);
	if (n->nenums > 0)
		fields[nfields++] = enum_table(n, "Enum");
	if (n->unit != NULL)
		fields[nfields++] = mb_char_var("Units", n->unit);
	for (int i = 0; i < nfields; i++)
		if (fields[i] == NULL)
		{
			for (int j = 0; j < nfields; j++)
				Mat_VarFree(fields[j]);
			return NULL;
		}
	return mb_struct_var(n->name, fields, nfields);
}

static matvar_t *
struct_var(MbTopic *t, Node *n, const char *name)
{
	int			cap = 2 * n->nchildren + 1;
	matvar_t  **fields = calloc(cap, sizeof(matvar_t *));
	int			nfields = 0;
	bool		ok = fields != NULL;
	matvar_t   *var = NULL;

	if (ok && n == &t->root && t->layout == MB_LAYOUT_TOPIC)
		ok = (fields[nfields++] = mb_column_var(&t->time, "Timestamp",
												(size_t) t->messages)) != NULL;
	for (int i = 0; i < n->nchildren && ok; i++)
	{
		Node	   *c = n->children[i];

		if (!is_leaf(c))
			fields[nfields] = struct_var(t, c, c->name);
		else if (t->layout == MB_LAYOUT_LEAF)
			fields[nfields] = leaf_struct(t, c);
		else
			fields[nfields] = mb_column_var(&c->data, c->name, (size_t) t->messages);
		ok = fields[nfields++] != NULL;
		if (ok && is_leaf(c) && c->nenums > 0 && t->layout == MB_LAYOUT_TOPIC)
			ok = (fields[nfields++] = enum_table(c, c->enum_name)) != NULL;
	}
	if (ok)
		var = mb_struct_var(name, fields, nfields);
	else if (fields != NULL)
		for (int i = 0; i < nfields; i++)
			Mat_VarFree(fields[i]);
	free(fields);
	return var;
}

/* ---- writing: streamed (v7.3) ------------------------------------------------------ */

static bool
plan_fields(MbTopic *t, Node *n, const char *path, MbError *err)
{
	char	  **names = calloc(2 * n->nchildren + 1, sizeof(char *));
	int			count = 0;
	bool		ok;

	if (names == NULL)
		return mb_topic_fail(t, "out of memory");
	if (n == &t->root && t->layout == MB_LAYOUT_TOPIC)
		names[count++] = "Timestamp";
	for (int i = 0; i < n->nchildren; i++)
	{
		names[count++] = n->children[i]->name;
		if (is_leaf(n->children[i]) && n->children[i]->nenums > 0 &&
			t->layout == MB_LAYOUT_TOPIC)
			names[count++] = n->children[i]->enum_name;
	}
	ok = mb_plan_struct(t->file, path, names, count, err);
	free(names);
	return ok;
}

static bool
place_leaf(MbTopic *t, Node *n, const char *path, const char *time_path,
		   MbError *err)
{
	char	   *sub = malloc(strlen(path) + 16);
	char	   *fields[4] = {"Data", "Timestamp", NULL, NULL};
	int			nfields = 2;
	bool		ok;

	if (sub == NULL)
		return mb_topic_fail(t, "out of memory");
	if (t->layout == MB_LAYOUT_TOPIC)
	{
		ok = mb_column_place(&n->data, t->file, (size_t) t->messages, path, err);
		free(sub);
		return ok;
	}
	if (n->nenums > 0)
		fields[nfields++] = "Enum";
	if (n->unit != NULL)
		fields[nfields++] = "Units";
	ok = mb_plan_struct(t->file, path, fields, nfields, err);
	sprintf(sub, "%s/Data", path);
	ok = ok && mb_column_place(&n->data, t->file, (size_t) n->rows, sub, err);
	sprintf(sub, "%s/Timestamp", path);
	if (n->time_of != NULL)
	{
		/* the dataset its time owner finished (finish_times) */
		char		shared[MB_NAME_MAX + 2];

		snprintf(shared, sizeof(shared), "/%s", n->time_of->time.tmpname);
		ok = ok && mb_plan_link(t->file, shared, sub, err);
	}
	else
		ok = ok && mb_plan_link(t->file, time_path, sub, err);
	sprintf(sub, "%s/Enum", path);
	if (ok && n->nenums > 0)
		ok = mb_place_var(t->file, enum_table(n, NULL), sub, err);
	sprintf(sub, "%s/Units", path);
	if (ok && n->unit != NULL)
		ok = mb_place_var(t->file, mb_char_var(NULL, n->unit), sub, err);
	free(sub);
	return ok;
}

static bool
place_node(MbTopic *t, Node *n, const char *path, const char *time_path,
		   MbError *err)
{
	bool		ok = plan_fields(t, n, path, err);

	for (int i = 0; i < n->nchildren && ok; i++)
	{
		Node	   *c = n->children[i];
		char	   *sub = malloc(strlen(path) + strlen(c->name) + strlen(c->enum_name) + 2);

		if (sub == NULL)
			return mb_topic_fail(t, "out of memory");
		sprintf(sub, "%s/%s", path, c->name);
		if (!is_leaf(c))
			ok = place_node(t, c, sub, time_path, err);
		else
			ok = place_leaf(t, c, sub, time_path, err);
		if (ok && is_leaf(c) && c->nenums > 0 && t->layout == MB_LAYOUT_TOPIC)
		{
			sprintf(sub, "%s/%s", path, c->enum_name);
			ok = mb_place_var(t->file, enum_table(c, NULL), sub, err);
		}
		free(sub);
	}
	return ok;
}

/*
 * v7.3, leaf layout: write the time columns that leaves held by only some
 * messages share, under their temporary names (finish), or drop those
 * names once every leaf links to them (!finish).
 */
static bool
finish_times(MbTopic *t, Node *n, bool finish, MbError *err)
{
	for (int i = 0; i < n->nchildren; i++)
	{
		Node	   *c = n->children[i];
		char		tmp[MB_NAME_MAX + 2];

		if (!is_leaf(c))
		{
			if (!finish_times(t, c, finish, err))
				return false;
			continue;
		}
		if (c->time_of != c)
			continue;
		if (finish && !mb_column_finish(&c->time, t->file, (size_t) c->rows, err))
			return false;
		snprintf(tmp, sizeof(tmp), "/%s", c->time.tmpname);
		if (!finish && !mb_plan_delete(t->file, tmp, err))
			return false;
	}
	return true;
}

static bool
place_topic(MbTopic *t, MbError *err)
{
	char		path[MB_NAME_MAX + 2];
	char		time_path[MB_NAME_MAX + 16];

	snprintf(path, sizeof(path), "/%s", t->name);
	if (t->layout == MB_LAYOUT_TOPIC)
	{
		snprintf(time_path, sizeof(time_path), "%s/Timestamp", path);
		return place_node(t, &t->root, path, NULL, err) &&
			mb_column_place(&t->time, t->file, (size_t) t->messages, time_path, err);
	}
	/* leaves holding every message link to one dataset of times */
	if (!mb_column_finish(&t->time, t->file, (size_t) t->messages, err))
		return false;
	snprintf(time_path, sizeof(time_path), "/%s", t->time.tmpname);
	return finish_times(t, &t->root, true, err) &&
		place_node(t, &t->root, path, time_path, err) &&
		mb_plan_delete(t->file, time_path, err) &&
		finish_times(t, &t->root, false, err);
}

bool
mb_topic_write(MbTopic *t, MbError *err)
{
	bool		ok;

	if (mb_streams(t->file))
		ok = place_topic(t, err);
	else
		ok = mb_write(t->file, struct_var(t, &t->root, t->name), err);
	if (!ok && t->failed)
		*err = t->error;
	return ok;
}
