/*-------------------------------------------------------------------------
 *
 * fdw_plan.c
 *	  Engine: planning a scan of a relation of hdaq_fdw (fdw.h).
 *
 * Size: the channels the conditions known at planning select (constants,
 * and what the planner can estimate of stable expressions) are looked up
 * in hdaq.channel: their messages, each channel's taken as spread evenly
 * over its time range; a condition whose value comes only at run time
 * (a parameter, a join) divides that by the number of files or topics
 * selected, or counts as the planner's default for a comparison.
 *
 * Paths: one ordered by (log_time, log_time_ns) and one by log_time_ns,
 * as the scan returns rows in log-time order; and, for each set of other
 * relations whose columns a condition of a join compares with file_id,
 * topic or the times (file_id = f.file_id), a path parameterised by them,
 * which the planner puts on the inner side of a nested loop: one scan per
 * outer row, reading only what that row selects.
 *
 * A sample relation's scan needs conditions on topic and path: a path
 * without them costs disable_cost, so that a join that can give them (a
 * parameterised path) wins, and the plan is an error if it has none.
 *
 * Plan: every clause stays in the plan's quals, which the executor checks
 * on each row; the values of the conditions the scan takes go to
 * fdw_exprs (the planner turns other relations' columns into parameters
 * there), their codes and the columns read to fdw_private.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/fdw.h"
#include "store/store.h"

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

/*
 * Costs, in the planner's units (a sequential page read is 1): starting a
 * scan looks its channels up; each channel's segments are looked up in
 * turn; each message is fetched, decompressed and formed into a row
 * (about twice the work of a heap tuple of a sequential scan).
 */
#define SCAN_STARTUP_COST 10.0
#define CHANNEL_COST 2.0
#define MESSAGE_COST (2.0 * cpu_tuple_cost)
#define DECODE_COST (2.0 * cpu_tuple_cost)	/* a sample relation's, more */

/* What planning learnt of a message relation, in RelOptInfo.fdw_private. */
typedef struct MessageRelInfo
{
	RelationKind kind;
	AttrNumber	attnos[MSG_NCOLUMNS];
	int			columns;		/* 1 << the columns of the conditions taken */
	ChannelEstimate est;		/* what the conditions known now select */
	double		messages;		/* the scan reads, after run-time conditions */
	double		rows_per_message;	/* a sample relation's paths */
	double		channels;
	double		local_selectivity;	/* of the clauses the scan does not take */
	List	   *pathkeys_time;	/* (log_time, log_time_ns), as far as useful */
	List	   *pathkeys_ns;	/* (log_time_ns) */
} MessageRelInfo;

/* ---- sizes ------------------------------------------------------------------------ */

/*
 * The share of est's messages (and channels) a condition leaves whose
 * value comes at run time.
 */
static double
runtime_share(int code, const ChannelEstimate *est, double *channel_share)
{
	bool		any = COND_OP(code) == COND_ANY;

	*channel_share = 1.0;
	switch (COND_COLUMN(code))
	{
		case MSG_FILE_ID:
			*channel_share = any ? Min(1.0, 4.0 / Max(est->files, 1.0))
				: 1.0 / Max(est->files, 1.0);
			return *channel_share;
		case MSG_TOPIC:
			*channel_share = any ? Min(1.0, 4.0 / Max(est->topics, 1.0))
				: 1.0 / Max(est->topics, 1.0);
			return *channel_share;
		case MSG_PATH:
			return 1.0;			/* rows per message, not messages */
		default:
			return COND_OP(code) == BTEqualStrategyNumber ?
				DEFAULT_EQ_SEL : DEFAULT_INEQ_SEL;
	}
}

/* What hdaq.channel says of a selection (nothing when it is empty). */
static void
estimate_selection(const MessageSelection *sel, ChannelEstimate *est)
{
	ScanRequest req;

	memset(est, 0, sizeof(ChannelEstimate));
	if (selection_is_empty(sel))
		return;
	selection_request(sel, &req);
	SPI_connect();
	store_estimate_channels(&req, est);
	SPI_finish();
}

static double
total_messages(void)
{
	double		total;

	SPI_connect();
	total = store_total_messages();
	SPI_finish();
	return total;
}

