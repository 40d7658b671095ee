// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of BPF ring buffers (reserve/submit/discard/output/query, the
 * consumer, wraparound, full rings, concurrent producers) and of
 * perf_event_array output records.
 */
#include <pthread.h>

#include "map_test.h"

#define RB_SIZE 4096

struct sink {
	int n;
	size_t lens[4096];
	uint8_t first[4096];
	uint64_t sum;
	int stop_after;
};

static int sink_fn(void *cookie, const void *data, size_t len)
{
	struct sink *s = cookie;

	if (s->n < 4096) {
		s->lens[s->n] = len;
		s->first[s->n] = len ? *(const uint8_t *)data : 0;
	}
	for (size_t i = 0; i < len; i++)
		s->sum += ((const uint8_t *)data)[i];
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 1 : 0;
}

UXDP_TEST(ringbuf_create_errors, fast)
{
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 0, 4, 4096, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_NO_PREALLOC), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 4, 0), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_reserve_submit_consume, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	struct sink s = {0};
	uint8_t *r;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 0);
	for (int i = 0; i < 5; i++) {
		r = uxdp_ringbuf_reserve(m, 3 + i, 0);
		ASSERT_NOT_NULL(r);
		ASSERT_EQ(((uintptr_t)r) % 8, 0);
		memset(r, 10 + i, 3 + i);
		uxdp_ringbuf_commit(r, 0, false);
	}
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 5);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(s.lens[i], 3 + i);
		ASSERT_EQ(s.first[i], 10 + i);
	}
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 0);
	ASSERT_EQ(uxdp_ringbuf__consume(m, NULL, &s), -EINVAL);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_record_header_layout, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	uint8_t *a, *b;
	uint32_t *hdr;

	ASSERT_NOT_NULL(m);
	a = uxdp_ringbuf_reserve(m, 5, 0);
	b = uxdp_ringbuf_reserve(m, 1, 0);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_EQ(b - a, 16); /* 8-byte header + 5 bytes rounded to 8 */
	hdr = (uint32_t *)(a - 8);
	ASSERT_EQ(hdr[0], 5 | BPF_RINGBUF_BUSY_BIT);
	uxdp_ringbuf_commit(a, 0, true);
	ASSERT_EQ(hdr[0], 5 | BPF_RINGBUF_DISCARD_BIT);
	uxdp_ringbuf_commit(b, BPF_RB_NO_WAKEUP, false);
	ASSERT_EQ(*(uint32_t *)(b - 8), 1);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_PROD_POS), 32);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_discard_skipped, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	struct sink s = {0};
	uint8_t *r[4];

	ASSERT_NOT_NULL(m);
	for (int i = 0; i < 4; i++) {
		r[i] = uxdp_ringbuf_reserve(m, 8, 0);
		ASSERT_NOT_NULL(r[i]);
		r[i][0] = (uint8_t)i;
	}
	uxdp_ringbuf_commit(r[0], 0, false);
	uxdp_ringbuf_commit(r[1], 0, true);
	uxdp_ringbuf_commit(r[2], 0, true);
	uxdp_ringbuf_commit(r[3], BPF_RB_FORCE_WAKEUP, false);
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 2);
	ASSERT_EQ(s.first[0], 0);
	ASSERT_EQ(s.first[1], 3);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_CONS_POS), 64);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_busy_record_blocks_consumer, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	struct sink s = {0};
	uint8_t *a, *b;

	ASSERT_NOT_NULL(m);
	a = uxdp_ringbuf_reserve(m, 16, 0);
	b = uxdp_ringbuf_reserve(m, 16, 0);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	uxdp_ringbuf_commit(b, 0, false);
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 0); /* a is still reserved */
	uxdp_ringbuf_commit(a, 0, false);
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 2);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_full_and_recovery, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	struct sink s = {0};
	uint8_t payload[100] = {1};
	int n = 0;

	ASSERT_NOT_NULL(m);
	/* Records of 104 + 8 = 112 bytes; at most size - 1 bytes may be in flight. */
	while (!uxdp_ringbuf_output(m, payload, sizeof(payload), 0))
		n++;
	ASSERT_EQ(n, (RB_SIZE - 1) / 112);
	ASSERT_EQ(uxdp_ringbuf_output(m, payload, sizeof(payload), 0), -EAGAIN);
	ASSERT_NULL(uxdp_ringbuf_reserve(m, 100, 0));
	ASSERT_NOT_NULL(uxdp_ringbuf_reserve(m, 0, 0) ? (void *)1 : NULL);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_AVAIL_DATA), n * 112 + 8);
	/* A record as big as the whole ring can never fit. */
	ASSERT_NULL(uxdp_ringbuf_reserve(m, RB_SIZE, 0));
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), n); /* stops at the busy one */
	ASSERT_EQ(uxdp_ringbuf_output(m, payload, sizeof(payload), 0), 0);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_wraparound, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	struct sink s = {0};
	uint64_t expect = 0;
	int produced = 0;

	ASSERT_NOT_NULL(m);
	/* Odd sizes so records straddle the end of the data area in many ways. */
	for (int i = 0; i < 3000; i++) {
		uint32_t len = 1 + (i * 37) % 700;
		uint8_t *r = uxdp_ringbuf_reserve(m, len, 0);

		if (!r) {
			ASSERT_TRUE(uxdp_ringbuf__consume(m, sink_fn, &s) > 0);
			r = uxdp_ringbuf_reserve(m, len, 0);
			ASSERT_NOT_NULL(r);
		}
		for (uint32_t j = 0; j < len; j++)
			r[j] = (uint8_t)(i + j);
		for (uint32_t j = 0; j < len; j++)
			expect += (uint8_t)(i + j);
		uxdp_ringbuf_commit(r, 0, false);
		produced++;
	}
	uxdp_ringbuf__consume(m, sink_fn, &s);
	ASSERT_EQ(s.n, produced);
	ASSERT_EQ(s.sum, expect);
	ASSERT_TRUE(uxdp_ringbuf_query(m, BPF_RB_PROD_POS) > 10 * RB_SIZE);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_PROD_POS), uxdp_ringbuf_query(m, BPF_RB_CONS_POS));
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_query_and_flags, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE * 2, 0);
	uint32_t x = 5;
	struct sink s = {.stop_after = 1};

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_RING_SIZE), RB_SIZE * 2);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	ASSERT_EQ(uxdp_ringbuf_query(m, 99), 0);
	ASSERT_EQ(uxdp_ringbuf_output(m, &x, 4, 4), -EINVAL);
	ASSERT_OK(uxdp_ringbuf_output(m, &x, 4, BPF_RB_NO_WAKEUP));
	ASSERT_OK(uxdp_ringbuf_output(m, &x, 4, BPF_RB_FORCE_WAKEUP));
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_AVAIL_DATA), 32);
	ASSERT_NULL(uxdp_ringbuf_reserve(m, 4, 1)); /* reserve flags must be 0 */
	ASSERT_NULL(uxdp_ringbuf_reserve(m, 1ull << 32, 0));
	/* A callback returning non-zero stops after its record. */
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 1);
	ASSERT_EQ(uxdp_ringbuf_query(m, BPF_RB_AVAIL_DATA), 16);
	s.stop_after = 0;
	ASSERT_EQ(uxdp_ringbuf__consume(m, sink_fn, &s), 1);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ringbuf_syscall_ops_unsupported, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	uint32_t k = 0, v = 0;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_map__lookup_elem(m, NULL, &v), -524);
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &v), -EINVAL);
	ASSERT_EQ(uxdp_map__update_elem(m, NULL, NULL, 0), -524);
	ASSERT_EQ(uxdp_map__delete_elem(m, NULL), -524);
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -EINVAL);
	ASSERT_EQ(uxdp_map__get_next_key(m, NULL, &k), -524);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

