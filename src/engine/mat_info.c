/*-------------------------------------------------------------------------
 *
 * mat_info.c
 *	  Engine: the variable hdaq_info that describes a MAT file: its time
 *	  origin (Unix seconds, exact nanoseconds and ISO 8601 text) and the
 *	  sentence saying every time in the file counts seconds from it; for
 *	  export_mat the file's name, id, digest, Metadata records and tags,
 *	  one row per exported topic, the format, the layout and hdaq's
 *	  version; for query_to_mat the query and the format.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_info.h"

#include <math.h>
#include <time.h>

#include "engine/mat_output.h"

/* ISO 8601 UTC text of nanoseconds since the Unix epoch, to the nanosecond. */
static char *
iso8601_ns(int64 ns)
{
	int64		sec = ns / 1000000000;
	int64		frac = ns % 1000000000;
	time_t		tt;
	struct tm	tm;

	if (frac < 0)
	{
		frac += 1000000000;
		sec--;
	}
	tt = (time_t) sec;
	gmtime_r(&tt, &tm);
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
					tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (long long) frac);
}

static matvar_t *
scalar_var(const char *name, double value)
{
	return mb_double_var(name, &value, 1, 1, false);
}

/* A jsonb value as MATLAB sees it: number, logical, or text. */
static matvar_t *
json_value_var(const char *name, const StoredKeyValue *kv)
{
	uint8		b;

	if (strcmp(kv->type, "number") == 0)
		return scalar_var(name, strtod(kv->text, NULL));
	if (strcmp(kv->type, "boolean") == 0)
	{
		b = strcmp(kv->text, "true") == 0;
		return mb_logical_var(name, &b, 1, 1, false);
	}
	return mb_char_var(name, kv->text);
}

/* Makes field i of a struct under the cleaned name; NULL when out of memory. */
typedef matvar_t *(*FieldMaker) (const void *arg, int i, const char *clean);

/* The name of field i before cleaning. */
typedef const char *(*FieldName) (const void *arg, int i);

/*
 * A struct of n fields named names[i] (cleaned and made unique), each made by
 * make_field; NULL when out of memory.
 */
static matvar_t *
named_struct(const char *name, int n, FieldName field_name,
			 FieldMaker make_field, const void *arg)
{
	matvar_t  **fields = calloc(Max(n, 1), sizeof(matvar_t *));
	MbNameSet	names;
	char		clean[MB_NAME_MAX + 1];
	matvar_t   *var = NULL;
	int			made = 0;

	mb_nameset_init(&names);
	if (fields != NULL)
	{
		for (; made < n; made++)
		{
			const char *key = field_name(arg, made);

			if (!mb_unique_name(&names, key, strlen(key), clean) ||
				(fields[made] = make_field(arg, made, clean)) == NULL)
				break;
		}
		if (made == n)
			var = mb_struct_var(name, fields, n);
		else
			for (int i = 0; i < made; i++)
				Mat_VarFree(fields[i]);
	}
	free(fields);
	mb_nameset_free(&names);
	return var;
}

static const char *
key_value_name(const void *arg, int i)
{
	return ((const StoredKeyValue *) arg)[i].key;
}

static matvar_t *
key_value_field(const void *arg, int i, const char *clean)
{
	return json_value_var(clean, &((const StoredKeyValue *) arg)[i]);
}

/* A struct of named values; NULL when out of memory. */
static matvar_t *
key_value_struct(const char *name, const StoredKeyValue *kvs, int n)
{
	return named_struct(name, n, key_value_name, key_value_field, kvs);
}

static const char *
record_name(const void *arg, int i)
{
	return ((const StoredRecord *) arg)[i].name;
}

static matvar_t *
record_field(const void *arg, int i, const char *clean)
{
	const StoredRecord *r = &((const StoredRecord *) arg)[i];

	return key_value_struct(clean, r->entries, r->nentries);
}

/* hdaq_info.metadata: one struct of key-value fields per Metadata record. */
static matvar_t *
metadata_struct(const MatExportInfo *info)
{
	return named_struct("metadata", info->nrecords, record_name, record_field,
						info->records);
}

