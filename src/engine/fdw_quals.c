/*-------------------------------------------------------------------------
 *
 * fdw_quals.c
 *	  Engine: the columns of the relations of hdaq_fdw, the WHERE clauses
 *	  their scan takes, and what they select once their values are known.
 *
 * The scan takes, in either order of the operands:
 *	  file_id = v, file_id = ANY (array)		(IN (...) is = ANY)
 *	  topic = v, topic = ANY (array)
 *	  path = v, path = ANY (array)				(a sample relation)
 *	  log_time < <= = >= > v (timestamptz; BETWEEN is two of them)
 *	  log_time_ns < <= = >= > v (bigint, integer or smallint)
 * (a sample relation's time and time_ns as log_time and log_time_ns)
 * where v reads nothing of the relation itself and is not volatile.  The
 * executor checks every clause again on the rows the scan returns, so a
 * condition need only select a superset of what its clause accepts; the
 * conversions below select exactly that set, so that the check drops
 * nothing.
 *
 * log_time is log_time_ns truncated to the microsecond: log_time >= t holds
 * for log_time_ns >= t in ns, log_time > t for log_time_ns >= t + 1 us,
 * log_time <= t for log_time_ns <= t + 999 ns, log_time < t for
 * log_time_ns <= t - 1 ns.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/decoders.h"
#include "engine/fdw.h"

#include "access/stratnum.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/int.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
#include "utils/timestamp.h"

static const char *const message_column_names[MSG_NCOLUMNS] = {
	"file_id", "topic", "log_time", "log_time_ns", "publish_time_ns",
	"sequence", "data", NULL, NULL, "data_json"
};

static const char *const sample_column_names[MSG_NCOLUMNS] = {
	"file_id", "topic", "time", "time_ns", NULL, NULL, NULL, "path", "value", NULL
};

static const Oid message_column_types[MSG_NCOLUMNS] = {
	INT8OID, TEXTOID, TIMESTAMPTZOID, INT8OID, INT8OID, INT8OID, BYTEAOID,
	TEXTOID, FLOAT8OID, JSONBOID
};

/* ---- columns --------------------------------------------------------------------- */

const char *const *
relation_column_names(RelationKind kind)
{
	return kind == REL_SAMPLE ? sample_column_names : message_column_names;
}

static int
column_named(RelationKind kind, const char *name)
{
	const char *const *names = relation_column_names(kind);

	for (int c = 0; c < MSG_NCOLUMNS; c++)
		if (names[c] != NULL && strcmp(name, names[c]) == 0)
			return c;
	return -1;
}

/* A relation with a column named "path" is a sample relation. */
static RelationKind
relation_kind(TupleDesc desc)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), "path") == 0)
			return REL_SAMPLE;
	}
	return REL_MESSAGE;
}

RelationKind
message_columns_of(TupleDesc desc, int *columns)
{
	RelationKind kind = relation_kind(desc);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			c = att->attisdropped ? -1 :
			column_named(kind, NameStr(att->attname));

		if (c >= 0 && att->atttypid != message_column_types[c])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of a %s relation must be of type %s",
							NameStr(att->attname),
							kind == REL_SAMPLE ? "sample" : "message",
							format_type_be(message_column_types[c])),
					 errdetail("It is of type %s.", format_type_be(att->atttypid))));
		columns[i] = c;
	}
	return kind;
}

RelationKind
message_attnos_of(TupleDesc desc, AttrNumber *attnos)
{
	int		   *columns = palloc(sizeof(int) * Max(desc->natts, 1));
	RelationKind kind = message_columns_of(desc, columns);

	memset(attnos, 0, sizeof(AttrNumber) * MSG_NCOLUMNS);
	for (int i = 0; i < desc->natts; i++)
		if (columns[i] >= 0)
			attnos[columns[i]] = (AttrNumber) (i + 1);
	pfree(columns);
	return kind;
}

void
sample_require_conditions(const char *relname, int columns)
{
	bool		topic = (columns & (1 << MSG_TOPIC)) != 0;
	bool		path = (columns & (1 << MSG_PATH)) != 0;

	if (topic && path)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("a query of %s must name its %s in WHERE", relname,
					!topic && !path ? "topic and path" : (topic ? "path" : "topic")),
			 errdetail("Its scan decodes one topic's numeric leaves: it takes topic = 'name', topic IN (...), path = 'field.path' and path IN (...), with a constant, a parameter or another table's column."),
			 errhint("For example WHERE topic = 'VehicleData' AND path = 'current_rpms.FL'; SELECT path FROM hdaq.fields('VehicleData') lists a topic's paths.")));
}

/* ---- recognising conditions --------------------------------------------------- */

