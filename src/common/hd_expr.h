/*-------------------------------------------------------------------------
 *
 * hd_expr.h
 *	  The expression language of math channels: arithmetic over signal
 *	  paths, parsed once into a small program and evaluated per sample.
 *	  Plain C, no PostgreSQL: the engine (src/engine/math_channels.c) feeds
 *	  it the inputs' values.
 *
 * Grammar (whitespace between tokens is free):
 *
 *	expr	:= sum [ ('<' | '<=' | '>' | '>=' | '==' | '!=') sum ]
 *	sum		:= product { ('+' | '-') product }
 *	product := unary { ('*' | '/') unary }
 *	unary	:= ('-' | '+') unary | primary
 *	primary := number | '(' expr ')' | function '(' expr { ',' expr } ')'
 *			 | operand
 *	operand := name [ ':' name ]	(topic ':' path, or a path of the home topic)
 *	name	:= bare | '"' chars '"'	("" inside quotes is one ")
 *	bare	:= [A-Za-z_] { [A-Za-z0-9_.] | '[' chars ']' }
 *
 * Numbers are decimal (1, 2.5, .5, 1e-3).  Comparisons give 1 or 0.
 * Functions: abs, sqrt, exp, ln, log10, sin, cos, tan, floor, ceil,
 * round (1 argument), pow, hypot, atan2 (2), min, max (2 to 16), clamp(x,
 * lo, hi), if(c, a, b) (a where c is non-zero, else b).
 *
 * Evaluation is in double precision; a division by zero gives NaN, which
 * propagates (a comparison with NaN is NaN), so that the caller can treat
 * any result that is not finite as no value.  if() takes only the branch
 * it chooses.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_EXPR_H
#define HD_EXPR_H

#include <stdbool.h>
#include <stddef.h>

/* Bounds of one expression. */
#define HD_EXPR_MAX_TEXT 4096	/* bytes of text */
#define HD_EXPR_MAX_NODES 256	/* numbers, operands, operators, calls */
#define HD_EXPR_MAX_DEPTH 32	/* nesting of parentheses, calls, signs */
#define HD_EXPR_MAX_OPERANDS 32 /* distinct signals */
#define HD_EXPR_MAX_ARGS 16		/* arguments of min and max */

typedef struct HdExprError
{
	int			position;		/* 1-based byte offset in the text; 0: none */
	char		message[200];
} HdExprError;

/* A signal the expression reads. */
typedef struct HdExprOperand
{
	char	   *topic;			/* NULL: the home topic */
	char	   *path;
} HdExprOperand;

typedef struct HdExpr HdExpr;

/*
 * Parse len bytes of text.  Returns the program, or NULL with err filled
 * (a syntax error, an unknown function, a wrong argument count, a bound
 * exceeded, no memory).  Operands naming the same signal share an index.
 */
extern HdExpr *hd_expr_parse(const char *text, size_t len, HdExprError *err);
extern void hd_expr_free(HdExpr *expr);

/* The distinct signals read, in order of first appearance. */
extern int	hd_expr_operand_count(const HdExpr *expr);
extern const HdExprOperand *hd_expr_operand(const HdExpr *expr, int i);

/*
 * The value for the operands' values (values[i] is operand i's).  May be
 * NaN or infinite (see above).
 */
extern double hd_expr_eval(const HdExpr *expr, const double *values);

#endif							/* HD_EXPR_H */
