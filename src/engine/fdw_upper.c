/*-------------------------------------------------------------------------
 *
 * fdw_upper.c
 *	  Engine: aggregates of a sample relation answered by its scan
 *	  (aggregate pushdown): planning.
 *
 * A query over one sample relation alone whose aggregates are count(*),
 * count(column), sum(value), avg(value), min(value), max(value),
 * min/max(time) and min/max(time_ns), grouped by none or any of file_id,
 * topic and path, with every WHERE clause a condition the scan takes
 * (fdw_quals.c), gets a path that computes the groups in the scan
 * (fdw_agg_scan.c): from the leaf blocks' summaries, decoding only the
 * blocks a time bound cuts.  No such path (the plan aggregates the rows)
 * when anything else is asked for (DISTINCT, FILTER, ORDER BY inside an
 * aggregate, HAVING, grouping sets, a join, a clause the scan does not
 * take), when hdaq.aggregate_pushdown is off, or when the conditions are
 * known at planning and some channel they select lacks blocks of a path.
 * A plan kept for other values (a prepared statement) still answers when
 * blocks are missing: the scan decodes those channels' messages.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/fdw.h"
#include "engine/leaf_blocks.h"

#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

bool		aggregate_pushdown_enabled = true;

void
fdw_define_gucs(void)
{
	DefineCustomBoolVariable("hdaq.aggregate_pushdown",
							 "Answer aggregates of hdaq.sample from leaf block summaries.",
							 "Off: the plan aggregates the rows the scan returns.",
							 &aggregate_pushdown_enabled, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

/* What planning found pushable, in the grouped relation's fdw_private. */
typedef struct PushedAggregates
{
	Index		relid;
	AttrNumber	attnos[MSG_NCOLUMNS];
	List	   *codes;			/* of the conditions */
	List	   *values;			/* their value expressions */
	MessageSelection sel;		/* what the values known at planning select */
	bool		all_known;		/* every value known at planning */
	List	   *tlist;			/* the scan's TargetEntries */
	List	   *pushed;			/* the PushedColumn of each */
	List	   *group_exprs;
} PushedAggregates;

/* Every WHERE clause is a condition the scan takes, topic and path among them. */
static bool
pushable_conditions(PlannerInfo *root, RelOptInfo *input_rel,
					PushedAggregates *pa)
{
	int			columns = 0;
	ListCell   *lc;

	selection_init(&pa->sel);
	pa->all_known = true;
	foreach(lc, input_rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		int			code;
		Expr	   *value;
		Node	   *known;

		if (ri->pseudoconstant ||
			!message_condition(root, pa->relid, pa->attnos, ri->clause,
							   &code, &value))
			return false;
		pa->codes = lappend_int(pa->codes, code);
		pa->values = lappend(pa->values, value);
		columns |= 1 << COND_COLUMN(code);
		known = estimate_expression_value(root, (Node *) value);
		if (IsA(known, Const))
			selection_add(&pa->sel, code, ((Const *) known)->constvalue,
						  ((Const *) known)->constisnull,
						  ((Const *) known)->consttype);
		else
			pa->all_known = false;
	}
	return (columns & (1 << MSG_TOPIC)) != 0 && (columns & (1 << MSG_PATH)) != 0;
}

/* The column of an aggregate's one argument, or -1. */
static int
aggregate_column(Aggref *agg, const PushedAggregates *pa)
{
	TargetEntry *te;

	if (list_length(agg->args) != 1)
		return -1;
	te = linitial_node(TargetEntry, agg->args);
	return message_column_of((Node *) te->expr, pa->relid, pa->attnos);
}

/* The aggregates of one column the scan computes. */
static const struct
{
	Oid			aggfnoid;
	MessageColumn column;
	PushedColumn pushed;
}			pushable_aggregates[] = {
	{F_COUNT_ANY, MSG_VALUE, PUSH_COUNT_VALUES},
	{F_SUM_FLOAT8, MSG_VALUE, PUSH_SUM},
	{F_AVG_FLOAT8, MSG_VALUE, PUSH_AVG},
	{F_MIN_FLOAT8, MSG_VALUE, PUSH_MIN},
	{F_MAX_FLOAT8, MSG_VALUE, PUSH_MAX},
	{F_MIN_TIMESTAMPTZ, MSG_LOG_TIME, PUSH_MIN_TIME},
	{F_MAX_TIMESTAMPTZ, MSG_LOG_TIME, PUSH_MAX_TIME},
	{F_MIN_INT8, MSG_LOG_TIME_NS, PUSH_MIN_TIME_NS},
	{F_MAX_INT8, MSG_LOG_TIME_NS, PUSH_MAX_TIME_NS},
};

/* What an aggregate is as a pushed column, or -1 when it is not one. */
static int
pushed_aggregate(Aggref *agg, const PushedAggregates *pa)
{
	int			column;

	if (agg->aggorder != NIL || agg->aggdistinct != NIL ||
		agg->aggfilter != NULL || agg->aggkind != AGGKIND_NORMAL ||
		agg->agglevelsup != 0 || agg->aggsplit != AGGSPLIT_SIMPLE ||
		agg->aggvariadic)
		return -1;
	if (agg->aggfnoid == F_COUNT_)
		return PUSH_COUNT_ROWS;
	column = aggregate_column(agg, pa);
	for (int i = 0; i < (int) lengthof(pushable_aggregates); i++)
		if (pushable_aggregates[i].aggfnoid == agg->aggfnoid &&
			(int) pushable_aggregates[i].column == column)
			return pushable_aggregates[i].pushed;
	/* count() of the other columns, which are never null */
	if (agg->aggfnoid == F_COUNT_ANY && column >= 0)
		return PUSH_COUNT_ROWS;
	return -1;
}

