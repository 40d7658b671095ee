// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_csum_diff: results the Linux 6.18 kernel gave for the same inputs
 * (measured with BPF_PROG_TEST_RUN), the kernel selftest's published
 * vectors, and a bytewise reference computation of the one's complement
 * difference over many random inputs.
 */
#include <errno.h>

#include "helper_test.h"

static uint32_t csum(struct uxdp_exec *ex, const void *from, uint32_t fs, const void *to,
		     uint32_t ts, uint32_t seed)
{
	return (uint32_t)H(ex, csum_diff, from, fs, to, ts, seed);
}

static const uint32_t va[8] = {0xdeadbeef, 0xdeadbeef, 0xbeefdead, 0x12345678,
			       0xffffffff, 0xffffffff, 0,	   0};
static const uint32_t vb[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* Values measured on Linux 6.18 (x86-64). */
UXDP_TEST(csum_diff_kernel_values, fast)
{
	struct uxdp_exec *ex = test_exec();

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(csum(ex, NULL, 0, va, 8, 0), 0x3b3b);
	ASSERT_EQ(csum(ex, va, 8, NULL, 0, 0), 0xc4c4);
	ASSERT_EQ(csum(ex, va, 16, vb, 32, 0x1234), 0xd0d2);
	ASSERT_EQ(csum(ex, &va[4], 8, NULL, 0, 0), 0);
	ASSERT_EQ(csum(ex, NULL, 0, &va[4], 8, 0), 0xffff);
	ASSERT_EQ(csum(ex, NULL, 0, &va[6], 8, 0), 0);
	ASSERT_EQ(csum(ex, NULL, 0, NULL, 0, 0xabcdef12), 0x9ae0);
	ASSERT_EQ(csum(ex, NULL, 0, &va[4], 8, 0xffffffff), 0xffff);
	ASSERT_EQ(csum(ex, va, 4, va, 4, 0), 0xffff);
	ASSERT_EQ(csum(ex, NULL, 0, NULL, 0, 0), 0);
	ASSERT_EQ(csum(ex, va, 32, vb, 32, 0xffff0000), 0xbe9e);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Linux >= 6.13 accepts any size (no multiple-of-4 rule, no 512-byte cap): measured values. */
UXDP_TEST(csum_diff_odd_and_large_sizes, fast)
{
	struct uxdp_exec *ex = test_exec();
	static uint8_t big[4200];
	int i;

	ASSERT_NOT_NULL(ex);
	memset(big, 0, sizeof(big));
	for (i = 0; i < 17; i++)
		big[i] = (uint8_t)(i + 1);
	ASSERT_EQ(csum(ex, big, 2, NULL, 0, 0), 0xfdfe);
	ASSERT_EQ(csum(ex, NULL, 0, big, 3, 0), 0x0204);
	ASSERT_EQ(csum(ex, NULL, 0, big, 5, 0), 0x0609);
	ASSERT_EQ(csum(ex, big, 1, big, 2, 0), 0x0200);
	ASSERT_EQ(csum(ex, NULL, 0, big, 2048, 0), 0x4851);
	ASSERT_EQ(csum(ex, NULL, 0, big + 1, 8, 0), 0x1814);
	ASSERT_EQ(csum(ex, NULL, 0, big, 4, 0), 0x0604);
	ASSERT_EQ(csum(ex, big, 4, NULL, 0, 0), 0xf9fb);
	ASSERT_EQ(csum(ex, big, 4, big + 4, 12, 0x55), 0x3c8d);
	ASSERT_EQ(csum(ex, big, 2048, big + 4, 2048, 0x55), 0xfa50);
	/* zeros: 1024 + 4 bytes is fine (older kernels said -EINVAL) */
	ASSERT_EQ(csum(ex, big + 100, 4, big + 100, 1024, 0), 0xffff);
	/* NULL with a size is refused rather than read */
	ASSERT_EQ((int64_t)H(ex, csum_diff, NULL, 4, NULL, 0, 0), -EINVAL);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* The kernel selftest (prog_tests/test_csum_diff.c) vectors. */
UXDP_TEST(csum_diff_selftest_vectors, fast)
{
	struct uxdp_exec *ex = test_exec();
	const uint64_t t1[1] = {0xdeadbeefdeadbeefull};
	const uint64_t t2[2] = {0xdeadbeefdeadbeefull, 0xbeefdeadbeefdeadull};

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(csum(ex, NULL, 0, t1, 8, 0), 0x3b3b);
	ASSERT_EQ(csum(ex, t1, 8, NULL, 0, 0), (uint16_t)~0x3b3b);
	/* push then pull the same data: back to the seed */
	{
		uint32_t pushed = csum(ex, NULL, 0, t2, 16, 0x1234);
		uint32_t pulled = csum(ex, t2, 16, NULL, 0, pushed);

		ASSERT_EQ(pulled, 0x1234);
	}
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Reference: 16-bit one's complement arithmetic on big-endian-agnostic byte pairs. */
static uint32_t ref_sum16(const uint8_t *p, uint32_t len)
{
	uint64_t s = 0;
	uint32_t i;

	/* little-endian 16-bit words, odd tail zero-padded */
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8);
	if (len & 1)
		s += p[len - 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static uint32_t ones_add16(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	return (s & 0xffff) + (s >> 16);
}

UXDP_TEST(csum_diff_matches_reference, fast)
{
	struct uxdp_exec *ex = test_exec();
	uint8_t from[64], to[64];
	uint32_t x = 12345, round;

	ASSERT_NOT_NULL(ex);
	for (round = 0; round < 2000; round++) {
		uint32_t fs = 4 * (round % 9), ts = 4 * ((round / 9) % 9), seed, got, want, i;

		for (i = 0; i < 64; i++) {
			x = x * 1103515245u + 12345u;
			from[i] = (uint8_t)(x >> 16);
			x = x * 1103515245u + 12345u;
			to[i] = (uint8_t)(x >> 16);
		}
		x = x * 1103515245u + 12345u;
		seed = x;
		got = csum(ex, fs ? from : NULL, fs, ts ? to : NULL, ts, seed);
		/* value mod 0xffff: seed + sum(to) - sum(from) */
		want = ones_add16(ones_add16(seed & 0xffff, seed >> 16), ref_sum16(to, ts));
		want = ones_add16(want, 0xffff ^ ref_sum16(from, fs));
		/* compare as residues modulo 0xffff (0 and 0xffff are the same number) */
		if (got % 0xffff != want % 0xffff)
			UXDP_FAIL_AT("round %u: fs %u ts %u seed %#x: got %#x want %#x", round, fs,
				     ts, seed, got, want);
		ASSERT_TRUE(got <= 0xffff);
	}
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}
