/*-------------------------------------------------------------------------
 *
 * fdw.h
 *	  Engine: hdaq.message, every stored message as a row of a foreign
 *	  table whose foreign-data wrapper (hdaq_fdw) reads hdaq's own store.
 *
 *	  fdw_quals.c	which WHERE clauses the scan can take (file_id, topic,
 *					log_time, log_time_ns) and what they select once their
 *					values are known
 *	  fdw_plan.c	sizes, costs, paths (ordered by log time, probing per
 *					file for a join), the plan
 *	  fdw_scan.c	the scan: one row per message through the message
 *					scan (scan.h), streamed, data_json decoded by the
 *					jsonb builder (decoders.h) when read; EXPLAIN
 *	  fdw_upper.c	a sample relation's aggregates answered by its scan
 *					(aggregate pushdown): the path and the plan
 *	  fdw_agg_scan.c  the groups of such a scan, from leaf block summaries
 *
 * The entry points (the handler and the validator) are in
 * functions/message_fdw.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_FDW_H
#define HDAQ_FDW_H

#include "hdaq.h"

#include "engine/signals.h"

#include "access/tupdesc.h"
#include "foreign/fdwapi.h"
#include "nodes/pathnodes.h"

/*
 * The columns a relation of hdaq_fdw can have, found by name; the names
 * depend on its kind (a sample relation's log_time is "time").
 */
typedef enum MessageColumn
{
	MSG_FILE_ID,
	MSG_TOPIC,
	MSG_LOG_TIME,
	MSG_LOG_TIME_NS,
	MSG_PUBLISH_TIME_NS,
	MSG_SEQUENCE,
	MSG_DATA,
	MSG_PATH,
	MSG_VALUE,
	MSG_DATA_JSON,				/* data decoded, computed only when read */
	MSG_NCOLUMNS
} MessageColumn;

typedef enum RelationKind
{
	REL_MESSAGE,				/* (file_id, topic, log_time, log_time_ns,
								 * publish_time_ns, sequence, data,
								 * data_json) */
	REL_SAMPLE					/* (file_id, topic, path, time, time_ns,
								 * value) */
} RelationKind;

/* The column names of a kind of relation (NULL: it has no such column). */
extern const char *const *relation_column_names(RelationKind kind);

/*
 * The kind of a relation, and the column of each attribute (attribute
 * i + 1 into columns[i]; -1 for a column of another name, which reads as
 * NULL); an error for a known column of another type.
 */
extern RelationKind message_columns_of(TupleDesc desc, int *columns);

/*
 * The kind, and the attribute number of each column (0 when the relation
 * lacks it) into attnos[MSG_NCOLUMNS].
 */
extern RelationKind message_attnos_of(TupleDesc desc, AttrNumber *attnos);

/*
 * A sample relation's scan needs conditions on topic and path: an error
 * (22023) naming the relation and what is missing when columns (a bitmask
 * of 1 << MessageColumn, the columns the scan's conditions are on) lacks
 * them.
 */
extern void sample_require_conditions(const char *relname, int columns);

/* ---- conditions the scan takes (fdw_quals.c) ---- */

/*
 * A condition is "column op value": op a B-tree strategy (BTLess .. BTGreater)
 * or COND_ANY (= ANY (array)).  Its code, an integer, travels in the plan.
 */
#define COND_ANY 6
#define COND_CODE(column, op) ((column) * 8 + (op))
#define COND_COLUMN(code) ((MessageColumn) ((code) / 8))
#define COND_OP(code) ((code) % 8)

/*
 * Whether clause is a condition the scan takes: a column of the relation
 * (relid; attribute numbers attnos) compared with a value that does not
 * read the relation and can be computed before the scan starts (constants,
 * parameters, stable functions, other relations' columns in a join).  Its
 * code and value expression into *code and *value.
 */
extern bool message_condition(PlannerInfo *root, Index relid,
							  const AttrNumber *attnos, Expr *clause,
							  int *code, Expr **value);

/* The column expr is (a Var of the relation, maybe relabelled), or -1. */
extern int	message_column_of(Node *expr, Index relid, const AttrNumber *attnos);

