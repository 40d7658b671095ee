// SPDX-License-Identifier: BSD-2-Clause
/*
 * Helpers outside the packet path, called through the table: map element
 * helpers on real maps (and on a map without program-side ops), bpf_loop
 * with a fake engine callback, the random generator, clocks and jiffies, the
 * CPU id, bpf_spin_lock under contention, ring buffer and perf event output,
 * and the exec API.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "helper_test.h"
#include "map/map_internal.h"

/* --- maps --- */

UXDP_TEST(map_helpers_array, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *m = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL);
	uint32_t k = 2, bad = 4;
	uint64_t v = 77, *p, out;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(m);
	p = (uint64_t *)(uintptr_t)H(ex, map_lookup_elem, m, &k);
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(*p, 0);
	ASSERT_EQ(H(ex, map_update_elem, m, &k, &v, BPF_ANY), 0);
	ASSERT_EQ(*p, 77); /* the lookup pointer is the element itself */
	*p = 99;
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &out));
	ASSERT_EQ(out, 99);
	ASSERT_EQ(H(ex, map_lookup_elem, m, &bad), 0);
	ASSERT_EQ((int64_t)H(ex, map_update_elem, m, &bad, &v, BPF_ANY), -E2BIG);
	ASSERT_EQ((int64_t)H(ex, map_update_elem, m, &k, &v, BPF_NOEXIST), -EEXIST);
	/* array elements cannot be deleted */
	ASSERT_EQ((int64_t)H(ex, map_delete_elem, m, &k), -EINVAL);
	uxdp_map__put(m);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(map_helpers_hash, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *m = uxdp_map__create(BPF_MAP_TYPE_HASH, "h", 4, 4, 2, NULL);
	uint32_t k1 = 10, k2 = 20, k3 = 30, v = 5, *p;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(m);
	ASSERT_EQ(H(ex, map_lookup_elem, m, &k1), 0);
	ASSERT_EQ((int64_t)H(ex, map_update_elem, m, &k1, &v, BPF_EXIST), -ENOENT);
	ASSERT_EQ(H(ex, map_update_elem, m, &k1, &v, BPF_NOEXIST), 0);
	ASSERT_EQ(H(ex, map_update_elem, m, &k2, &v, BPF_ANY), 0);
	ASSERT_EQ((int64_t)H(ex, map_update_elem, m, &k3, &v, BPF_ANY), -E2BIG);
	p = (uint32_t *)(uintptr_t)H(ex, map_lookup_elem, m, &k2);
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(*p, 5);
	ASSERT_EQ(H(ex, map_delete_elem, m, &k1), 0);
	ASSERT_EQ((int64_t)H(ex, map_delete_elem, m, &k1), -ENOENT);
	uxdp_map__put(m);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* A NULL map or a map type without program-side ops fails cleanly. */
UXDP_TEST(map_helpers_missing_ops, fast)
{
	struct uxdp_exec *ex = test_exec();
	static const struct uxdp_map_ops no_ops;
	struct uxdp_map fake = {.ops = &no_ops, .type = BPF_MAP_TYPE_ARRAY, .key_size = 4};
	uint32_t k = 0, v = 0;

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(H(ex, map_lookup_elem, &fake, &k), 0);
	ASSERT_EQ((int64_t)H(ex, map_update_elem, &fake, &k, &v, 0), -UXDP_ENOTSUPP);
	ASSERT_EQ((int64_t)H(ex, map_delete_elem, &fake, &k), -UXDP_ENOTSUPP);
	ASSERT_EQ(H(ex, map_lookup_elem, NULL, &k), 0);
	ASSERT_EQ((int64_t)H(ex, map_update_elem, NULL, &k, &v, 0), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, map_delete_elem, NULL, &k), -EINVAL);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* Per-CPU maps: the helper sees the exec's CPU slot. */
UXDP_TEST(map_helpers_percpu_slot, fast)
{
	UXDP_OPTS(uxdp_map_create_opts, mo, .ncpus = 4);
	UXDP_OPTS(uxdp_exec_opts, eo, .cpu = 2);
	struct uxdp_map *m = uxdp_map__create(BPF_MAP_TYPE_PERCPU_ARRAY, "pc", 4, 8, 1, &mo);
	struct uxdp_exec *ex = uxdp_exec__new(&eo);
	uint64_t all[4] = {0}, *p;
	uint32_t k = 0;

	ASSERT_NOT_NULL(m);
	ASSERT_NOT_NULL(ex);
	p = (uint64_t *)(uintptr_t)H(ex, map_lookup_elem, m, &k);
	ASSERT_NOT_NULL(p);
	*p = 1234;
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, all));
	ASSERT_EQ(all[0], 0);
	ASSERT_EQ(all[2], 1234);
	uxdp_map__put(m);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* --- bpf_loop --- */

