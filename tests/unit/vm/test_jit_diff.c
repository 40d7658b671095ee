// SPDX-License-Identifier: BSD-2-Clause
/*
 * The differential fuzzer's generator (fuzz/jit_gen.h) on fixed seeds, in
 * every build: random valid XDP programs run on the interpreter and on the
 * JIT must leave the same r0, packet and maps. fuzz/fuzz_jit_diff.c runs the
 * same comparison under libFuzzer for as long as one wants.
 */
#include "test.h"
#include "../../../fuzz/jit_gen.h"

static int diff_seeds(uint32_t first, uint32_t n)
{
	uint32_t compared = 0, refused = 0;

#if !defined(__x86_64__)
	return 77; /* no JIT to compare with */
#endif

	for (uint32_t s = first; s < first + n; s++) {
		uint8_t seed[8];
		int r;

		for (int i = 0; i < 8; i++)
			seed[i] = (uint8_t)((s * 0x9e3779b1u) >> (i * 4));
		r = jg_diff(seed, sizeof(seed), stderr);
		if (r < 0) {
			fprintf(stderr, "seed %u: engines differ\n", s);
			return -1;
		}
		if (r == 0)
			refused++;
		else
			compared++;
	}
	fprintf(stderr, "%u programs compared, %u refused by both engines\n", compared, refused);
	/* the generator makes valid programs: nearly all must load */
	return refused * 10 > n ? -1 : 0;
}

UXDP_TEST(jit_diff_random_programs_a, fast)
{
	int r = diff_seeds(0, 400);

	if (r == 77)
		return UXDP_TEST_SKIP;
	ASSERT_OK(r);
	return UXDP_TEST_PASS;
}

UXDP_TEST(jit_diff_random_programs_b, fast)
{
	int r = diff_seeds(100000, 400);

	if (r == 77)
		return UXDP_TEST_SKIP;
	ASSERT_OK(r);
	return UXDP_TEST_PASS;
}
