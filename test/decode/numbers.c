/*-------------------------------------------------------------------------
 *
 * numbers.c
 *	  The numerics of the jsonb builder (src/engine/numeric_build.c, with
 *	  PostgreSQL's Ryu) against those of the JSON writer's text
 *	  (hd_format_double, as numeric_in reads it), byte for byte: random
 *	  doubles and float32 values of every exponent, decimals of a few
 *	  digits as sensors give them, and every power of two, power of ten
 *	  and their neighbours, subnormals included.
 *
 *	  test/decode/numbers [ROUNDS]    (make test/decode/numbers)
 *
 * Prints how many values of each kind were compared and how many differ,
 * then "numbers: N passed, M failed" (kinds without and with a
 * difference), and exits 1 on a difference.  Built outside the server: the elog of numeric_build.c
 * (reached only when a text cannot be read) aborts here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "engine/numeric_build.h"

/* what elog needs, outside the server */
bool
errstart(int elevel, const char *domain)
{
	abort();
}

bool
errstart_cold(int elevel, const char *domain)
{
	abort();
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	abort();
}

int
errmsg_internal(const char *fmt,...)
{
	return 0;
}

typedef enum Kind
{
	KIND_DOUBLE_BITS,			/* random bits as a double */
	KIND_FLOAT_BITS,			/* random bits as a float32 */
	KIND_SENSOR,				/* a decimal of up to 7 digits, scaled */
	KIND_SIGNIFICAND,			/* any significand at telemetry's exponents */
	KIND_EDGES,					/* powers of two and ten, neighbours, extremes */
	NKINDS
} Kind;

static const char *const kind_names[NKINDS] = {
	"random doubles", "random float32 values", "sensor decimals",
	"significands at exponents -64..55", "powers of two and ten and their neighbours"
};

static uint64 state = UINT64CONST(88172645463325252);
static Kind kind;
static long compared[NKINDS];
static long differ[NKINDS];

static uint64
next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void
check(double value, bool is_float32)
{
	DecimalNumber ours;
	DecimalNumber theirs;
	char		text[HD_NUMBER_TEXT_SIZE];
	char		a[NUMERIC_BUILD_MAX_BYTES];
	char		b[NUMERIC_BUILD_MAX_BYTES];
	size_t		len;
	int			la;
	int			lb;

	if (is_float32)
		value = (float) value;
	if (!isfinite(value))
		return;
	decimal_from_double(value, is_float32, &ours);
	len = hd_format_double(text, value, is_float32);
	compared[kind]++;
	if (!decimal_from_text(text, len, &theirs))
	{
		printf("not read: %s\n", text);
		differ[kind]++;
		return;
	}
	la = numeric_build_decimal(&ours, a);
	lb = numeric_build_decimal(&theirs, b);
	if (la != lb || memcmp(a, b, la) != 0)
	{
		if (differ[kind]++ < 20)
			printf("differs: %.17g (%s), the writer's text %s\n", value,
				   is_float32 ? "float32" : "double", text);
	}
}

static void
check_random(void)
{
	uint64		r = next_random();
	uint64		r2 = next_random();
	uint32		fbits = (uint32) r;
	double		d;
	float		f;
	double		m;

	memcpy(&d, &r, sizeof(d));
	memcpy(&f, &fbits, sizeof(f));
	kind = KIND_DOUBLE_BITS;
	check(d, false);
	kind = KIND_FLOAT_BITS;
	check(f, true);
	kind = KIND_SENSOR;
	check((double) ((int64) (r % 2000001) - 1000000) / pow(10, (r >> 40) % 12),
		  (r >> 50) & 1);
	kind = KIND_SIGNIFICAND;
	m = ldexp((double) (r2 >> 11) / 9007199254740992.0 + 1.0, (int) (r2 % 120) - 64);
	check((r2 & 1024) ? -m : m, false);
	check(m, true);
}

static void
check_edges(void)
{
	kind = KIND_EDGES;
	for (int e = -1074; e <= 1023; e++)
	{
		double		p = ldexp(1.0, e);

		check(p, false);
		check(-p, false);
		check(nextafter(p, 0), false);
		check(nextafter(p, INFINITY), false);
		if (e >= -149 && e <= 127)
		{
			float		q = ldexpf(1.0f, e);

			check(q, true);
			check(nextafterf(q, 0), true);
			check(nextafterf(q, INFINITY), true);
		}
	}
	for (int e = -330; e <= 310; e++)
	{
		double		p = pow(10, e);

		check(p, false);
		check(nextafter(p, 0), false);
		check(nextafter(p, INFINITY), false);
		check(p, true);
	}
	check(0.0, false);
	check(-0.0, false);
	check(-0.0, true);
	check(DBL_MAX, false);
	check(FLT_MAX, true);
}

int
main(int argc, char **argv)
{
	long		rounds = argc > 1 ? atol(argv[1]) : 200000;
	int			failed = 0;

	check_edges();
	for (long i = 0; i < rounds; i++)
		check_random();
	for (int k = 0; k < NKINDS; k++)
	{
		printf("%s: %ld compared, %ld differ\n", kind_names[k], compared[k], differ[k]);
		failed += differ[k] > 0;
	}
	printf("numbers: %d passed, %d failed\n", NKINDS - failed, failed);
	return failed == 0 ? 0 : 1;
}
