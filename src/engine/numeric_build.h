/*-------------------------------------------------------------------------
 *
 * numeric_build.h
 *	  Engine: numeric values written straight into a buffer, byte for byte
 *	  what numeric_in (and int64_to_numeric) would return, without parsing
 *	  text or allocating: for the jsonb builder (decode_jsonb.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_NUMERIC_BUILD_H
#define HDAQ_NUMERIC_BUILD_H

#include "postgres.h"

/* Bytes a numeric of up to NUMERIC_BUILD_MAX_DIGITS decimal digits needs. */
#define NUMERIC_BUILD_MAX_DIGITS 40
#define NUMERIC_BUILD_MAX_BYTES (8 + 2 * (NUMERIC_BUILD_MAX_DIGITS / 4 + 2))

/*
 * A decimal number: digits (values 0-9, at most NUMERIC_BUILD_MAX_DIGITS),
 * the first worth 10^weight, shown with dscale digits after the point.
 */
typedef struct DecimalNumber
{
	bool		negative;
	int			ndigits;
	int			weight;
	int			dscale;
	uint8		digits[NUMERIC_BUILD_MAX_DIGITS];
} DecimalNumber;

/*
 * Write the numeric (a varlena with its 4-byte header) of a decimal number
 * into out (NUMERIC_BUILD_MAX_BYTES); returns its length.
 */
extern int	numeric_build_decimal(const DecimalNumber *d, char *out);

/* The same for an integer, as int64_to_numeric makes it. */
extern int	numeric_build_int64(int64 value, char *out);
extern int	numeric_build_uint64(uint64 value, bool negative, char *out);

/*
 * A number's text as JSON writes it (-?digits[.digits][e[+-]digits]) into
 * *d, as numeric_in reads it; false when the text has another form or more
 * digits than fit, for numeric_in to take.
 */
extern bool decimal_from_text(const char *text, size_t len, DecimalNumber *d);

/*
 * The decimal a double (or a float32, when is_float32) is written as in
 * hdaq's JSON: the text hd_format_double gives, as numeric_in reads it.
 * The value is finite.
 */
extern void decimal_from_double(double value, bool is_float32, DecimalNumber *d);

#endif							/* HDAQ_NUMERIC_BUILD_H */