struct producer_arg {
	struct uxdp_map *m;
	uint8_t tag;
	int n;
	_Atomic int *done;
};

static void *producer(void *p)
{
	struct producer_arg *a = p;

	for (int i = 0; i < a->n;) {
		uint64_t rec[2] = {a->tag, (uint64_t)i};

		if (!uxdp_ringbuf_output(a->m, rec, sizeof(rec), 0))
			i++;
	}
	atomic_fetch_add(a->done, 1);
	return NULL;
}

struct mt_sink {
	int count[4];
	int last[4];
	int bad;
};

static int mt_sink_fn(void *cookie, const void *data, size_t len)
{
	struct mt_sink *s = cookie;
	uint64_t rec[2];

	if (len != sizeof(rec)) {
		s->bad++;
		return 0;
	}
	memcpy(rec, data, sizeof(rec));
	if (rec[0] >= 4 || (int)rec[1] != s->last[rec[0]] + 1) { /* per-producer order */
		s->bad++;
		return 0;
	}
	s->last[rec[0]] = (int)rec[1];
	s->count[rec[0]]++;
	return 0;
}

UXDP_TEST(ringbuf_mt_producers, slow)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RB_SIZE, 0);
	struct producer_arg args[4];
	struct mt_sink s = {.last = {-1, -1, -1, -1}};
	pthread_t th[4];
	_Atomic int done = 0;

	ASSERT_NOT_NULL(m);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct producer_arg){m, (uint8_t)i, 50000, &done};
		ASSERT_OK(pthread_create(&th[i], NULL, producer, &args[i]));
	}
	while (atomic_load(&done) < 4)
		uxdp_ringbuf__consume(m, mt_sink_fn, &s);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	uxdp_ringbuf__consume(m, mt_sink_fn, &s);
	ASSERT_EQ(s.bad, 0);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(s.count[i], 50000);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

