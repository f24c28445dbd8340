/*-------------------------------------------------------------------------
 *
 * numeric_build.c
 *	  Engine: numeric values written straight into a buffer, for the jsonb
 *	  builder: the bytes numeric_in gives for a number's text, or
 *	  int64_to_numeric for an integer, without the text, the parser or an
 *	  allocation.
 *
 * A numeric's stored form (utils/adt/numeric.c) is a varlena of base-10000
 * digits, aligned on the decimal point, without leading or trailing zero
 * digits, with a weight (the power of 10000 of the first digit), a sign
 * and a display scale; the short form packs these into 16 bits when they
 * fit.  The steps below are numeric_in's (set_var_from_str, make_result).
 * The tests compare every message built this way with numeric_in's result
 * byte for byte (test/t/090_jsonb.pl).
 *
 * Doubles are written as hdaq's JSON writes them (hd_format_double: the
 * text of fewest significant digits, from 15 (6 for a float32) up, that
 * reads back as the value).  Ryu (PostgreSQL's double_to_shortest_decimal)
 * gives the shortest digits D, k of them, at once.  They are the same
 * digits: when k is at most 15 (6), D is within half a unit in the last
 * place of the value, closer than any other decimal of 15 (6) digits, so
 * rounding the value to 15 (6) digits gives D padded with zeros; when k is
 * larger, no shorter decimal reads back, and D is the nearest decimal of k
 * digits, which is what the writer tries at k digits, as long as the
 * values that read back as the value lie symmetrically around it.  They do
 * not at a power of two (the gap below is half the gap above): there, with
 * more than 15 (6) digits, the writer's text is used.  Nor do the two agree
 * on a decimal exactly halfway between two doubles: strtod reads it as the
 * even one, so the writer takes it, and Ryu does not.  Such a decimal has
 * at least 17 (9) significant digits below 2^53 (2^24), where it cannot be
 * shorter than D; above, every value is an integer, and those of 10^17 and
 * more (1e23 is one) take the writer's text too.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/numeric_build.h"

#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "decode.h"

#define NBASE 10000
#define DEC_DIGITS 4
#define MAX_GROUPS (NUMERIC_BUILD_MAX_DIGITS / DEC_DIGITS + 2)

/* numeric.c's stored form */
#define NUMERIC_SHORT 0x8000
#define NUMERIC_NEG 0x4000
#define NUMERIC_SHORT_SIGN_MASK 0x2000
#define NUMERIC_SHORT_DSCALE_SHIFT 7
#define NUMERIC_SHORT_DSCALE_MAX 63
#define NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define NUMERIC_SHORT_WEIGHT_MASK 0x003F
#define NUMERIC_SHORT_WEIGHT_MAX 63
#define NUMERIC_SHORT_WEIGHT_MIN (-64)
#define NUMERIC_DSCALE_MASK 0x3FFF
/* numeric_in's limit on an exponent */
#define NUMERIC_MAX_EXPONENT 1000

/* make_result: the canonical digits (no zero at either end) into out, aligned */
static int
write_numeric(bool negative, int weight, int dscale, const int16 *digits,
			  int n, char *out)
{
	int			len;

	if (n == 0)
	{
		weight = 0;
		negative = false;
	}
	if (dscale <= NUMERIC_SHORT_DSCALE_MAX && weight <= NUMERIC_SHORT_WEIGHT_MAX &&
		weight >= NUMERIC_SHORT_WEIGHT_MIN)
	{
		uint16		header;

		header = (negative ? NUMERIC_SHORT | NUMERIC_SHORT_SIGN_MASK : NUMERIC_SHORT) |
			(dscale << NUMERIC_SHORT_DSCALE_SHIFT) |
			(weight < 0 ? NUMERIC_SHORT_WEIGHT_SIGN_MASK : 0) |
			(weight & NUMERIC_SHORT_WEIGHT_MASK);
		len = VARHDRSZ + sizeof(uint16) + n * sizeof(int16);
		memcpy(out + VARHDRSZ, &header, sizeof(uint16));
		memcpy(out + VARHDRSZ + sizeof(uint16), digits, n * sizeof(int16));
	}
	else
	{
		uint16		sign_dscale = (negative ? NUMERIC_NEG : 0) | (dscale & NUMERIC_DSCALE_MASK);
		int16		w = (int16) weight;

		len = VARHDRSZ + sizeof(uint16) + sizeof(int16) + n * sizeof(int16);
		memcpy(out + VARHDRSZ, &sign_dscale, sizeof(uint16));
		memcpy(out + VARHDRSZ + sizeof(uint16), &w, sizeof(int16));
		memcpy(out + VARHDRSZ + 2 * sizeof(uint16), digits, n * sizeof(int16));
	}
	SET_VARSIZE(out, len);
	return len;
}

int
numeric_build_decimal(const DecimalNumber *d, char *out)
{
	int16		groups[MAX_GROUPS];
	int			weight;
	int			offset;
	int			ngroups;
	int			first = 0;
	int			last;

	Assert(d->ndigits <= NUMERIC_BUILD_MAX_DIGITS);
	if (d->weight >= 0)
		weight = (d->weight + 1 + DEC_DIGITS - 1) / DEC_DIGITS - 1;
	else
		weight = -((-d->weight - 1) / DEC_DIGITS + 1);
	offset = (weight + 1) * DEC_DIGITS - (d->weight + 1);
	ngroups = (d->ndigits + offset + DEC_DIGITS - 1) / DEC_DIGITS;
	for (int g = 0; g < ngroups; g++)
	{
		int			value = 0;

		for (int j = 0; j < DEC_DIGITS; j++)
		{
			int			pos = g * DEC_DIGITS + j - offset;

			value = value * 10 + (pos >= 0 && pos < d->ndigits ? d->digits[pos] : 0);
		}
		groups[g] = (int16) value;
	}
	while (first < ngroups && groups[first] == 0)
	{
		first++;
		weight--;
	}
	last = ngroups;
	while (last > first && groups[last - 1] == 0)
		last--;
	return write_numeric(d->negative, weight, d->dscale, groups + first,
						 last - first, out);
}

