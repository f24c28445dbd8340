/*-------------------------------------------------------------------------
 *
 * fuzz_expr.c
 *	  libFuzzer target: the math channels' expression parser
 *	  (src/common/hd_expr.c).
 *
 * The input is an expression text as a user gives it to
 * hdaq.define_math_channel.  One that parses is evaluated over a few
 * operand values (0, 1, -1, NaN); one that does not must say why, at a
 * position inside the text (or one past its end).
 *
 *-------------------------------------------------------------------------
 */
#include "hd_expr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double fills[] = {0, 1, -1, NAN};
	HdExprError err;
	HdExpr	   *e = hd_expr_parse((const char *) data, size, &err);
	double		values[HD_EXPR_MAX_OPERANDS];

	if (e == NULL)
	{
		if (err.message[0] == '\0' || err.position < 0 ||
			(size_t) err.position > size + 1)
			abort();
		return 0;
	}
	if (hd_expr_operand_count(e) > HD_EXPR_MAX_OPERANDS)
		abort();
	for (int i = 0; i < hd_expr_operand_count(e); i++)
		if (hd_expr_operand(e, i)->path[0] == '\0')
			abort();
	for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++)
	{
		for (int i = 0; i < HD_EXPR_MAX_OPERANDS; i++)
			values[i] = fills[f];
		(void) hd_expr_eval(e, values);
	}
	hd_expr_free(e);
	return 0;
}