int
message_column_of(Node *expr, Index relid, const AttrNumber *attnos)
{
	Var		   *var;

	while (expr != NULL && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (expr == NULL || !IsA(expr, Var))
		return -1;
	var = (Var *) expr;
	if (var->varno != (int) relid || var->varlevelsup != 0 || var->varattno <= 0)
		return -1;
	for (int c = 0; c < MSG_NCOLUMNS; c++)
		if (attnos[c] == var->varattno)
			return c;
	return -1;
}

/* Whether the scan can compute expr before it starts. */
static bool
value_computable(PlannerInfo *root, Index relid, Node *expr)
{
	return !bms_is_member(relid, pull_varnos(root, expr)) &&
		!contain_volatile_functions(expr) &&
		!contain_subplans(expr);
}

/* The B-tree operator family of a column's type. */
static Oid
column_family(MessageColumn column)
{
	Oid			opclass = GetDefaultOpClass(message_column_types[column],
											BTREE_AM_OID);

	return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

/* Whether a value of this type converts exactly to the column's values. */
static bool
value_type_ok(MessageColumn column, Oid type)
{
	switch (column)
	{
		case MSG_FILE_ID:
		case MSG_LOG_TIME_NS:
			return type == INT8OID || type == INT4OID || type == INT2OID;
		case MSG_TOPIC:
		case MSG_PATH:
			return type == TEXTOID;
		case MSG_LOG_TIME:
			return type == TIMESTAMPTZOID;
		default:
			return false;
	}
}

/*
 * The strategy of "column opno value" (value of type valuetype), 0 when
 * the scan cannot take it.
 */
static int
condition_strategy(MessageColumn column, Oid opno, Oid valuetype, Oid collid)
{
	Oid			family;
	int			strategy;
	Oid			lefttype;
	Oid			righttype;

	if (column != MSG_FILE_ID && column != MSG_TOPIC && column != MSG_PATH &&
		column != MSG_LOG_TIME && column != MSG_LOG_TIME_NS)
		return 0;
	family = column_family(column);
	if (!OidIsValid(family) || !op_in_opfamily(opno, family))
		return 0;
	get_op_opfamily_properties(opno, family, false, &strategy, &lefttype,
							   &righttype);
	if (lefttype != message_column_types[column] ||
		!value_type_ok(column, righttype) || righttype != valuetype)
		return 0;
	/* equal texts are equal bytes only under a deterministic collation */
	if ((column == MSG_TOPIC || column == MSG_PATH) && OidIsValid(collid) &&
		!get_collation_isdeterministic(collid))
		return 0;
	/* files, topics and paths by equality; times by any comparison */
	if ((column == MSG_FILE_ID || column == MSG_TOPIC || column == MSG_PATH) &&
		strategy != BTEqualStrategyNumber)
		return 0;
	return strategy;
}

static bool
op_condition(PlannerInfo *root, Index relid, const AttrNumber *attnos,
			 OpExpr *op, int *code, Expr **value)
{
	Node	   *left;
	Node	   *right;
	Oid			opno = op->opno;
	int			column;
	int			strategy;

	if (list_length(op->args) != 2)
		return false;
	left = linitial(op->args);
	right = lsecond(op->args);
	column = message_column_of(left, relid, attnos);
	if (column < 0 || !value_computable(root, relid, right))
	{
		/* value op column: column commutator value */
		column = message_column_of(right, relid, attnos);
		if (column < 0 || !value_computable(root, relid, left))
			return false;
		opno = get_commutator(opno);
		if (!OidIsValid(opno))
			return false;
		right = left;
	}
	strategy = condition_strategy(column, opno, exprType(right),
								  op->inputcollid);
	if (strategy == 0)
		return false;
	*code = COND_CODE(column, strategy);
	*value = (Expr *) right;
	return true;
}

static bool
any_condition(PlannerInfo *root, Index relid, const AttrNumber *attnos,
			  ScalarArrayOpExpr *saop, int *code, Expr **value)
{
	Node	   *array;
	int			column;
	Oid			elemtype;

	if (!saop->useOr || list_length(saop->args) != 2)
		return false;
	column = message_column_of(linitial(saop->args), relid, attnos);
	array = lsecond(saop->args);
	if (column != MSG_FILE_ID && column != MSG_TOPIC && column != MSG_PATH)
		return false;
	if (!value_computable(root, relid, array))
		return false;
	elemtype = get_element_type(exprType(array));
	if (!OidIsValid(elemtype) ||
		condition_strategy(column, saop->opno, elemtype,
						   saop->inputcollid) != BTEqualStrategyNumber)
		return false;
	*code = COND_CODE(column, COND_ANY);
	*value = (Expr *) array;
	return true;
}

bool
message_condition(PlannerInfo *root, Index relid, const AttrNumber *attnos,
				  Expr *clause, int *code, Expr **value)
{
	if (IsA(clause, OpExpr))
		return op_condition(root, relid, attnos, (OpExpr *) clause, code,
							value);
	if (IsA(clause, ScalarArrayOpExpr))
		return any_condition(root, relid, attnos, (ScalarArrayOpExpr *) clause,
							 code, value);
	return false;
}

/* ---- what conditions select -------------------------------------------------- */

void
selection_init(MessageSelection *sel)
{
	memset(sel, 0, sizeof(MessageSelection));
	sel->start_ns = PG_INT64_MIN;
	sel->end_ns = PG_INT64_MAX;
}

static int64
int_value(Datum value, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		default:
			return DatumGetInt64(value);
	}
}

static int
compare_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sort and drop duplicates; the new count. */
static int
sort_distinct(void *items, int n, size_t size,
			  int (*cmp) (const void *, const void *))
{
	char	   *base = items;
	int			kept = 0;

	if (n == 0)
		return 0;
	qsort(items, n, size, cmp);
	for (int i = 1; i < n; i++)
		if (cmp(base + kept * size, base + i * size) != 0)
		{
			kept++;
			memmove(base + kept * size, base + i * size, size);
		}
	return kept + 1;
}

/* The files of a condition's value(s), sorted and distinct. */
static void
restrict_files(MessageSelection *sel, int64 *files, int n)
{
	int			kept = 0;

	n = sort_distinct(files, n, sizeof(int64), compare_int64);
	if (!sel->has_files)
	{
		sel->has_files = true;
		sel->files = files;
		sel->nfiles = n;
		return;
	}
	for (int i = 0; i < sel->nfiles; i++)
		if (bsearch(&sel->files[i], files, n, sizeof(int64), compare_int64))
			sel->files[kept++] = sel->files[i];
	sel->nfiles = kept;
}

/* The names (topics or paths) *has, *kept, *nkept narrowed to names. */
static void
restrict_names(bool *has, char ***kept, int *nkept, char **names, int n)
{
	int			k = 0;

	n = sort_distinct(names, n, sizeof(char *), compare_strings);
	if (!*has)
	{
		*has = true;
		*kept = names;
		*nkept = n;
		return;
	}
	for (int i = 0; i < *nkept; i++)
		if (bsearch(&(*kept)[i], names, n, sizeof(char *), compare_strings))
			(*kept)[k++] = (*kept)[i];
	*nkept = k;
}

/* The non-null elements of an array value. */
static Datum *
array_elements(Datum value, Oid elemtype, int *n)
{
	ArrayType  *arr = DatumGetArrayTypeP(value);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	int			kept = 0;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &count);
	for (int i = 0; i < count; i++)
		if (!nulls[i])
			elems[kept++] = elems[i];
	*n = kept;
	return elems;
}

