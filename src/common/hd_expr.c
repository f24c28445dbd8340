/*-------------------------------------------------------------------------
 *
 * hd_expr.c
 *	  The expression language of math channels (hd_expr.h): a recursive
 *	  descent parser into a tree of at most HD_EXPR_MAX_NODES nodes, and
 *	  its evaluation.
 *
 * The text is copied and NUL-terminated first, so that the scanner never
 * reads past it; every bound is checked before anything is allocated for
 * what the text claims.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum NodeKind
{
	NODE_NUMBER,
	NODE_OPERAND,
	NODE_CALL					/* operators too: a call of a built-in */
} NodeKind;

typedef enum Builtin
{
	FN_NEG, FN_ADD, FN_SUB, FN_MUL, FN_DIV,
	FN_LT, FN_LE, FN_GT, FN_GE, FN_EQ, FN_NE,
	FN_ABS, FN_SQRT, FN_EXP, FN_LN, FN_LOG10, FN_SIN, FN_COS, FN_TAN,
	FN_FLOOR, FN_CEIL, FN_ROUND, FN_POW, FN_HYPOT, FN_ATAN2,
	FN_MIN, FN_MAX, FN_CLAMP, FN_IF
} Builtin;

typedef struct Node
{
	NodeKind	kind;
	Builtin		fn;
	double		number;
	int			operand;
	int			nargs;
	int			args[HD_EXPR_MAX_ARGS];
} Node;

struct HdExpr
{
	int			nnodes;
	int			root;
	Node		nodes[HD_EXPR_MAX_NODES];
	int			noperands;
	HdExprOperand operands[HD_EXPR_MAX_OPERANDS];
};

/* The functions a name may call, with their argument counts. */
typedef struct FunctionDef
{
	const char *name;
	Builtin		fn;
	int			min_args;
	int			max_args;
} FunctionDef;

static const FunctionDef functions[] = {
	{"abs", FN_ABS, 1, 1}, {"sqrt", FN_SQRT, 1, 1}, {"exp", FN_EXP, 1, 1},
	{"ln", FN_LN, 1, 1}, {"log10", FN_LOG10, 1, 1}, {"sin", FN_SIN, 1, 1},
	{"cos", FN_COS, 1, 1}, {"tan", FN_TAN, 1, 1}, {"floor", FN_FLOOR, 1, 1},
	{"ceil", FN_CEIL, 1, 1}, {"round", FN_ROUND, 1, 1},
	{"pow", FN_POW, 2, 2}, {"hypot", FN_HYPOT, 2, 2}, {"atan2", FN_ATAN2, 2, 2},
	{"min", FN_MIN, 2, HD_EXPR_MAX_ARGS}, {"max", FN_MAX, 2, HD_EXPR_MAX_ARGS},
	{"clamp", FN_CLAMP, 3, 3}, {"if", FN_IF, 3, 3},
};

typedef struct Parser
{
	const char *text;			/* NUL-terminated copy */
	const char *p;
	int			depth;
	HdExpr	   *expr;
	HdExprError *err;
	bool		failed;
} Parser;

/* ---- errors and nodes ----------------------------------------------------- */