/* Add expr to the scan's target list once. */
static void
add_pushed(PushedAggregates *pa, Expr *expr, PushedColumn pushed)
{
	if (tlist_member(expr, pa->tlist) != NULL)
		return;
	pa->tlist = lappend(pa->tlist,
						makeTargetEntry(expr, list_length(pa->tlist) + 1,
										NULL, false));
	pa->pushed = lappend_int(pa->pushed, pushed);
}

/* A grouping expression: file_id, topic or path, as such. */
static bool
push_group_expr(PushedAggregates *pa, Expr *expr)
{
	int			column = message_column_of((Node *) expr, pa->relid, pa->attnos);

	if (column != MSG_FILE_ID && column != MSG_TOPIC && column != MSG_PATH)
		return false;
	add_pushed(pa, expr, column == MSG_FILE_ID ? PUSH_FILE_ID :
			   column == MSG_TOPIC ? PUSH_TOPIC : PUSH_PATH);
	pa->group_exprs = lappend(pa->group_exprs, expr);
	return true;
}

/*
 * Every expression of the grouped target is a grouping column, or is
 * computed from pushable aggregates (and constants) only.
 */
static bool
pushable_target(PlannerInfo *root, PathTarget *target, PushedAggregates *pa)
{
	Query	   *parse = root->parse;
	int			i = 0;
	ListCell   *lc;

	foreach(lc, target->exprs)
	{
		Expr	   *expr = lfirst(lc);
		Index		sgref = get_pathtarget_sortgroupref(target, i++);
		List	   *vars;
		ListCell   *lc2;

		if (sgref != 0 && get_sortgroupref_clause_noerr(sgref, parse->groupClause))
		{
			if (!push_group_expr(pa, expr))
				return false;
			continue;
		}
		vars = pull_var_clause((Node *) expr, PVC_INCLUDE_AGGREGATES);
		foreach(lc2, vars)
		{
			int			pushed;

			if (!IsA(lfirst(lc2), Aggref))
				return false;
			pushed = pushed_aggregate(lfirst(lc2), pa);
			if (pushed < 0)
				return false;
			add_pushed(pa, lfirst(lc2), pushed);
		}
	}
	return pa->tlist != NIL;
}

/*
 * Whether the channels the conditions select have blocks of every path,
 * as far as planning knows them (values it cannot know: the scan decides).
 */
static bool
blocks_present(const PushedAggregates *pa)
{
	ScanRequest req;
	StoredChannel *channels;
	int			n;

	if (!leaf_blocks_enabled)
		return false;
	if (!pa->all_known || selection_is_empty(&pa->sel))
		return true;
	selection_request(&pa->sel, &req);
	SPI_connect();
	channels = leaf_blocks_channels(&req, (const char *const *) pa->sel.paths,
									pa->sel.npaths, &n);
	SPI_finish();
	return channels != NULL;
}

void
message_fdw_upper_paths(PlannerInfo *root, UpperRelationKind stage,
						RelOptInfo *input_rel, RelOptInfo *output_rel,
						void *extra)
{
	PushedAggregates *pa;
	Relation	rel;
	double		groups;
	Cost		cost;

	if (stage != UPPERREL_GROUP_AGG || !aggregate_pushdown_enabled ||
		output_rel->fdw_private != NULL ||
		input_rel->reloptkind != RELOPT_BASEREL ||
		!bms_is_empty(input_rel->lateral_relids) ||
		((GroupPathExtraData *) extra)->patype != PARTITIONWISE_AGGREGATE_NONE ||
		root->parse->groupingSets != NIL || root->hasHavingQual ||
		root->parse->hasTargetSRFs)
		return;
	pa = palloc0(sizeof(PushedAggregates));
	pa->relid = input_rel->relid;
	rel = table_open(planner_rt_fetch(input_rel->relid, root)->relid, NoLock);
	if (message_attnos_of(RelationGetDescr(rel), pa->attnos) != REL_SAMPLE)
	{
		table_close(rel, NoLock);
		return;
	}
	table_close(rel, NoLock);
	if (!pushable_conditions(root, input_rel, pa) ||
		!pushable_target(root, output_rel->reltarget, pa) ||
		!blocks_present(pa))
		return;
	output_rel->fdw_private = pa;
	groups = pa->group_exprs == NIL ? 1.0 :
		estimate_num_groups(root, pa->group_exprs, input_rel->rows, NULL, NULL);
	/*
	 * Block summaries: a small share of the work of reading the rows, and
	 * less than any scan of them (whose start alone costs more).
	 */
	cost = 1.0 + groups * cpu_tuple_cost + input_rel->rows * cpu_operator_cost * 0.01;
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel, output_rel->reltarget,
									   groups, cost, cost, NIL, NULL, NIL));
}

ForeignScan *
aggregate_fdw_plan(PlannerInfo *root, RelOptInfo *rel, List *tlist,
				   Plan *outer_plan)
{
	PushedAggregates *pa = rel->fdw_private;

	return make_foreignscan(tlist, NIL, 0, (List *) copyObject(pa->values),
							list_make3(pa->codes, NIL, pa->pushed),
							pa->tlist, NIL, outer_plan);
}