static void
add_files(MessageSelection *sel, int op, Datum value, Oid type)
{
	int64	   *files;
	int			n;

	if (op == COND_ANY)
	{
		Oid			elemtype = get_element_type(type);
		Datum	   *elems = array_elements(value, elemtype, &n);

		files = palloc(sizeof(int64) * Max(n, 1));
		for (int i = 0; i < n; i++)
			files[i] = int_value(elems[i], elemtype);
	}
	else
	{
		files = palloc(sizeof(int64));
		files[0] = int_value(value, type);
		n = 1;
	}
	restrict_files(sel, files, n);
}

/* The names of a condition on topic or path: its value, or its array's. */
static char **
names_of(int op, Datum value, int *n)
{
	char	  **names;

	if (op == COND_ANY)
	{
		Datum	   *elems = array_elements(value, TEXTOID, n);

		names = palloc(sizeof(char *) * Max(*n, 1));
		for (int i = 0; i < *n; i++)
			names[i] = TextDatumGetCString(elems[i]);
	}
	else
	{
		names = palloc(sizeof(char *));
		names[0] = TextDatumGetCString(value);
		*n = 1;
	}
	return names;
}

/* log_time_ns >= lo */
static void
raise_start(MessageSelection *sel, int64 lo)
{
	sel->start_ns = Max(sel->start_ns, lo);
}

/* log_time_ns <= hi */
static void
lower_end(MessageSelection *sel, int64 hi)
{
	sel->end_ns = Min(sel->end_ns, hi);
}