/* What the conditions select, as their values are added. */
typedef struct MessageSelection
{
	bool		empty;			/* nothing can match */
	bool		has_files;		/* files[] restricts */
	int64	   *files;			/* sorted, distinct */
	int			nfiles;
	bool		has_topics;		/* topics[] restricts */
	char	  **topics;			/* sorted, distinct */
	int			ntopics;
	bool		has_paths;		/* paths[] restricts (a sample relation) */
	char	  **paths;			/* sorted, distinct */
	int			npaths;
	int64		start_ns;		/* log_time_ns, inclusive */
	int64		end_ns;
} MessageSelection;

extern void selection_init(MessageSelection *sel);

/*
 * Narrow the selection by a condition whose value is known: value (null
 * when isnull) of type type, in CurrentMemoryContext.
 */
extern void selection_add(MessageSelection *sel, int code, Datum value,
						  bool isnull, Oid type);

/* Whether the selection can hold no message. */
extern bool selection_is_empty(const MessageSelection *sel);

/* The scan request of a selection that is not empty. */
extern void selection_request(const MessageSelection *sel, ScanRequest *req);

/*
 * A sample relation's leaves of a selection that is not empty and has
 * topics and paths: each path of each topic, by topic then path (index
 * t * npaths + p); an error past HD_MAX_PATHS paths.
 */
extern SignalSpec *selection_specs(const MessageSelection *sel, int *nspecs);

/* ---- planning (fdw_plan.c) ---- */

extern void message_fdw_rel_size(PlannerInfo *root, RelOptInfo *baserel,
								 Oid foreigntableid);
extern void message_fdw_paths(PlannerInfo *root, RelOptInfo *baserel,
							  Oid foreigntableid);
extern ForeignScan *message_fdw_plan(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid,
									 ForeignPath *best_path, List *tlist,
									 List *scan_clauses, Plan *outer_plan);

/*
 * The plan's fdw_private: a list of two integer lists, the codes of the
 * conditions whose values are fdw_exprs (in their order), and the
 * attribute numbers of the columns the plan reads.
 */
#define FDW_PRIVATE_CODES 0
#define FDW_PRIVATE_ATTNOS 1

/* ---- aggregates answered by the scan (fdw_upper.c, fdw_agg_scan.c) ---- */

/* hdaq.aggregate_pushdown (on by default) */
extern bool aggregate_pushdown_enabled;
extern void fdw_define_gucs(void);

/* What each column of an aggregate scan is. */
typedef enum PushedColumn
{
	PUSH_FILE_ID,				/* grouping columns */
	PUSH_TOPIC,
	PUSH_PATH,
	PUSH_COUNT_ROWS,			/* count(*) */
	PUSH_COUNT_VALUES,			/* count(value) */
	PUSH_SUM,
	PUSH_AVG,
	PUSH_MIN,
	PUSH_MAX,
	PUSH_MIN_TIME,
	PUSH_MAX_TIME,
	PUSH_MIN_TIME_NS,
	PUSH_MAX_TIME_NS
} PushedColumn;

/*
 * An aggregate scan's plan (scanrelid 0) has a third fdw_private list: the
 * PushedColumn of each entry of fdw_scan_tlist; its attribute numbers are
 * NIL.
 */
#define FDW_PRIVATE_PUSHED 2

extern void message_fdw_upper_paths(PlannerInfo *root, UpperRelationKind stage,
									RelOptInfo *input_rel,
									RelOptInfo *output_rel, void *extra);
extern ForeignScan *aggregate_fdw_plan(PlannerInfo *root, RelOptInfo *rel,
									   List *tlist, Plan *outer_plan);

/*
 * The groups of an aggregate scan over a selection (conditions' values
 * computed), computed at once: names checked as the sample relation's
 * scan checks them; each channel's leaves from their block summaries
 * when it has blocks of every path, the other channels' messages decoded.
 * The caller is connected to SPI; lives in CurrentMemoryContext.
 */
typedef struct PushedGroups PushedGroups;
extern PushedGroups *pushed_groups_compute(const MessageSelection *sel,
										   List *pushed);

/* The next group as the scan's row (its values of the pushed columns). */
extern bool pushed_groups_next(PushedGroups *groups, TupleTableSlot *slot);

/* ---- the scan (fdw_scan.c) ---- */

extern void message_fdw_begin(ForeignScanState *node, int eflags);
extern TupleTableSlot *message_fdw_iterate(ForeignScanState *node);
extern void message_fdw_rescan(ForeignScanState *node);
extern void message_fdw_end(ForeignScanState *node);
extern void message_fdw_explain(ForeignScanState *node,
								struct ExplainState *es);

#endif							/* HDAQ_FDW_H */
