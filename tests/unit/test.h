/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Minimal unit-test framework. Each case is a function registered with
 * UXDP_TEST(name, suite); tests/list-tests.py finds the registrations at
 * configure time and meson runs every case as its own test
 * (`<binary> --run <name>`). Assertions print where they failed and make the
 * case return false. A case may return UXDP_TEST_SKIP (exit 77, meson's skip).
 */
#ifndef UXDP_TEST_H
#define UXDP_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*uxdp_test_fn)(void);

struct uxdp_test_case {
	const char *name;
	const char *suite;
	uxdp_test_fn fn;
	struct uxdp_test_case *next;
};

void uxdp_test_register(struct uxdp_test_case *tc);

#define UXDP_TEST_PASS 0
#define UXDP_TEST_FAIL 1
#define UXDP_TEST_SKIP 77

/* Register `static int test_<name>(void)` in suite `suite` (fast, slow, stress, perf;
 * serial: runs alone, for cases that change machine-wide state for a moment). */
#define UXDP_TEST(name, suite)                                                                     \
	static int test_##name(void);                                                              \
	static struct uxdp_test_case uxdp_tc_##name = { #name, #suite, test_##name, NULL };        \
	__attribute__((constructor)) static void uxdp_tc_reg_##name(void)                          \
	{                                                                                          \
		uxdp_test_register(&uxdp_tc_##name);                                               \
	}                                                                                          \
	static int test_##name(void)

#define UXDP_FAIL_AT(...)                                                                          \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		return UXDP_TEST_FAIL;                                                             \
	} while (0)

#define ASSERT_TRUE(c)                                                                             \
	do {                                                                                       \
		if (!(c))                                                                          \
			UXDP_FAIL_AT("assertion failed: %s", #c);                                  \
	} while (0)
#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))

#define ASSERT_EQ(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b)                                                                      \
			UXDP_FAIL_AT("%s == %s: got %lld (0x%llx), want %lld (0x%llx)", #a, #b,    \
				     _a, (unsigned long long)_a, _b, (unsigned long long)_b);      \
	} while (0)
#define ASSERT_NE(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a == _b)                                                                      \
			UXDP_FAIL_AT("%s != %s: both %lld", #a, #b, _a);                           \
	} while (0)
#define ASSERT_OK(e) ASSERT_EQ(e, 0)
#define ASSERT_NOT_NULL(p)                                                                         \
	do {                                                                                       \
		if ((p) == NULL)                                                                   \
			UXDP_FAIL_AT("%s is NULL", #p);                                            \
	} while (0)
#define ASSERT_NULL(p)                                                                             \
	do {                                                                                       \
		if ((p) != NULL)                                                                   \
			UXDP_FAIL_AT("%s is not NULL", #p);                                        \
	} while (0)
#define ASSERT_MEMEQ(a, b, n)                                                                      \
	do {                                                                                       \
		if (memcmp((a), (b), (n)) != 0)                                                    \
			UXDP_FAIL_AT("%s and %s differ in their %zu bytes", #a, #b, (size_t)(n));  \
	} while (0)
#define ASSERT_STR_CONTAINS(hay, needle)                                                           \
	do {                                                                                       \
		const char *_h = (hay), *_n = (needle);                                            \
		if (!_h || !strstr(_h, _n))                                                        \
			UXDP_FAIL_AT("'%s' does not contain '%s'", _h ? _h : "(null)", _n);        \
	} while (0)

/* Source tree root (set by meson), for test data. */
#ifndef UXDP_SOURCE_ROOT
#define UXDP_SOURCE_ROOT "."
#endif

#endif /* UXDP_TEST_H */