int
numeric_build_uint64(uint64 value, bool negative, char *out)
{
	int16		low_first[MAX_GROUPS];
	int16		groups[MAX_GROUPS];
	int			ngroups = 0;
	int			low = 0;
	int			n;

	while (value != 0)
	{
		low_first[ngroups++] = (int16) (value % NBASE);
		value /= NBASE;
	}
	while (low < ngroups && low_first[low] == 0)
		low++;
	n = ngroups - low;
	for (int i = 0; i < n; i++)
		groups[i] = low_first[ngroups - 1 - i];
	return write_numeric(negative, ngroups - 1, 0, groups, n, out);
}

int
numeric_build_int64(int64 value, char *out)
{
	if (value < 0)
		return numeric_build_uint64(-(uint64) value, true, out);
	return numeric_build_uint64((uint64) value, false, out);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
decimal_from_text(const char *text, size_t len, DecimalNumber *d)
{
	const char *p = text;
	const char *end = text + len;
	bool		have_point = false;
	bool		any = false;
	int			exponent = 0;

	d->negative = false;
	d->ndigits = 0;
	d->weight = -1;
	d->dscale = 0;
	if (p < end && *p == '-')
	{
		d->negative = true;
		p++;
	}
	for (; p < end && (is_digit(*p) || (*p == '.' && !have_point)); p++)
	{
		if (*p == '.')
		{
			have_point = true;
			continue;
		}
		if (d->ndigits == NUMERIC_BUILD_MAX_DIGITS)
			return false;
		any = true;
		d->digits[d->ndigits++] = (uint8) (*p - '0');
		if (have_point)
			d->dscale++;
		else
			d->weight++;
	}
	if (!any)
		return false;
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		bool		negative_exponent = false;
		int			nexp = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			negative_exponent = (*p++ == '-');
		for (; p < end && is_digit(*p); p++, nexp++)
		{
			exponent = exponent * 10 + (*p - '0');
			if (exponent > NUMERIC_MAX_EXPONENT)
				return false;
		}
		if (nexp == 0)
			return false;
		if (negative_exponent)
			exponent = -exponent;
	}
	if (p != end)
		return false;
	d->weight += exponent;
	d->dscale = Max(d->dscale - exponent, 0);
	return true;
}

/* The digits of a number's first and last significant digit (k = last - first + 1) */
static int
significant_digits(const DecimalNumber *d)
{
	int			first = 0;
	int			last = d->ndigits - 1;

	while (first < d->ndigits && d->digits[first] == 0)
		first++;
	while (last > first && d->digits[last] == 0)
		last--;
	return first < d->ndigits ? last - first + 1 : 0;
}

/* Whether the value's significand is a power of two (its gaps differ in size). */
static bool
is_power_of_two_significand(double value, bool is_float32)
{
	if (is_float32)
	{
		float		f = (float) value;
		uint32		bits;

		memcpy(&bits, &f, sizeof(bits));
		return (bits & 0x007FFFFF) == 0 && (bits & 0x7F800000) != 0;
	}
	else
	{
		uint64		bits;

		memcpy(&bits, &value, sizeof(bits));
		return (bits & UINT64CONST(0x000FFFFFFFFFFFFF)) == 0 &&
			(bits & UINT64CONST(0x7FF0000000000000)) != 0;
	}
}

void
decimal_from_double(double value, bool is_float32, DecimalNumber *d)
{
	char		text[Max(DOUBLE_SHORTEST_DECIMAL_LEN, HD_NUMBER_TEXT_SIZE)];
	int			len;
	bool		ok;

	if (fabs(value) < 1e17 && value == trunc(value))
	{
		/* the writer's "%.0f": the integer, exact ("-0" reads as 0) */
		int64		i = (int64) value;
		uint64		mag = i < 0 ? -(uint64) i : (uint64) i;
		uint8		rev[20];
		int			n = 0;

		do
		{
			rev[n++] = (uint8) (mag % 10);
			mag /= 10;
		} while (mag != 0);
		d->negative = i < 0;
		d->ndigits = n;
		d->weight = n - 1;
		d->dscale = 0;
		for (int j = 0; j < n; j++)
			d->digits[j] = rev[n - 1 - j];
		return;
	}
	if (is_float32)
		len = float_to_shortest_decimal_bufn((float) value, text);
	else
		len = double_to_shortest_decimal_bufn(value, text);
	ok = decimal_from_text(text, len, d);
	if (!ok || fabs(value) >= 1e17 ||
		(significant_digits(d) > (is_float32 ? FLT_DIG : DBL_DIG) &&
		 is_power_of_two_significand(value, is_float32)))
	{
		len = (int) hd_format_double(text, value, is_float32);
		ok = decimal_from_text(text, len, d);
	}
	if (!ok)
		elog(ERROR, "could not read back the decimal text \"%.*s\"", len, text);
}
