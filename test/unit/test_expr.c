/*-------------------------------------------------------------------------
 *
 * test_expr.c
 *	  Unit tests of the math channels' expression language
 *	  (src/common/hd_expr.c): operands and their topics, precedence,
 *	  functions, NaN for a division by zero, if() taking one branch, and
 *	  errors at the right position for bad text and exceeded bounds.
 *
 * Prints "ok N - name" or "not ok N - name" per test, then one line
 * "N passed, M failed"; exits non-zero if any test failed.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* The value of text with operands valued 1, 2, 3, ... in order. */
static bool
value_of(const char *text, double *out)
{
	HdExprError err;
	HdExpr	   *e = hd_expr_parse(text, strlen(text), &err);
	double		values[HD_EXPR_MAX_OPERANDS];

	if (e == NULL)
		return false;
	for (int i = 0; i < HD_EXPR_MAX_OPERANDS; i++)
		values[i] = i + 1;
	*out = hd_expr_eval(e, values);
	hd_expr_free(e);
	return true;
}

/* The error position of text, which must not parse; 0 if it parses. */
static int
error_at(const char *text, char *message, size_t size)
{
	HdExprError err;
	HdExpr	   *e = hd_expr_parse(text, strlen(text), &err);

	if (e != NULL)
	{
		hd_expr_free(e);
		return 0;
	}
	snprintf(message, size, "%s", err.message);
	return err.position;
}

#define CHECK_VALUE(text, want) \
	do { \
		double v_; \
		CHECK(value_of(text, &v_), "%.200s does not parse", text); \
		CHECK(fabs(v_ - (want)) < 1e-12, "%.200s = %.17g, not %.17g", text, v_, (double) (want)); \
	} while (0)

static bool
operands_and_topics(void)
{
	const char *text = "wheel_speed.FL / VnInsData:speed - \"/imu/data\":\"linear.x\" + wheel_speed.FL + cells[3].v + m[\"a:b\"]";
	HdExprError err;
	HdExpr	   *e = hd_expr_parse(text, strlen(text), &err);
	const HdExprOperand *o;

	CHECK(e != NULL, "does not parse: %s at %d", err.message, err.position);
	CHECK(hd_expr_operand_count(e) == 5, "%d operands, not 5", hd_expr_operand_count(e));
	o = hd_expr_operand(e, 0);
	CHECK(o->topic == NULL && strcmp(o->path, "wheel_speed.FL") == 0, "operand 0: %s", o->path);
	o = hd_expr_operand(e, 1);
	CHECK(o->topic && strcmp(o->topic, "VnInsData") == 0 && strcmp(o->path, "speed") == 0,
		  "operand 1: %s:%s", o->topic ? o->topic : "-", o->path);
	o = hd_expr_operand(e, 2);
	CHECK(o->topic && strcmp(o->topic, "/imu/data") == 0 && strcmp(o->path, "linear.x") == 0,
		  "operand 2: %s:%s", o->topic ? o->topic : "-", o->path);
	o = hd_expr_operand(e, 3);
	CHECK(o->topic == NULL && strcmp(o->path, "cells[3].v") == 0, "operand 3: %s", o->path);
	o = hd_expr_operand(e, 4);
	CHECK(o->topic == NULL && strcmp(o->path, "m[\"a:b\"]") == 0, "operand 4: %s", o->path);
	hd_expr_free(e);
	return true;
}

static bool
quotes_inside_quotes(void)
{
	const char *text = "\"a\"\"b\"";
	HdExprError err;
	HdExpr	   *e = hd_expr_parse(text, strlen(text), &err);

	CHECK(e != NULL, "does not parse: %s", err.message);
	CHECK(strcmp(hd_expr_operand(e, 0)->path, "a\"b") == 0, "path %s", hd_expr_operand(e, 0)->path);
	hd_expr_free(e);
	return true;
}

static bool
precedence(void)
{
	CHECK_VALUE("1 + 2 * 3", 7);
	CHECK_VALUE("(1 + 2) * 3", 9);
	CHECK_VALUE("10 - 4 - 3", 3);
	CHECK_VALUE("12 / 3 / 2", 2);
	CHECK_VALUE("-2 * -3", 6);
	CHECK_VALUE("- - 2", 2);
	CHECK_VALUE("+2", 2);
	CHECK_VALUE("1 + 2 > 2", 1);
	CHECK_VALUE("1 + 1 >= 3", 0);
	CHECK_VALUE("2 == 2", 1);
	CHECK_VALUE("2 != 2", 0);
	CHECK_VALUE(".5e1 + 1E-1", 5.1);
	CHECK_VALUE("a + b * c", 1 + 2 * 3);
	CHECK_VALUE("a + a", 2);
	return true;
}

static bool
functions(void)
{
	CHECK_VALUE("abs(-3)", 3);
	CHECK_VALUE("sqrt(16)", 4);
	CHECK_VALUE("min(4, 2, 3)", 2);
	CHECK_VALUE("max(4, 2, 7, 3)", 7);
	CHECK_VALUE("clamp(5, 0, 3)", 3);
	CHECK_VALUE("clamp(-5, 0, 3)", 0);
	CHECK_VALUE("clamp(2, 0, 3)", 2);
	CHECK_VALUE("if(1 > 0, 10, 20)", 10);
	CHECK_VALUE("if(0, 10, 20)", 20);
	CHECK_VALUE("pow(2, 10)", 1024);
	CHECK_VALUE("hypot(3, 4)", 5);
	CHECK_VALUE("atan2(1, 1) * 4", 3.14159265358979323846);
	CHECK_VALUE("round(2.5) + floor(1.7) + ceil(1.2)", 3 + 1 + 2);
	CHECK_VALUE("ln(exp(2)) + log10(100)", 4);
	return true;
}

