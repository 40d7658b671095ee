// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_trace_printk: return values and text the Linux 6.18 kernel produced
 * for the same formats (trace_pipe), the -EINVAL cases, the event the helper
 * emits, and untrusted string pointers.
 */
#include <errno.h>
#include <sys/mman.h>

#include "helper_test.h"

struct sink {
	char text[2048];
	size_t len;
	int count;
	uint32_t cpu;
};

static void on_event(void *cookie, const struct uxdp_event *ev)
{
	struct sink *s = cookie;

	if (ev->type != UXDP_EVENT_TRACE_PRINTK)
		return;
	memcpy(s->text, ev->data, ev->len);
	s->text[ev->len] = '\0';
	s->len = ev->len;
	s->cpu = ev->cpu;
	s->count++;
}

static struct uxdp_exec *sink_exec(struct sink *s)
{
	UXDP_OPTS(uxdp_exec_opts, o, .cpu = 3, .on_event = on_event, .event_cookie = s);

	memset(s, 0, sizeof(*s));
	return uxdp_exec__new(&o);
}

/* printk with a string-literal format (size includes the NUL, as sizeof in BPF C) */
#define P(ex, f, ...) ((int64_t)H(ex, trace_printk, f, sizeof(f), ##__VA_ARGS__))

#define EXPECT_PRINT(ex, s, want, f, ...)                                                          \
	do {                                                                                       \
		int _n = s.count;                                                                  \
		ASSERT_EQ(P(ex, f, ##__VA_ARGS__), (int64_t)strlen(want));                         \
		ASSERT_EQ(s.count, _n + 1);                                                        \
		if (strcmp(s.text, want))                                                          \
			UXDP_FAIL_AT("format \"%s\": got \"%s\", want \"%s\"", f, s.text, want);   \
	} while (0)

#define EXPECT_EINVAL(ex, s, f, ...)                                                               \
	do {                                                                                       \
		int _n = s.count;                                                                  \
		ASSERT_EQ(P(ex, f, ##__VA_ARGS__), -EINVAL);                                       \
		ASSERT_EQ(s.count, _n); /* nothing printed */                                      \
	} while (0)

UXDP_TEST(printk_integers, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);

	ASSERT_NOT_NULL(ex);
	EXPECT_PRINT(ex, s, "abc\n", "abc\n");
	EXPECT_PRINT(ex, s, "a-5 b7\n", "a%d b%u\n", -5, 7);
	EXPECT_PRINT(ex, s, "   12|ab  |000000CD", "%5d|%-4x|%08X", 12, 0xab, 0xcd);
	EXPECT_PRINT(ex, s, "-1 ff 3", "%lld %llx %lu", -1ll, 0xffll, 3ul);
	EXPECT_PRINT(ex, s, " 5|+6", "% d|%+d", 5, 6);
	EXPECT_PRINT(ex, s, "-3", "%i", -3);
	EXPECT_PRINT(ex, s, "1099511627776", "%ld", 1ll << 40);
	/* plain %d takes the low 32 bits */
	EXPECT_PRINT(ex, s, "0", "%d", 1ll << 40);
	EXPECT_PRINT(ex, s, "4294967295", "%u", -1ll);
	EXPECT_PRINT(ex, s, "fff ABC", "%lx %llX", 0xfffll, 0xabcll);
	EXPECT_PRINT(ex, s, "5", "%lli", 5ll);
	EXPECT_PRINT(ex, s, "100%", "100%%");
	EXPECT_PRINT(ex, s, "tab\there", "tab\there");
	ASSERT_EQ(s.cpu, 3);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(printk_chars_strings, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);

	ASSERT_NOT_NULL(ex);
	EXPECT_PRINT(ex, s, "hi", "%c%c", 'h', 'i');
	EXPECT_PRINT(ex, s, "hello!", "%s!", (uintptr_t) "hello");
	EXPECT_PRINT(ex, s, "[   ab]", "[%5s]", (uintptr_t) "ab");
	EXPECT_PRINT(ex, s, "[ab   ]", "[%-5s]", (uintptr_t) "ab");
	EXPECT_PRINT(ex, s, "[x ]", "[%-2c]", 'x');
	/* kernel: a NULL string prints as "" and counts 0 */
	EXPECT_PRINT(ex, s, "", "%s", 0);
	EXPECT_PRINT(ex, s, "a b", "%s %pks", (uintptr_t) "a", (uintptr_t) "b");
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(printk_pointers, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);
	const uint8_t ip4[4] = {1, 2, 3, 4};

	ASSERT_NOT_NULL(ex);
	EXPECT_PRINT(ex, s, "0000000000001234", "%px", 0x1234);
	EXPECT_PRINT(ex, s, "0000000000000000", "%p", 0);
	EXPECT_PRINT(ex, s, "                1234|", "%20px|", 0x1234);
	EXPECT_PRINT(ex, s, "1234                |", "%-20px|", 0x1234);
	/* %p and %pK hide the address behind a stable 32-bit id, as the kernel does */
	{
		char first[32];

		ASSERT_EQ(P(ex, "%p", (uintptr_t)ex), 16);
		ASSERT_TRUE(!strncmp(s.text, "00000000", 8));
		snprintf(first, sizeof(first), "%016llx", (unsigned long long)(uintptr_t)ex);
		ASSERT_TRUE(strcmp(s.text, first) != 0);
		strcpy(first, s.text);
		ASSERT_EQ(P(ex, "%pK", (uintptr_t)ex), 16);
		ASSERT_TRUE(!strcmp(s.text, first));
		ASSERT_EQ(P(ex, "%p", (uintptr_t)ex + 8), 16);
		ASSERT_TRUE(strcmp(s.text, first) != 0);
	}
	EXPECT_PRINT(ex, s, "1.2.3.4", "%pI4", (uintptr_t)ip4);
	EXPECT_PRINT(ex, s, "001.002.003.004", "%pi4", (uintptr_t)ip4);
	EXPECT_PRINT(ex, s, "30313233343536373839616263646566", "%pi6",
		     (uintptr_t) "0123456789abcdef");
	EXPECT_PRINT(ex, s, "3031:3233:3435:3637:3839:6162:6364:6566", "%pI6",
		     (uintptr_t) "0123456789abcdef");
	/* kernel: symbols of non-kernel addresses print as 0x<hex> */
	EXPECT_PRINT(ex, s, "0x0", "%pB", 0);
	EXPECT_PRINT(ex, s, "0x0", "%ps", 0);
	EXPECT_PRINT(ex, s, "0x10", "%pS", 16);
	/* alphanumerics after a %p conversion are swallowed, as by bstr_printf */
	EXPECT_PRINT(ex, s, "1.2.3.4!", "%pI4c!", (uintptr_t)ip4);
	/* a bad IP pointer reads as zeros */
	EXPECT_PRINT(ex, s, "0.0.0.0", "%pI4", 8);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Every -EINVAL case the kernel showed for this set of formats. */
UXDP_TEST(printk_invalid_formats, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);

	ASSERT_NOT_NULL(ex);
	EXPECT_EINVAL(ex, s, "%hd", 1);
	EXPECT_EINVAL(ex, s, "%.3d", 1);
	EXPECT_EINVAL(ex, s, "%d %d %d %d", 1, 2, 3);
	EXPECT_EINVAL(ex, s, "%q", 1);
	EXPECT_EINVAL(ex, s, "%sx", (uintptr_t) "a");
	EXPECT_EINVAL(ex, s, "%");
	EXPECT_EINVAL(ex, s, "%d\x01", 1);
	EXPECT_EINVAL(ex, s, "%pT");
	EXPECT_EINVAL(ex, s, "%l");
	EXPECT_EINVAL(ex, s, "%lc", 5);
	EXPECT_EINVAL(ex, s, "%pa", 5);
	EXPECT_EINVAL(ex, s, "caf\xc3\xa9");
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(printk_format_termination, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);
	static const char unterminated[4] = {'a', 'b', 'c', 'd'};
	static const char early[] = "ab\0cd%q";

	ASSERT_NOT_NULL(ex);
	/* no NUL within fmt_size: -EINVAL */
	ASSERT_EQ((int64_t)H(ex, trace_printk, unterminated, 4), -EINVAL);
	/* the format ends at the first NUL, whatever follows */
	ASSERT_EQ((int64_t)H(ex, trace_printk, early, sizeof(early)), 2);
	ASSERT_STR_CONTAINS(s.text, "ab");
	ASSERT_EQ(s.len, 2);
	ASSERT_EQ((int64_t)H(ex, trace_printk, NULL, 4), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, trace_printk, "x", 0), -EINVAL);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* A %s pointer into unmapped memory prints as "", never faults. */
UXDP_TEST(printk_bad_string_pointer, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);
	long pg = 4096;
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NOT_NULL(ex);
	ASSERT_TRUE(m != MAP_FAILED);
	/* "xyz" right before an inaccessible page, not NUL-terminated */
	ASSERT_OK(mprotect(m + pg, pg, PROT_NONE));
	memcpy(m + pg - 3, "xyz", 3);
	EXPECT_PRINT(ex, s, "[xyz]", "[%s]", (uintptr_t)(m + pg - 3));
	EXPECT_PRINT(ex, s, "[]", "[%s]", (uintptr_t)(m + pg));
	EXPECT_PRINT(ex, s, "[]", "[%s]", 0xdead000000000000ull);
	munmap(m, 2 * pg);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Strings share a 512-byte argument buffer: the second long string gets -ENOSPC. */
UXDP_TEST(printk_string_budget, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);
	static char longstr[600];

	ASSERT_NOT_NULL(ex);
	memset(longstr, 'a', sizeof(longstr) - 1);
	/* one string: cut at 511 characters */
	ASSERT_EQ(P(ex, "%s", (uintptr_t)longstr), 511);
	ASSERT_EQ(s.len, 511);
	ASSERT_EQ(P(ex, "%s%s", (uintptr_t)longstr, (uintptr_t) "b"), -ENOSPC);
	ASSERT_EQ(P(ex, "%s%d", (uintptr_t)longstr, 1), -ENOSPC);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Output is cut at 1023 bytes; the return value is the full length. */
UXDP_TEST(printk_long_output, fast)
{
	struct sink s;
	struct uxdp_exec *ex = sink_exec(&s);

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(P(ex, "%2000d|", 7), 2001);
	ASSERT_EQ(s.len, 1023);
	ASSERT_EQ(s.text[0], ' ');
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Without an event sink the record is dropped and counted. */
UXDP_TEST(printk_without_sink_counts_drop, fast)
{
	struct uxdp_exec *ex = test_exec();

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(P(ex, "x%d", 1), 2);
	ASSERT_EQ(P(ex, "y"), 1);
	ASSERT_EQ(ex->events_dropped, 2);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}