/* log_time_ns op v */
static void
add_ns_bound(MessageSelection *sel, int op, int64 v)
{
	switch (op)
	{
		case BTLessStrategyNumber:
			if (v == PG_INT64_MIN)
				sel->empty = true;
			else
				lower_end(sel, v - 1);
			break;
		case BTLessEqualStrategyNumber:
			lower_end(sel, v);
			break;
		case BTEqualStrategyNumber:
			raise_start(sel, v);
			lower_end(sel, v);
			break;
		case BTGreaterEqualStrategyNumber:
			raise_start(sel, v);
			break;
		case BTGreaterStrategyNumber:
			if (v == PG_INT64_MAX)
				sel->empty = true;
			else
				raise_start(sel, v + 1);
			break;
	}
}

/* log_time op t */
static void
add_time_bound(MessageSelection *sel, int op, TimestampTz t)
{
	int64		ns;
	int64		bound;
	bool		below;

	if (!hdaq_timestamptz_to_ns_exact(t, &ns))
	{
		/* t lies below every log_time (or above every one) */
		below = TIMESTAMP_IS_NOBEGIN(t) || (!TIMESTAMP_IS_NOEND(t) && t < 0);
		if (below ? op <= BTEqualStrategyNumber : op >= BTEqualStrategyNumber)
			sel->empty = true;
		return;
	}
	switch (op)
	{
		case BTLessStrategyNumber:
			add_ns_bound(sel, BTLessStrategyNumber, ns);
			break;
		case BTLessEqualStrategyNumber:
			if (!pg_add_s64_overflow(ns, 999, &bound))
				lower_end(sel, bound);
			break;
		case BTEqualStrategyNumber:
			add_time_bound(sel, BTGreaterEqualStrategyNumber, t);
			add_time_bound(sel, BTLessEqualStrategyNumber, t);
			break;
		case BTGreaterEqualStrategyNumber:
			raise_start(sel, ns);
			break;
		case BTGreaterStrategyNumber:
			if (pg_add_s64_overflow(ns, 1000, &bound))
				sel->empty = true;
			else
				raise_start(sel, bound);
			break;
	}
}

void
selection_add(MessageSelection *sel, int code, Datum value, bool isnull,
			  Oid type)
{
	int			op = COND_OP(code);
	char	  **names;
	int			n;

	/* a comparison with NULL (or = ANY (NULL)) is never true */
	if (isnull)
	{
		sel->empty = true;
		return;
	}
	switch (COND_COLUMN(code))
	{
		case MSG_FILE_ID:
			add_files(sel, op, value, type);
			break;
		case MSG_TOPIC:
			names = names_of(op, value, &n);
			restrict_names(&sel->has_topics, &sel->topics, &sel->ntopics,
						   names, n);
			break;
		case MSG_PATH:
			names = names_of(op, value, &n);
			restrict_names(&sel->has_paths, &sel->paths, &sel->npaths,
						   names, n);
			break;
		case MSG_LOG_TIME:
			add_time_bound(sel, op, DatumGetTimestampTz(value));
			break;
		case MSG_LOG_TIME_NS:
			add_ns_bound(sel, op, int_value(value, type));
			break;
		default:
			elog(ERROR, "hdaq_fdw: no condition on column %d", COND_COLUMN(code));
	}
}

bool
selection_is_empty(const MessageSelection *sel)
{
	return sel->empty || sel->start_ns > sel->end_ns ||
		(sel->has_files && sel->nfiles == 0) ||
		(sel->has_topics && sel->ntopics == 0) ||
		(sel->has_paths && sel->npaths == 0);
}

void
selection_request(const MessageSelection *sel, ScanRequest *req)
{
	memset(req, 0, sizeof(ScanRequest));
	if (sel->has_topics)
	{
		req->topics = sel->topics;
		req->ntopics = sel->ntopics;
	}
	if (sel->has_files && sel->nfiles == 1)
	{
		req->has_file_id = true;
		req->file_id = sel->files[0];
	}
	else if (sel->has_files)
	{
		req->file_ids = sel->files;
		req->nfile_ids = sel->nfiles;
	}
	req->start_ns = sel->start_ns;
	req->end_ns = sel->end_ns;
}

SignalSpec *
selection_specs(const MessageSelection *sel, int *nspecs)
{
	SignalSpec *specs;
	int			s = 0;

	/* the topics are stored ones (checked): few; the paths are bounded */
	if (sel->npaths > HD_MAX_PATHS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("at most %d paths per topic", HD_MAX_PATHS)));
	*nspecs = sel->ntopics * sel->npaths;
	specs = palloc(sizeof(SignalSpec) * Max(*nspecs, 1));
	for (int t = 0; t < sel->ntopics; t++)
		for (int p = 0; p < sel->npaths; p++)
		{
			specs[s].topic = sel->topics[t];
			specs[s].path = sel->paths[p];
			specs[s].metric = sel->paths[p];
			s++;
		}
	return specs;
}
