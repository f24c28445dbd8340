/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  The harness of the unit tests that check with a reason: each test
 *	  returns false through CHECK(cond, format, ...) with the reason, and
 *	  report() prints "ok N - name" or "not ok N - name" and the reason.
 *	  unit_summary() prints "N passed, M failed" and gives the exit status.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_TEST_UNIT_H
#define HDAQ_TEST_UNIT_H

#include <stdbool.h>
#include <stdio.h>

static int	tests_run;
static int	tests_failed;
static char why[512];

/* Fail the current check with a reason. */
#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			snprintf(why, sizeof(why), __VA_ARGS__); \
			return false; \
		} \
	} while (0)

static inline void
report(const char *name, bool ok)
{
	tests_run++;
	if (ok)
		printf("ok %d - %s\n", tests_run, name);
	else
	{
		tests_failed++;
		printf("not ok %d - %s\n#   %s\n", tests_run, name, why);
	}
	why[0] = '\0';
}

static inline int
unit_summary(void)
{
	printf("%d passed, %d failed\n", tests_run - tests_failed, tests_failed);
	return tests_failed == 0 ? 0 : 1;
}

#endif							/* HDAQ_TEST_UNIT_H */