struct loop_log {
	uint64_t calls, stop_at, last_ctx, last_fn;
	uint64_t bad_args;
};

static uint64_t fake_call(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2, uint64_t r3,
			  uint64_t r4, uint64_t r5)
{
	struct loop_log *l = (struct loop_log *)(uintptr_t)r2;

	if (r1 != l->calls || r3 || r4 || r5)
		l->bad_args++;
	l->calls++;
	l->last_ctx = r2;
	l->last_fn = fn;
	return r1 == l->stop_at ? 1 : 0;
}

static struct uxdp_exec *loop_exec(void)
{
	struct uxdp_exec *ex = test_exec();

	if (ex)
		ex->call_fn = fake_call;
	return ex;
}

UXDP_TEST(loop_iterates, fast)
{
	struct uxdp_exec *ex = loop_exec();
	struct loop_log l = {.stop_at = UINT64_MAX};

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(H(ex, loop, 10, 0xabc, &l, 0), 10);
	ASSERT_EQ(l.calls, 10);
	ASSERT_EQ(l.bad_args, 0);
	ASSERT_EQ(l.last_fn, 0xabc);
	ASSERT_EQ(l.last_ctx, (uintptr_t)&l);
	/* zero iterations: no call, returns 0 */
	l.calls = 0;
	ASSERT_EQ(H(ex, loop, 0, 0xabc, &l, 0), 0);
	ASSERT_EQ(l.calls, 0);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(loop_early_stop, fast)
{
	struct uxdp_exec *ex = loop_exec();
	struct loop_log l = {.stop_at = 4};

	ASSERT_NOT_NULL(ex);
	/* stopping in iteration i returns i + 1 */
	ASSERT_EQ(H(ex, loop, 100, 1, &l, 0), 5);
	ASSERT_EQ(l.calls, 5);
	l = (struct loop_log){.stop_at = 0};
	ASSERT_EQ(H(ex, loop, 100, 1, &l, 0), 1);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(loop_limits, fast)
{
	struct uxdp_exec *ex = loop_exec();
	struct loop_log l = {.stop_at = 0};
	const uint64_t e2big32 = (uint32_t)-E2BIG; /* kernel: 32-bit move in the inlined loop */

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(H(ex, loop, (1u << 23) + 1, 1, &l, 0), e2big32);
	ASSERT_EQ(H(ex, loop, UINT32_MAX, 1, &l, 0), e2big32);
	ASSERT_EQ(l.calls, 0);
	/* non-zero flags: the helper's -EINVAL, checked before the bound */
	ASSERT_EQ((int64_t)H(ex, loop, (1u << 23) + 1, 1, &l, 1), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, loop, 1, 1, &l, 1ull << 40), -EINVAL);
	ASSERT_EQ(l.calls, 0);
	/* exactly the maximum is allowed; nr_loops is a u32 (kernel: (1 << 32) | 3 runs 3) */
	ASSERT_EQ(H(ex, loop, 1u << 23, 1, &l, 0), 1);
	l = (struct loop_log){.stop_at = UINT64_MAX};
	ASSERT_EQ(H(ex, loop, (1ull << 32) | 3, 1, &l, 0), 3);
	/* no engine behind the exec: refused, not crashed */
	ex->call_fn = NULL;
	ASSERT_EQ((int64_t)H(ex, loop, 3, 1, &l, 0), -EINVAL);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* --- randomness, CPU, clocks --- */

UXDP_TEST(prandom_seeded, fast)
{
	UXDP_OPTS(uxdp_exec_opts, o1, .prandom_seed = 7);
	UXDP_OPTS(uxdp_exec_opts, o2, .prandom_seed = 8);
	struct uxdp_exec *a = uxdp_exec__new(&o1), *b = uxdp_exec__new(&o1),
			 *c = uxdp_exec__new(&o2);
	uint64_t v, seen_or = 0, seen_and = UINT32_MAX;
	int i, same_ac = 0;

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_NOT_NULL(c);
	for (i = 0; i < 1000; i++) {
		v = H0(a, get_prandom_u32);
		ASSERT_TRUE(v <= UINT32_MAX);
		ASSERT_EQ(v, H0(b, get_prandom_u32)); /* same seed, same sequence */
		same_ac += v == H0(c, get_prandom_u32);
		seen_or |= v;
		seen_and &= v;
	}
	ASSERT_TRUE(same_ac < 5);
	ASSERT_EQ(seen_or, UINT32_MAX); /* every bit shows up set ... */
	ASSERT_EQ(seen_and, 0);		/* ... and clear */
	uxdp_exec__free(a);
	uxdp_exec__free(b);
	uxdp_exec__free(c);
	return UXDP_TEST_PASS;
}

/* An exec without a seed (or built by hand with zero state) still produces numbers. */
UXDP_TEST(prandom_unseeded, fast)
{
	struct uxdp_exec *ex = uxdp_exec__new(NULL);
	uint64_t a, b;

	ASSERT_NOT_NULL(ex);
	a = H0(ex, get_prandom_u32);
	b = H0(ex, get_prandom_u32);
	ASSERT_NE(a, b);
	ex->prandom_state[0] = ex->prandom_state[1] = 0;
	a = H0(ex, get_prandom_u32);
	b = H0(ex, get_prandom_u32);
	ASSERT_NE(a, b);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

UXDP_TEST(smp_processor_id_is_exec_cpu, fast)
{
	UXDP_OPTS(uxdp_exec_opts, o, .cpu = 5);
	struct uxdp_exec *ex = uxdp_exec__new(&o);

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(H0(ex, get_smp_processor_id), 5);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

UXDP_TEST(clocks, fast)
{
	struct uxdp_exec *ex = test_exec();
	uint64_t m0, k, m1, boot, coarse;

	ASSERT_NOT_NULL(ex);
	m0 = now_ns(CLOCK_MONOTONIC);
	k = H0(ex, ktime_get_ns);
	m1 = now_ns(CLOCK_MONOTONIC);
	ASSERT_TRUE(m0 <= k && k <= m1);
	boot = H0(ex, ktime_get_boot_ns);
	ASSERT_TRUE(boot >= k); /* boottime = monotonic + time suspended */
	coarse = H0(ex, ktime_get_coarse_ns);
	ASSERT_TRUE(coarse <= H0(ex, ktime_get_ns));
	ASSERT_TRUE(coarse + 100000000ull > k); /* within a tick or so */
	ASSERT_TRUE(H0(ex, ktime_get_ns) >= k);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* jiffies64: HZ=250 ticks of CLOCK_MONOTONIC from the kernel's INITIAL_JIFFIES. */
UXDP_TEST(jiffies64_model, fast)
{
	struct uxdp_exec *ex = test_exec();
	const uint64_t initial = (uint32_t)(-300 * 250);
	uint64_t j0, m, j1;
	struct timespec ts = {0, 20 * 1000 * 1000};

	ASSERT_NOT_NULL(ex);
	j0 = H0(ex, jiffies64);
	m = now_ns(CLOCK_MONOTONIC);
	ASSERT_TRUE(j0 <= initial + m / 4000000);
	ASSERT_TRUE(j0 + 2 >= initial + m / 4000000);
	nanosleep(&ts, NULL);
	j1 = H0(ex, jiffies64);
	ASSERT_TRUE(j1 >= j0 + 4); /* 20 ms is at least 4 ticks of 4 ms */
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* --- spin lock --- */

struct locked_value {
	uint32_t lock; /* struct bpf_spin_lock */
	uint32_t pad;
	uint64_t counter;
};

static struct locked_value shared;

static void *locker(void *arg)
{
	struct uxdp_exec *ex = arg;
	int i;

	for (i = 0; i < 200000; i++) {
		H(ex, spin_lock, &shared.lock);
		shared.counter++;
		H(ex, spin_unlock, &shared.lock);
	}
	return NULL;
}

UXDP_TEST(spin_lock_mutual_exclusion, fast)
{
	struct uxdp_exec *ex[4];
	pthread_t t[4];
	int i;

	memset(&shared, 0, sizeof(shared));
	for (i = 0; i < 4; i++) {
		ex[i] = test_exec();
		ASSERT_NOT_NULL(ex[i]);
		ASSERT_OK(pthread_create(&t[i], NULL, locker, ex[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		uxdp_exec__free(ex[i]);
	}
	ASSERT_EQ(shared.counter, 800000);
	ASSERT_EQ(shared.lock, 0);
	return UXDP_TEST_PASS;
}

/* --- ring buffer --- */

struct rb_seen {
	int n;
	size_t len[8];
	uint8_t first[8];
};

static int rb_sample(void *cookie, const void *data, size_t len)
{
	struct rb_seen *s = cookie;

	if (s->n < 8) {
		s->len[s->n] = len;
		s->first[s->n] = len ? *(const uint8_t *)data : 0;
	}
	s->n++;
	return 0;
}

UXDP_TEST(ringbuf_helpers, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_map *rb = uxdp_map__create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	struct uxdp_map *arr = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, 4, 1, NULL);
	uint8_t data[10] = {0x11, 2, 3};
	struct rb_seen seen = {0};
	uint8_t *rec;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(rb);
	ASSERT_NOT_NULL(arr);
	ASSERT_EQ(H(ex, ringbuf_output, rb, data, 10, 0), 0);
	ASSERT_EQ((int64_t)H(ex, ringbuf_output, rb, data, 10, 4), -EINVAL);
	ASSERT_EQ((int64_t)H(ex, ringbuf_output, arr, data, 10, 0), -EINVAL);
	ASSERT_EQ(H(ex, ringbuf_query, rb, BPF_RB_RING_SIZE), 4096);
	ASSERT_TRUE(H(ex, ringbuf_query, rb, BPF_RB_AVAIL_DATA) > 0);

	rec = (uint8_t *)(uintptr_t)H(ex, ringbuf_reserve, rb, 16, 0);
	ASSERT_NOT_NULL(rec);
	rec[0] = 0x22;
	H(ex, ringbuf_submit, rec, 0);
	rec = (uint8_t *)(uintptr_t)H(ex, ringbuf_reserve, rb, 16, 0);
	ASSERT_NOT_NULL(rec);
	H(ex, ringbuf_discard, rec, 0);
	/* reserve with flags, on a non-ringbuf, or too big: NULL */
	ASSERT_EQ(H(ex, ringbuf_reserve, rb, 16, 1), 0);
	ASSERT_EQ(H(ex, ringbuf_reserve, arr, 16, 0), 0);
	ASSERT_EQ(H(ex, ringbuf_reserve, rb, 8192, 0), 0);
	/* submitting NULL is harmless */
	H(ex, ringbuf_submit, NULL, 0);

	ASSERT_EQ(uxdp_ringbuf__consume(rb, rb_sample, &seen), 2);
	ASSERT_EQ(seen.n, 2);
	ASSERT_EQ(seen.len[0], 10);
	ASSERT_EQ(seen.first[0], 0x11);
	ASSERT_EQ(seen.len[1], 16);
	ASSERT_EQ(seen.first[1], 0x22);
	uxdp_map__put(rb);
	uxdp_map__put(arr);
	uxdp_exec__free(ex);
	return UXDP_TEST_PASS;
}

/* --- perf_event_output --- */

struct perf_seen {
	int n;
	uint32_t index, cpu;
	uint8_t data[64];
	size_t len;
};

static void perf_event(void *cookie, const struct uxdp_event *ev)
{
	struct perf_seen *s = cookie;

	if (ev->type != UXDP_EVENT_PERF_OUTPUT)
		return;
	s->n++;
	s->index = ev->index;
	s->cpu = ev->cpu;
	s->len = ev->len < sizeof(s->data) ? ev->len : sizeof(s->data);
	memcpy(s->data, ev->data, s->len);
}

UXDP_TEST(perf_event_output_with_packet, fast)
{
	struct perf_seen seen = {0};
	UXDP_OPTS(uxdp_exec_opts, o, .cpu = 1, .on_event = perf_event, .event_cookie = &seen);
	struct uxdp_exec *ex = uxdp_exec__new(&o);
	struct uxdp_map *pm = uxdp_map__create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "pe", 4, 4, 4, NULL);
	struct test_frame *f = malloc(sizeof(*f));
	const uint32_t meta = 0xa1b2c3d4;
	const struct uxdp_perf_record *recs;
	size_t cnt = 0;
	uint64_t flags;

	ASSERT_NOT_NULL(ex);
	ASSERT_NOT_NULL(pm);
	ASSERT_NOT_NULL(f);
	frame_init(f, 60);
	frame_add_frag(f, 40, 4096);

	/* meta, then the first 70 packet bytes (across into the fragment), on this CPU */
	flags = BPF_F_CURRENT_CPU | (70ull << 32);
	ASSERT_EQ(H(ex, perf_event_output, &f->xdp, pm, flags, &meta, 4), 0);
	ASSERT_EQ(seen.n, 1);
	ASSERT_EQ(seen.index, 1);
	ASSERT_EQ(seen.len, 64);
	ASSERT_MEMEQ(seen.data, &meta, 4);
	ASSERT_EQ(seen.data[4], 0);
	ASSERT_EQ(seen.data[63], 59);
	recs = uxdp_perf__records(pm, &cnt);
	ASSERT_EQ(cnt, 1);
	ASSERT_EQ(recs[0].len, 74);
	ASSERT_EQ(recs[0].data[73], 69); /* byte 69 of the packet lives in the fragment */

	/* explicit index, no packet bytes */
	ASSERT_EQ(H(ex, perf_event_output, &f->xdp, pm, 3, &meta, 4), 0);
	ASSERT_EQ(seen.index, 3);
	ASSERT_EQ(seen.len, 4);
	/* index out of range: -E2BIG, no event */
	ASSERT_EQ((int64_t)H(ex, perf_event_output, &f->xdp, pm, 4, &meta, 4), -E2BIG);
	ASSERT_EQ(seen.n, 2);
	/* more packet bytes than the frame has: -EFAULT */
	ASSERT_EQ((int64_t)H(ex, perf_event_output, &f->xdp, pm, 101ull << 32, &meta, 4), -EFAULT);
	ASSERT_EQ(H(ex, perf_event_output, &f->xdp, pm, 100ull << 32, &meta, 4), 0);
	/* bits between the index and the length: -EINVAL */
	ASSERT_EQ((int64_t)H(ex, perf_event_output, &f->xdp, pm, 1ull << 60, &meta, 4), -EINVAL);
	ASSERT_EQ(seen.n, 3);
	uxdp_map__put(pm);
	uxdp_exec__free(ex);
	free(f);
	return UXDP_TEST_PASS;
}

/* --- exec API --- */

UXDP_TEST(exec_opts_validation, fast)
{
	struct {
		struct uxdp_exec_opts o;
		uint64_t extra;
	} big;
	struct uxdp_exec *ex;

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	ex = uxdp_exec__new(&big.o);
	ASSERT_NOT_NULL(ex); /* a newer, larger struct with zeros beyond ours */
	uxdp_exec__free(ex);
	big.extra = 1;
	errno = 0;
	ASSERT_NULL(uxdp_exec__new(&big.o));
	ASSERT_EQ(errno, EINVAL);
	big.o.sz = 0;
	ASSERT_NULL(uxdp_exec__new(&big.o));
	{
		UXDP_OPTS(uxdp_exec_opts, o, .route_cnt = 3);

		ASSERT_NULL(uxdp_exec__new(&o));
		ASSERT_EQ(errno, EINVAL);
	}
	return UXDP_TEST_PASS;
}

UXDP_TEST(exec_take_redirect, fast)
{
	struct uxdp_exec *ex = test_exec();
	struct uxdp_redirect_target t;

	ASSERT_NOT_NULL(ex);
	ASSERT_EQ(uxdp_exec__take_redirect(ex, &t), -ENOENT);
	ASSERT_EQ(H(ex, redirect, 7, 0), XDP_REDIRECT);
	ASSERT_OK(uxdp_exec__take_redirect(ex, &t));
	ASSERT_NULL(t.map);
	ASSERT_EQ(t.index, 7);
	ASSERT_EQ(t.map_type, BPF_MAP_TYPE_UNSPEC);
	/* taken: gone */
	ASSERT_EQ(uxdp_exec__take_redirect(ex, &t), -ENOENT);
	ASSERT_EQ(uxdp_exec__take_redirect(NULL, &t), -ENOENT);
	uxdp_exec__free(ex);
	uxdp_exec__free(NULL);
	return UXDP_TEST_PASS;
}