static bool
division_by_zero_is_nan(void)
{
	double		v;

	CHECK(value_of("1 / 0", &v) && isnan(v), "1/0 = %g", v);
	CHECK(value_of("0 / 0 + 5", &v) && isnan(v), "0/0 + 5 = %g", v);
	CHECK(value_of("1 / 0 > 2", &v) && isnan(v), "1/0 > 2 = %g", v);
	CHECK(value_of("max(1, 1 / 0)", &v) && isnan(v), "max(1, 1/0) = %g", v);
	CHECK(value_of("if(1, 7, 1 / 0)", &v) && v == 7, "if() evaluated the other branch: %g", v);
	CHECK(value_of("if(0 / 0, 1, 2)", &v) && isnan(v), "if(NaN) = %g", v);
	return true;
}

static bool
errors_with_positions(void)
{
	char		m[256];

	CHECK(error_at("1 +", m, sizeof(m)) == 4, "'1 +': %s at %d", m, error_at("1 +", m, sizeof(m)));
	CHECK(strstr(m, "end of expression"), "'1 +': %s", m);
	CHECK(error_at("a + ) b", m, sizeof(m)) == 5, "'a + ) b' at %d", error_at("a + ) b", m, sizeof(m)));
	CHECK(error_at("foo(1)", m, sizeof(m)) == 1 && strstr(m, "unknown function \"foo\""), "foo(1): %s", m);
	CHECK(error_at("abs(1, 2)", m, sizeof(m)) == 7 && strstr(m, "at most 1"), "abs(1, 2): %s", m);
	CHECK(error_at("min(1)", m, sizeof(m)) == 1 && strstr(m, "at least 2"), "min(1): %s", m);
	CHECK(error_at("(1 + 2", m, sizeof(m)) == 7 && strstr(m, "character 1"), "(1 + 2: %s", m);
	CHECK(error_at("\"abc", m, sizeof(m)) == 1 && strstr(m, "unterminated"), "\"abc: %s", m);
	CHECK(error_at("\"\"", m, sizeof(m)) == 1 && strstr(m, "empty"), "\"\": %s", m);
	CHECK(error_at("a[1", m, sizeof(m)) == 2, "a[1: %s", m);
	CHECK(error_at("1e999", m, sizeof(m)) == 1 && strstr(m, "out of range"), "1e999: %s", m);
	CHECK(error_at("2x", m, sizeof(m)) == 2, "2x: %s", m);
	CHECK(error_at("T: + 1", m, sizeof(m)) == 4 && strstr(m, "path after"), "T: + 1: %s", m);
	CHECK(error_at("1 2", m, sizeof(m)) == 3 && strstr(m, "after the end"), "1 2: %s", m);
	CHECK(error_at("", m, sizeof(m)) == 1, "empty text: %s", m);
	CHECK(error_at("a $ b", m, sizeof(m)) == 3, "a $ b: %s", m);
	return true;
}

static bool
nul_byte_refused(void)
{
	HdExprError err;

	CHECK(hd_expr_parse("1 +\0 2", 6, &err) == NULL && err.position == 4,
		  "NUL at %d: %s", err.position, err.message);
	return true;
}

/* "1" inside n parentheses */
static void
nested(char *text, int n)
{
	int			len = 0;

	for (int i = 0; i < n; i++)
		text[len++] = '(';
	text[len++] = '1';
	for (int i = 0; i < n; i++)
		text[len++] = ')';
	text[len] = '\0';
}

static bool
bounds(void)
{
	char		text[HD_EXPR_MAX_TEXT + 64];
	char		m[256];
	int			n = 0;

	/* the outermost level is one; each parenthesis one more */
	nested(text, HD_EXPR_MAX_DEPTH);
	CHECK(error_at(text, m, sizeof(m)) > 0 && strstr(m, "nested"), "deep: %s", m);
	nested(text, HD_EXPR_MAX_DEPTH - 1);
	CHECK_VALUE(text, 1);

	/* more terms than nodes */
	n = 0;
	for (int i = 0; i < HD_EXPR_MAX_NODES / 2 + 1; i++)
		n += snprintf(text + n, sizeof(text) - n, "%s1", i ? "+" : "");
	CHECK(error_at(text, m, sizeof(m)) > 0 && strstr(m, "terms"), "nodes: %s", m);

	/* more distinct operands than allowed */
	n = 0;
	for (int i = 0; i <= HD_EXPR_MAX_OPERANDS; i++)
		n += snprintf(text + n, sizeof(text) - n, "%sx%d", i ? "+" : "", i);
	CHECK(error_at(text, m, sizeof(m)) > 0 && strstr(m, "signals"), "operands: %s", m);

	/* longer than the text bound */
	memset(text, ' ', HD_EXPR_MAX_TEXT + 1);
	text[0] = '1';
	text[HD_EXPR_MAX_TEXT + 1] = '\0';
	{
		HdExprError err;

		CHECK(hd_expr_parse(text, HD_EXPR_MAX_TEXT + 1, &err) == NULL &&
			  strstr(err.message, "longer"), "long text parsed");
	}
	return true;
}

int
main(void)
{
	report("operands, topics and quoted names", operands_and_topics());
	report("\"\" inside quotes is one quote", quotes_inside_quotes());
	report("precedence and associativity", precedence());
	report("functions", functions());
	report("division by zero is NaN; if() takes one branch", division_by_zero_is_nan());
	report("errors at their position", errors_with_positions());
	report("a NUL byte is refused", nul_byte_refused());
	report("bounds: depth, terms, signals, text", bounds());
	return unit_summary();
}