void
message_fdw_rel_size(PlannerInfo *root, RelOptInfo *baserel,
					 Oid foreigntableid)
{
	MessageRelInfo *info = palloc0(sizeof(MessageRelInfo));
	Relation	rel = table_open(foreigntableid, NoLock);
	MessageSelection sel;
	List	   *runtime_codes = NIL;
	List	   *local = NIL;
	ListCell   *lc;

	info->kind = message_attnos_of(RelationGetDescr(rel), info->attnos);
	table_close(rel, NoLock);
	baserel->fdw_private = info;

	selection_init(&sel);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		int			code;
		Expr	   *value;
		Node	   *known;

		if (!message_condition(root, baserel->relid, info->attnos,
							   ri->clause, &code, &value))
		{
			local = lappend(local, ri);
			continue;
		}
		info->columns |= 1 << COND_COLUMN(code);
		known = estimate_expression_value(root, (Node *) value);
		if (IsA(known, Const))
			selection_add(&sel, code, ((Const *) known)->constvalue,
						  ((Const *) known)->constisnull,
						  ((Const *) known)->consttype);
		else
			runtime_codes = lappend_int(runtime_codes, code);
	}
	estimate_selection(&sel, &info->est);
	info->messages = info->est.messages;
	info->channels = info->est.channels;
	foreach(lc, runtime_codes)
	{
		double		channel_share;

		info->messages *= runtime_share(lfirst_int(lc), &info->est,
										&channel_share);
		info->channels *= channel_share;
	}
	info->rows_per_message = sel.has_paths ? Max(sel.npaths, 1) : 1.0;
	info->local_selectivity = clauselist_selectivity(root, local,
													 baserel->relid,
													 JOIN_INNER, NULL);
	baserel->rows = info->messages * info->rows_per_message *
		info->local_selectivity;
	baserel->tuples = Max(total_messages(), info->messages);
}

/* ---- paths -------------------------------------------------------------------------- */

/* (column) ascending, when the query has a use for that order; else NIL. */
static List *
column_pathkeys(PlannerInfo *root, RelOptInfo *baserel,
				const MessageRelInfo *info, MessageColumn column, Oid type)
{
	Var		   *var;
	Oid			opclass;
	Oid			opno;

	if (info->attnos[column] == 0)
		return NIL;
	opclass = GetDefaultOpClass(type, BTREE_AM_OID);
	if (!OidIsValid(opclass))
		return NIL;
	opno = get_opfamily_member(get_opclass_family(opclass), type, type,
							   BTLessStrategyNumber);
	if (!OidIsValid(opno))
		return NIL;
	var = makeVar(baserel->relid, info->attnos[column], type, -1,
				  InvalidOid, 0);
	return build_expression_pathkey(root, (Expr *) var, NULL, opno,
									baserel->relids, false);
}

/*
 * columns: those of the conditions the path takes; a sample relation's
 * path without topic or path costs disable_cost.
 */
static void
path_costs(const MessageRelInfo *info, double messages, double channels,
		   int columns, const QualCost *quals, Cost *startup, Cost *total)
{
	double		rows = messages * info->rows_per_message;

	*startup = SCAN_STARTUP_COST + channels * CHANNEL_COST + quals->startup;
	if (info->kind == REL_SAMPLE)
	{
		if ((columns & (1 << MSG_TOPIC)) == 0 ||
			(columns & (1 << MSG_PATH)) == 0)
			*startup += disable_cost;
		*startup += messages * DECODE_COST;
	}
	*total = *startup + messages * MESSAGE_COST + rows * quals->per_tuple;
}

/* Whether an equivalence member is the column at attribute *arg. */
static bool
member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
				 EquivalenceMember *em, void *arg)
{
	Expr	   *e = em->em_expr;

	while (IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return IsA(e, Var) && ((Var *) e)->varno == (int) rel->relid &&
		((Var *) e)->varlevelsup == 0 &&
		((Var *) e)->varattno == *(AttrNumber *) arg;
}

/*
 * The join clauses that could be conditions of the scan: the relation's
 * join clauses, and the equalities its equivalence classes imply for
 * file_id and topic (f.file_id = m.file_id).
 */
static List *
join_condition_candidates(PlannerInfo *root, RelOptInfo *baserel,
						  MessageRelInfo *info)
{
	List	   *candidates = list_copy(baserel->joininfo);
	MessageColumn eq_columns[] = {MSG_FILE_ID, MSG_TOPIC, MSG_PATH};

	if (!baserel->has_eclass_joins)
		return candidates;
	for (int i = 0; i < (int) lengthof(eq_columns); i++)
	{
		AttrNumber *attno = &info->attnos[eq_columns[i]];
		List	   *implied;

		if (*attno == 0)
			continue;
		implied = generate_implied_equalities_for_column(root, baserel,
														 member_is_column, attno,
														 baserel->lateral_referencers);
		candidates = list_concat(candidates, implied);
	}
	return candidates;
}

/* The sets of other relations a join condition of the scan reads. */
static List *
outer_relation_sets(PlannerInfo *root, RelOptInfo *baserel,
					MessageRelInfo *info)
{
	List	   *sets = NIL;
	ListCell   *lc;

	foreach(lc, join_condition_candidates(root, baserel, info))
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		Relids		outer;
		int			code;
		Expr	   *value;
		bool		known = false;
		ListCell   *lc2;

		if (!join_clause_is_movable_to(ri, baserel) ||
			!message_condition(root, baserel->relid, info->attnos, ri->clause,
							   &code, &value))
			continue;
		outer = bms_union(ri->clause_relids, baserel->lateral_relids);
		outer = bms_del_members(outer, baserel->relids);
		if (bms_is_empty(outer))
			continue;
		foreach(lc2, sets)
			known = known || bms_equal(outer, (Relids) lfirst(lc2));
		if (!known)
			sets = lappend(sets, outer);
	}
	return sets;
}

