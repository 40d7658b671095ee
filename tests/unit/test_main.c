/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry point of the unit-test binaries: `--list` prints "suite name" lines,
 * `--run NAME` runs one case, no argument runs every case and summarises.
 */
#include "test.h"

static struct uxdp_test_case *cases;

void uxdp_test_register(struct uxdp_test_case *tc)
{
	struct uxdp_test_case **p = &cases;

	while (*p) /* keep registration order */
		p = &(*p)->next;
	*p = tc;
}

static int run_one(struct uxdp_test_case *tc)
{
	int rc = tc->fn();

	if (rc == UXDP_TEST_SKIP && getenv("CI") && !strcmp(getenv("CI"), "true")) {
		fprintf(stderr, "%s: skipped, and a skip is a failure under CI=true\n", tc->name);
		rc = UXDP_TEST_FAIL;
	}
	printf("%s: %s\n", tc->name,
	       rc == UXDP_TEST_PASS ? "ok" : rc == UXDP_TEST_SKIP ? "SKIP" : "FAIL");
	return rc;
}

int main(int argc, char **argv)
{
	struct uxdp_test_case *tc;
	int passed = 0, failed = 0, skipped = 0;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (tc = cases; tc; tc = tc->next)
			printf("%s %s\n", tc->suite, tc->name);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--run")) {
		for (tc = cases; tc; tc = tc->next)
			if (!strcmp(tc->name, argv[2]))
				return run_one(tc);
		fprintf(stderr, "no test named '%s'\n", argv[2]);
		return 1;
	}
	for (tc = cases; tc; tc = tc->next) {
		int rc = run_one(tc);

		if (rc == UXDP_TEST_PASS)
			passed++;
		else if (rc == UXDP_TEST_SKIP)
			skipped++;
		else
			failed++;
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