/* --- perf_event_array ---------------------------------------------------------------------- */

UXDP_TEST(perf_create_errors, fast)
{
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 8, 4, 4, 0), EINVAL);
	ASSERT_EQ(mt_create_err(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, BPF_F_PRESERVE_ELEMS), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(perf_output_records, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0);
	const struct uxdp_perf_record *r;
	uint32_t a = 0x11111111;
	uint64_t b = 0x2222222222222222ull;
	size_t cnt = 99;

	ASSERT_NOT_NULL(m);
	ASSERT_NULL(uxdp_perf__records(m, &cnt));
	ASSERT_EQ(cnt, 0);
	ASSERT_OK(uxdp_perf_output(m, BPF_F_CURRENT_CPU, 2, &a, sizeof(a)));
	ASSERT_OK(uxdp_perf_output(m, 0, 3, &b, sizeof(b)));
	ASSERT_OK(uxdp_perf_output(m, 3 | (16ull << 32), 0, &b, 0)); /* ctxlen bits allowed */
	r = uxdp_perf__records(m, &cnt);
	ASSERT_NOT_NULL(r);
	ASSERT_EQ(cnt, 3);
	ASSERT_EQ(r[0].cpu, 2);
	ASSERT_EQ(r[0].len, 4);
	ASSERT_MEMEQ(r[0].data, &a, 4);
	ASSERT_EQ(r[1].cpu, 0);
	ASSERT_EQ(r[1].len, 8);
	ASSERT_MEMEQ(r[1].data, &b, 8);
	ASSERT_EQ(r[2].cpu, 3);
	ASSERT_EQ(r[2].len, 0);
	uxdp_perf__clear(m);
	ASSERT_NULL(uxdp_perf__records(m, &cnt));
	ASSERT_EQ(cnt, 0);
	uxdp_map__put(m);
	return UXDP_TEST_PASS;
}

UXDP_TEST(perf_output_errors_and_syscall, fast)
{
	struct uxdp_map *m = mt_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0);
	struct uxdp_map *h = mt_create(BPF_MAP_TYPE_HASH, 4, 4, 2, 0);
	uint32_t x = 1, k = 0, v = 5;
	size_t cnt;

	ASSERT_NOT_NULL(m);
	ASSERT_EQ(uxdp_perf_output(m, 2, 0, &x, 4), -E2BIG);
	ASSERT_EQ(uxdp_perf_output(m, BPF_F_CURRENT_CPU, 2, &x, 4), -E2BIG);
	ASSERT_EQ(uxdp_perf_output(m, 1ull << 52, 0, &x, 4), -EINVAL);
	ASSERT_EQ(uxdp_perf_output(h, 0, 0, &x, 4), -EINVAL);
	ASSERT_NULL(uxdp_perf__records(m, &cnt));
	ASSERT_NULL(uxdp_perf__records(h, &cnt));
	ASSERT_EQ(uxdp_map__lookup_elem(m, &k, &v), -524);
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -ENOENT);
	ASSERT_EQ(uxdp_map__update_elem(m, &k, &v, BPF_NOEXIST), -EINVAL);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, BPF_ANY));
	ASSERT_OK(uxdp_map__delete_elem(m, &k));
	k = 2;
	ASSERT_EQ(uxdp_map__delete_elem(m, &k), -E2BIG);
	ASSERT_OK(uxdp_map__get_next_key(m, NULL, &k));
	ASSERT_EQ(k, 0);
	uxdp_map__put(m);
	uxdp_map__put(h);
	return UXDP_TEST_PASS;
}