/* A path that runs once per row of the relations outer. */
static void
add_parameterized_path(PlannerInfo *root, RelOptInfo *baserel,
					   MessageRelInfo *info, Relids outer)
{
	ParamPathInfo *ppi = get_baserel_parampathinfo(root, baserel, outer);
	double		messages = info->messages;
	double		channels = info->channels;
	int			columns = info->columns;
	List	   *others = NIL;
	QualCost	quals;
	Cost		startup;
	Cost		total;
	double		rows;
	ListCell   *lc;

	foreach(lc, ppi->ppi_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		int			code;
		Expr	   *value;
		double		channel_share;

		if (message_condition(root, baserel->relid, info->attnos, ri->clause,
							  &code, &value))
		{
			messages *= runtime_share(code, &info->est, &channel_share);
			channels *= channel_share;
			columns |= 1 << COND_COLUMN(code);
		}
		else
			others = lappend(others, ri);
	}
	rows = clamp_row_est(messages * info->rows_per_message *
						 info->local_selectivity *
						 clauselist_selectivity(root, others, 0, JOIN_INNER,
												NULL));
	cost_qual_eval(&quals, list_concat_copy(baserel->baserestrictinfo,
											ppi->ppi_clauses), root);
	path_costs(info, messages, channels, columns, &quals, &startup, &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, rows, startup, total,
									 info->pathkeys_time, outer, NULL, NIL));
}

void
message_fdw_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	MessageRelInfo *info = baserel->fdw_private;
	List	   *by_time;
	List	   *by_ns;
	QualCost	quals;
	Cost		startup;
	Cost		total;
	ListCell   *lc;

	by_time = column_pathkeys(root, baserel, info, MSG_LOG_TIME, TIMESTAMPTZOID);
	by_ns = column_pathkeys(root, baserel, info, MSG_LOG_TIME_NS, INT8OID);
	info->pathkeys_time = list_concat_copy(by_time, by_ns);
	info->pathkeys_ns = by_time != NIL ? by_ns : NIL;

	cost_qual_eval(&quals, baserel->baserestrictinfo, root);
	path_costs(info, info->messages, info->channels, info->columns, &quals,
			   &startup, &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, info->pathkeys_time,
									 baserel->lateral_relids, NULL, NIL));
	if (info->pathkeys_ns != NIL)
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, baserel->rows,
										 startup, total, info->pathkeys_ns,
										 baserel->lateral_relids, NULL, NIL));

	foreach(lc, outer_relation_sets(root, baserel, info))
		add_parameterized_path(root, baserel, info, (Relids) lfirst(lc));
}

/* ---- the plan ------------------------------------------------------------------------ */

/* The attribute numbers of the columns the plan reads (0: all of them). */
static List *
read_attnos(RelOptInfo *baserel, List *quals)
{
	Bitmapset  *attrs = NULL;
	List	   *attnos = NIL;
	int			x = -1;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	pull_varattnos((Node *) quals, baserel->relid, &attrs);
	while ((x = bms_next_member(attrs, x)) >= 0)
	{
		AttrNumber	attno = x + FirstLowInvalidHeapAttributeNumber;

		if (attno == InvalidAttrNumber)
			return list_make1_int(0);	/* the whole row */
		if (attno > 0)
			attnos = lappend_int(attnos, attno);
	}
	return attnos;
}

ForeignScan *
message_fdw_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				 ForeignPath *best_path, List *tlist, List *scan_clauses,
				 Plan *outer_plan)
{
	MessageRelInfo *info = baserel->fdw_private;
	List	   *quals = NIL;
	List	   *codes = NIL;
	List	   *values = NIL;
	int			columns = 0;
	ListCell   *lc;

	if (IS_UPPER_REL(baserel))
		return aggregate_fdw_plan(root, baserel, tlist, outer_plan);
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		int			code;
		Expr	   *value;

		if (ri->pseudoconstant)
			continue;			/* the planner checks it once, above the scan */
		quals = lappend(quals, ri->clause);
		if (message_condition(root, baserel->relid, info->attnos, ri->clause,
							  &code, &value))
		{
			codes = lappend_int(codes, code);
			values = lappend(values, copyObject(value));
			columns |= 1 << COND_COLUMN(code);
		}
	}
	if (info->kind == REL_SAMPLE)
		sample_require_conditions(quote_qualified_identifier(get_namespace_name(get_rel_namespace(foreigntableid)),
															 get_rel_name(foreigntableid)),
								  columns);
	return make_foreignscan(tlist, quals, baserel->relid, values,
							list_make2(codes, read_attnos(baserel, quals)),
							NIL, NIL, outer_plan);
}