/* hdaq_info.topics: {topic, variable, schema, messages}, one row per topic. */
static matvar_t *
topics_struct(const MatExportInfo *info)
{
	int			n = info->ntopics;
	const char **strs = palloc0(sizeof(char *) * Max(n, 1) * 3);
	size_t	   *lens = palloc0(sizeof(size_t) * Max(n, 1) * 3);
	double	   *counts = palloc0(sizeof(double) * Max(n, 1));
	matvar_t   *fields[4];

	for (int i = 0; i < n; i++)
	{
		strs[i] = info->topics[i].topic;
		strs[n + i] = info->topics[i].variable;
		strs[2 * n + i] = info->topics[i].schema;
		counts[i] = info->topics[i].messages;
	}
	for (int i = 0; i < 3 * n; i++)
		lens[i] = strlen(strs[i]);
	fields[0] = mb_cell_var("topic", strs, lens, n, 1);
	fields[1] = mb_cell_var("variable", strs + n, lens + n, n, 1);
	fields[2] = mb_cell_var("schema", strs + 2 * n, lens + 2 * n, n, 1);
	fields[3] = mb_double_var("messages", counts, n, 1, false);
	for (int i = 0; i < 4; i++)
		if (fields[i] == NULL)
		{
			for (int j = 0; j < 4; j++)
				Mat_VarFree(fields[j]);
			return NULL;
		}
	return mb_struct_var("topics", fields, 4);
}

/*
 * The fields every hdaq_info starts with: the time origin as Unix seconds,
 * exact nanoseconds and ISO 8601 text, and the sentence that says what the
 * file's times are.  Returns how many were put in fields.
 */
static int
time_fields(matvar_t **fields, bool has_origin, int64 origin_ns)
{
	int			n = 0;

	fields[n++] = scalar_var("time_origin", has_origin ? origin_ns / 1e9 : NAN);
	fields[n++] = has_origin ? mb_int64_var("time_origin_ns", origin_ns)
		: mb_double_var("time_origin_ns", NULL, 0, 0, false);
	fields[n++] = mb_char_var("time_origin_iso",
							  has_origin ? iso8601_ns(origin_ns) : "");
	fields[n++] = mb_char_var("time_unit", MAT_TIME_UNIT);
	return n;
}

void
mat_write_struct(MbFile *file, const char *name, matvar_t **fields, int n)
{
	bool		ok = true;
	MbError		err;

	for (int i = 0; i < n; i++)
		ok = ok && fields[i] != NULL;
	if (!ok)
	{
		for (int i = 0; i < n; i++)
			Mat_VarFree(fields[i]);
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building %s", name)));
	}
	if (!mb_write(file, mb_struct_var(name, fields, n), &err))
		mat_report(&err, psprintf("cannot write %s", name));
}

void
mat_write_query_info(MbFile *file, bool has_origin, int64 origin_ns,
					 const char *query)
{
	matvar_t   *fields[8];
	int			n = time_fields(fields, has_origin, origin_ns);

	fields[n++] = mb_char_var("query", query);
	fields[n++] = mb_char_var("format", mat_format_name(mb_format(file)));
	mat_write_struct(file, "hdaq_info", fields, n);
}

void
mat_write_info(MbFile *file, const MatExportInfo *info)
{
	matvar_t   *fields[14];
	int			n = time_fields(fields, info->has_origin, info->origin_ns);

	fields[n++] = mb_char_var("file_name", info->file.name);
	fields[n++] = mb_int64_var("file_id", info->file_id);	/* 63 bits: exact */
	fields[n++] = mb_char_var("sha256", info->file.sha256_hex);
	fields[n++] = metadata_struct(info);
	fields[n++] = key_value_struct("tags", info->tags, info->ntags);
	fields[n++] = topics_struct(info);
	fields[n++] = mb_char_var("format", mat_format_name(info->format));
	fields[n++] = mb_char_var("layout", info->layout == MB_LAYOUT_LEAF ? "leaf" : "topic");
	fields[n++] = mb_char_var("hdaq_version", info->file.hdaq_version);
	mat_write_struct(file, "hdaq_info", fields, n);
}