static int
fail_at(Parser *ps, const char *at, const char *fmt,...)
{
	va_list		ap;

	if (ps->failed)
		return -1;
	ps->failed = true;
	ps->err->position = (int) (at - ps->text) + 1;
	va_start(ap, fmt);
	vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int
new_node(Parser *ps, NodeKind kind, const char *at)
{
	Node	   *n;

	if (ps->expr->nnodes == HD_EXPR_MAX_NODES)
		return fail_at(ps, at, "expression has more than %d terms", HD_EXPR_MAX_NODES);
	n = &ps->expr->nodes[ps->expr->nnodes];
	memset(n, 0, sizeof(Node));
	n->kind = kind;
	return ps->expr->nnodes++;
}

/* A call node of fn over the given argument nodes. */
static int
call_node(Parser *ps, Builtin fn, const char *at, int nargs, const int *args)
{
	int			id;

	for (int i = 0; i < nargs; i++)
		if (args[i] < 0)
			return -1;
	id = new_node(ps, NODE_CALL, at);
	if (id < 0)
		return -1;
	ps->expr->nodes[id].fn = fn;
	ps->expr->nodes[id].nargs = nargs;
	memcpy(ps->expr->nodes[id].args, args, sizeof(int) * nargs);
	return id;
}

/* ---- the scanner ----------------------------------------------------------- */

static void
skip_space(Parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || is_digit(c) || c == '.';
}

/* Whether the next characters are s (and consume them if so). */
static bool
accept(Parser *ps, const char *s)
{
	size_t		n = strlen(s);

	skip_space(ps);
	if (strncmp(ps->p, s, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static int
parse_number(Parser *ps)
{
	const char *start = ps->p;
	char		buf[64];
	char	   *end;
	double		v;
	int			id;

	while (is_digit(*ps->p))
		ps->p++;
	if (*ps->p == '.')
		for (ps->p++; is_digit(*ps->p); ps->p++)
			;
	if ((*ps->p == 'e' || *ps->p == 'E') &&
		(is_digit(ps->p[1]) ||
		 ((ps->p[1] == '+' || ps->p[1] == '-') && is_digit(ps->p[2]))))
		for (ps->p += 2; is_digit(*ps->p); ps->p++)
			;
	if (ps->p - start >= (long) sizeof(buf))
		return fail_at(ps, start, "number is too long");
	if (is_name_start(*ps->p) || *ps->p == '.')
		return fail_at(ps, ps->p, "unexpected \"%c\" after a number", *ps->p);
	memcpy(buf, start, ps->p - start);
	buf[ps->p - start] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v))
		return fail_at(ps, start, "number \"%s\" is out of range", buf);
	id = new_node(ps, NODE_NUMBER, start);
	if (id >= 0)
		ps->expr->nodes[id].number = v;
	return id;
}

/*
 * A name: bare or double-quoted.  Returns a malloc'd copy, or NULL having
 * failed.
 */
static char *
parse_name(Parser *ps)
{
	const char *start = ps->p;
	char	   *out;
	size_t		n = 0;

	if (*ps->p == '"')
	{
		out = malloc(strlen(ps->p) + 1);
		if (out == NULL)
			return fail_at(ps, start, "out of memory"), NULL;
		for (ps->p++;; ps->p++)
		{
			if (*ps->p == '\0')
				return free(out), fail_at(ps, start, "unterminated quoted name"), NULL;
			if (*ps->p == '"' && ps->p[1] == '"')
				ps->p++;
			else if (*ps->p == '"')
				break;
			out[n++] = *ps->p;
		}
		ps->p++;
		out[n] = '\0';
		if (n == 0)
			return free(out), fail_at(ps, start, "empty quoted name"), NULL;
		return out;
	}
	while (is_name_char(*ps->p) || *ps->p == '[')
	{
		if (*ps->p == '[')
		{
			const char *close = strchr(ps->p, ']');

			if (close == NULL)
				return fail_at(ps, ps->p, "unterminated \"[\""), NULL;
			ps->p = close;
		}
		ps->p++;
	}
	out = malloc(ps->p - start + 1);
	if (out == NULL)
		return fail_at(ps, start, "out of memory"), NULL;
	memcpy(out, start, ps->p - start);
	out[ps->p - start] = '\0';
	return out;
}

/* The index of the operand (topic, path), added if new; takes both. */
static int
operand_index(Parser *ps, char *topic, char *path, const char *at)
{
	HdExpr	   *e = ps->expr;

	for (int i = 0; i < e->noperands; i++)
		if (strcmp(e->operands[i].path, path) == 0 &&
			((topic == NULL && e->operands[i].topic == NULL) ||
			 (topic && e->operands[i].topic && strcmp(topic, e->operands[i].topic) == 0)))
		{
			free(topic);
			free(path);
			return i;
		}
	if (e->noperands == HD_EXPR_MAX_OPERANDS)
	{
		free(topic);
		free(path);
		return fail_at(ps, at, "expression reads more than %d signals", HD_EXPR_MAX_OPERANDS);
	}
	e->operands[e->noperands].topic = topic;
	e->operands[e->noperands].path = path;
	return e->noperands++;
}

/* ---- the grammar ------------------------------------------------------------ */

static int	parse_expr(Parser *ps);

static const FunctionDef *
find_function(const char *name)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (strcmp(functions[i].name, name) == 0)
			return &functions[i];
	return NULL;
}

static int
parse_call(Parser *ps, const char *name, const char *at)
{
	const FunctionDef *f = find_function(name);
	int			args[HD_EXPR_MAX_ARGS];
	int			nargs = 0;

	if (f == NULL)
		return fail_at(ps, at, "unknown function \"%s\"", name);
	if (!accept(ps, ")"))
	{
		do
		{
			if (nargs == f->max_args)
				return fail_at(ps, ps->p, "%s takes at most %d arguments",
							   f->name, f->max_args);
			args[nargs] = parse_expr(ps);
			if (args[nargs++] < 0)
				return -1;
		} while (accept(ps, ","));
		if (!accept(ps, ")"))
			return fail_at(ps, ps->p, "expected \",\" or \")\" in the arguments of %s", f->name);
	}
	if (nargs < f->min_args)
		return fail_at(ps, at, "%s takes %s%d argument%s, not %d", f->name,
					   f->min_args == f->max_args ? "" : "at least ",
					   f->min_args, f->min_args == 1 ? "" : "s", nargs);
	return call_node(ps, f->fn, at, nargs, args);
}

/* A function call or an operand, at a name. */
static int
parse_named(Parser *ps)
{
	const char *at = ps->p;
	bool		quoted = *ps->p == '"';
	char	   *name = parse_name(ps);
	char	   *path;
	int			id;

	if (name == NULL)
		return -1;
	if (!quoted && accept(ps, "("))
	{
		id = parse_call(ps, name, at);
		free(name);
		return id;
	}
	path = NULL;
	if (accept(ps, ":"))
	{
		skip_space(ps);
		if (*ps->p != '"' && !is_name_start(*ps->p))
		{
			fail_at(ps, ps->p, "expected a path after \"%s:\"", name);
			free(name);
			return -1;
		}
		path = parse_name(ps);
		if (path == NULL)
			return free(name), -1;
	}
	id = new_node(ps, NODE_OPERAND, at);
	if (id < 0)
		return free(name), free(path), -1;
	ps->expr->nodes[id].operand = path ? operand_index(ps, name, path, at) :
		operand_index(ps, NULL, name, at);
	return ps->expr->nodes[id].operand < 0 ? -1 : id;
}

static int
parse_primary(Parser *ps)
{
	int			id;

	skip_space(ps);
	if (is_digit(*ps->p) || (*ps->p == '.' && is_digit(ps->p[1])))
		return parse_number(ps);
	if (*ps->p == '"' || is_name_start(*ps->p))
		return parse_named(ps);
	if (accept(ps, "("))
	{
		const char *open = ps->p - 1;

		id = parse_expr(ps);
		if (id >= 0 && !accept(ps, ")"))
			return fail_at(ps, ps->p, "expected \")\" to close the \"(\" at character %d",
						   (int) (open - ps->text) + 1);
		return id;
	}
	if (*ps->p == '\0')
		return fail_at(ps, ps->p, "unexpected end of expression");
	return fail_at(ps, ps->p, "unexpected \"%c\"", *ps->p);
}

static int
parse_unary(Parser *ps)
{
	const char *at;
	int			id;

	skip_space(ps);
	at = ps->p;
	if (++ps->depth > HD_EXPR_MAX_DEPTH)
		return fail_at(ps, at, "expression is nested more than %d deep", HD_EXPR_MAX_DEPTH);
	if (accept(ps, "-"))
	{
		id = parse_unary(ps);
		id = call_node(ps, FN_NEG, at, 1, &id);
	}
	else if (accept(ps, "+"))
		id = parse_unary(ps);
	else
		id = parse_primary(ps);
	ps->depth--;
	return id;
}

/* The left-associative operators, by level: sums of products. */
typedef struct BinaryOp
{
	const char *text;
	Builtin		fn;
} BinaryOp;

static const BinaryOp level_ops[2][2] = {
	{{"+", FN_ADD}, {"-", FN_SUB}},
	{{"*", FN_MUL}, {"/", FN_DIV}},
};

/* A sum (level 0) or a product (level 1). */
static int
parse_level(Parser *ps, int level)
{
	int			args[2];

	args[0] = level == 1 ? parse_unary(ps) : parse_level(ps, level + 1);
	while (args[0] >= 0)
	{
		const char *at;
		const BinaryOp *op = NULL;

		skip_space(ps);
		at = ps->p;
		for (int i = 0; i < 2 && op == NULL; i++)
			if (accept(ps, level_ops[level][i].text))
				op = &level_ops[level][i];
		if (op == NULL)
			break;
		args[1] = level == 1 ? parse_unary(ps) : parse_level(ps, level + 1);
		args[0] = call_node(ps, op->fn, at, 2, args);
	}
	return args[0];
}

static int
parse_expr(Parser *ps)
{
	static const BinaryOp comparisons[] = {
		{"<=", FN_LE}, {">=", FN_GE}, {"==", FN_EQ}, {"!=", FN_NE},
		{"<", FN_LT}, {">", FN_GT},
	};
	int			args[2];
	const char *at;

	args[0] = parse_level(ps, 0);
	if (args[0] < 0)
		return -1;
	skip_space(ps);
	at = ps->p;
	for (size_t i = 0; i < sizeof(comparisons) / sizeof(comparisons[0]); i++)
		if (accept(ps, comparisons[i].text))
		{
			args[1] = parse_level(ps, 0);
			return call_node(ps, comparisons[i].fn, at, 2, args);
		}
	return args[0];
}

/* ---- the interface ----------------------------------------------------------- */

HdExpr *
hd_expr_parse(const char *text, size_t len, HdExprError *err)
{
	Parser		ps;
	char	   *copy;

	memset(err, 0, sizeof(HdExprError));
	memset(&ps, 0, sizeof(Parser));
	ps.err = err;
	if (len > HD_EXPR_MAX_TEXT)
	{
		snprintf(err->message, sizeof(err->message),
				 "expression is longer than %d bytes", HD_EXPR_MAX_TEXT);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL)
	{
		err->position = (int) ((const char *) memchr(text, '\0', len) - text) + 1;
		snprintf(err->message, sizeof(err->message), "expression holds a NUL byte");
		return NULL;
	}
	copy = malloc(len + 1);
	ps.expr = calloc(1, sizeof(HdExpr));
	if (copy == NULL || ps.expr == NULL)
	{
		free(copy);
		free(ps.expr);
		snprintf(err->message, sizeof(err->message), "out of memory");
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	ps.text = ps.p = copy;
	ps.expr->root = parse_expr(&ps);
	skip_space(&ps);
	if (!ps.failed && *ps.p != '\0')
		fail_at(&ps, ps.p, "unexpected \"%c\" after the end of the expression", *ps.p);
	free(copy);
	if (ps.failed)
	{
		hd_expr_free(ps.expr);
		return NULL;
	}
	return ps.expr;
}

void
hd_expr_free(HdExpr *expr)
{
	if (expr == NULL)
		return;
	for (int i = 0; i < expr->noperands; i++)
	{
		free(expr->operands[i].topic);
		free(expr->operands[i].path);
	}
	free(expr);
}

int
hd_expr_operand_count(const HdExpr *expr)
{
	return expr->noperands;
}

const HdExprOperand *
hd_expr_operand(const HdExpr *expr, int i)
{
	return &expr->operands[i];
}

/* ---- evaluation ----------------------------------------------------------- */

static double eval_node(const HdExpr *e, int id, const double *values);

/* A comparison's value: NaN when either side is NaN. */
static double
truth(double a, double b, bool holds)
{
	return (isnan(a) || isnan(b)) ? NAN : (holds ? 1.0 : 0.0);
}

/* min or max over the arguments; NaN if any is NaN. */
static double
extreme(const HdExpr *e, const Node *n, const double *values, bool want_max)
{
	double		best = eval_node(e, n->args[0], values);

	for (int i = 1; i < n->nargs; i++)
	{
		double		v = eval_node(e, n->args[i], values);

		if (isnan(v) || isnan(best))
			best = NAN;
		else if (want_max ? v > best : v < best)
			best = v;
	}
	return best;
}

static double
eval_call(const HdExpr *e, const Node *n, const double *values)
{
	double		a,
				b = 0,
				c;

	if (n->fn == FN_MIN || n->fn == FN_MAX)
		return extreme(e, n, values, n->fn == FN_MAX);
	a = eval_node(e, n->args[0], values);
	if (n->fn == FN_IF)
		return isnan(a) ? NAN :
			eval_node(e, n->args[a != 0 ? 1 : 2], values);
	if (n->nargs > 1)
		b = eval_node(e, n->args[1], values);
	switch (n->fn)
	{
		case FN_NEG: return -a;
		case FN_ADD: return a + b;
		case FN_SUB: return a - b;
		case FN_MUL: return a * b;
		case FN_DIV: return b == 0 ? NAN : a / b;
		case FN_LT: return truth(a, b, a < b);
		case FN_LE: return truth(a, b, a <= b);
		case FN_GT: return truth(a, b, a > b);
		case FN_GE: return truth(a, b, a >= b);
		case FN_EQ: return truth(a, b, a == b);
		case FN_NE: return truth(a, b, a != b);
		case FN_ABS: return fabs(a);
		case FN_SQRT: return sqrt(a);
		case FN_EXP: return exp(a);
		case FN_LN: return log(a);
		case FN_LOG10: return log10(a);
		case FN_SIN: return sin(a);
		case FN_COS: return cos(a);
		case FN_TAN: return tan(a);
		case FN_FLOOR: return floor(a);
		case FN_CEIL: return ceil(a);
		case FN_ROUND: return round(a);
		case FN_POW: return pow(a, b);
		case FN_HYPOT: return hypot(a, b);
		case FN_ATAN2: return atan2(a, b);
		case FN_CLAMP:
			c = eval_node(e, n->args[2], values);
			if (isnan(a) || isnan(b) || isnan(c))
				return NAN;
			return a < b ? b : (a > c ? c : a);
		default:
			return NAN;
	}
}

static double
eval_node(const HdExpr *e, int id, const double *values)
{
	const Node *n = &e->nodes[id];

	switch (n->kind)
	{
		case NODE_NUMBER:
			return n->number;
		case NODE_OPERAND:
			return values[n->operand];
		case NODE_CALL:
			return eval_call(e, n, values);
	}
	return NAN;
}

double
hd_expr_eval(const HdExpr *expr, const double *values)
{
	return eval_node(expr, expr->root, values);
}
