// SPDX-License-Identifier: BSD-2-Clause
/*
 * The ring protocol of include/uxdp/xsk.h between two processes: a producer
 * and a consumer on the same memfd pages, one in a forked child, move ten
 * million sequence numbers in random batches (with random cancels on the
 * consumer side) through a fill-style ring (u64 entries) and an rx-style
 * ring (struct xdp_desc); the consumer checks order, loss and duplication.
 * The wrap cases start the free-running u32 indices just below UINT32_MAX.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "xsk/xsk_client.h"

static uint64_t rnd_state;

static uint32_t rnd(void)
{
	/* xorshift64: cheap, and the same sequence on every run */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)rnd_state;
}

static uint32_t batch(uint32_t size)
{
	/* mostly small, sometimes a whole ring or more than fits */
	switch (rnd() % 8) {
	case 0:
		return size;
	case 1:
		return size + 1 + rnd() % 4;
	default:
		return 1 + rnd() % 32;
	}
}

static void desc_of(uint64_t seq, struct xdp_desc *d)
{
	d->addr = seq * 4096 + (seq & 255);
	d->len = (uint32_t)(seq * 2654435761u);
	d->options = (uint32_t)~seq;
}

static void producer(void *mem, uint32_t size, bool desc, uint64_t n)
{
	struct uxdp_xsk_ring_prod p;
	uint64_t seq = 0;
	uint32_t idx;

	rnd_state = 0x9e3779b97f4a7c15ull;
	uxdp_xsk_ring_attach(&p.r, mem, size, true);
	while (seq < n) {
		uint32_t b = batch(size);

		if (b > n - seq)
			b = (uint32_t)(n - seq);
		if (uxdp_xsk_ring_prod__reserve(&p, b, &idx) != b) {
			if (b > size)
				continue; /* can never fit: must be refused, not overrun */
			sched_yield();
			continue;
		}
		for (uint32_t i = 0; i < b; i++, seq++) {
			if (desc)
				desc_of(seq, uxdp_xsk_ring_prod__tx_desc(&p, idx + i));
			else
				*uxdp_xsk_ring_prod__fill_addr(&p, idx + i) = seq;
		}
		uxdp_xsk_ring_prod__submit(&p, b);
	}
}

static int ring_2proc(bool desc, uint32_t size, uint32_t start, uint64_t n)
{
	size_t esz = desc ? UXDP_XSK_DESC_ENTRY : UXDP_XSK_ADDR_ENTRY;
	uint64_t len = uxdp_xsk_page_align(UXDP_XSK_RING_BYTES(size, esz));
	struct uxdp_xsk_ring_cons c;
	uint64_t expect = 0, spins = 0;
	int fd, status;
	void *mem;
	pid_t pid;

	fd = uxdp_xsk_memfd("test-ring", len);
	ASSERT_TRUE(fd >= 0);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(mem != MAP_FAILED);
	close(fd);
	uxdp_xsk_ring_mem_init(mem, start);

	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		producer(mem, size, desc, n);
		_exit(0);
	}

	rnd_state = 0x243f6a8885a308d3ull;
	uxdp_xsk_ring_attach(&c.r, mem, size, false);
	while (expect < n) {
		uint32_t idx, got, keep;

		got = uxdp_xsk_ring_cons__peek(&c, batch(size), &idx);
		if (!got) {
			if (++spins % 4096 == 0 && waitpid(pid, &status, WNOHANG) == pid)
				UXDP_FAIL_AT("producer exited after %" PRIu64 " of %" PRIu64
					     " entries arrived",
					     expect, n);
			sched_yield();
			continue;
		}
		if (got > size) {
			kill(pid, SIGKILL);
			UXDP_FAIL_AT("peek returned %u entries from a ring of %u", got, size);
		}
		/* now and then hand some back: they must come again */
		keep = (rnd() % 8 == 0) ? got - rnd() % got : got;
		for (uint32_t i = 0; i < keep; i++, expect++) {
			bool ok;

			if (desc) {
				struct xdp_desc want;
				const struct xdp_desc *d = uxdp_xsk_ring_cons__rx_desc(&c, idx + i);

				desc_of(expect, &want);
				ok = d->addr == want.addr && d->len == want.len &&
				     d->options == want.options;
			} else {
				ok = *uxdp_xsk_ring_cons__comp_addr(&c, idx + i) == expect;
			}
			if (!ok) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				UXDP_FAIL_AT("entry %" PRIu64 " (index %u) is wrong", expect,
					     idx + i);
			}
		}
		uxdp_xsk_ring_cons__cancel(&c, got - keep);
		uxdp_xsk_ring_cons__release(&c, keep);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* nothing more than was sent, and both indices moved by exactly n */
	{
		uint32_t idx;

		ASSERT_EQ(uxdp_xsk_ring_cons__peek(&c, 1, &idx), 0);
	}
	ASSERT_EQ(*c.r.producer, (uint32_t)(start + n));
	ASSERT_EQ(*c.r.consumer, (uint32_t)(start + n));
	munmap(mem, len);
	return UXDP_TEST_PASS;
}

UXDP_TEST(ring_fill_2proc, fast)
{
	return ring_2proc(false, 512, 0, 10000000);
}

UXDP_TEST(ring_rx_2proc, fast)
{
	return ring_2proc(true, 512, 0, 10000000);
}

UXDP_TEST(ring_fill_wrap_2proc, fast)
{
	return ring_2proc(false, 64, UINT32_MAX - 100, 2000000);
}

UXDP_TEST(ring_rx_wrap_2proc, fast)
{
	return ring_2proc(true, 64, UINT32_MAX - 37, 2000000);
}

/* One process, step by step: free space, refusal of a too-large reserve, cancel, wrap. */
UXDP_TEST(ring_semantics, fast)
{
	uint64_t len = uxdp_xsk_page_align(UXDP_XSK_RING_BYTES(8, 8));
	struct uxdp_xsk_ring_prod p;
	struct uxdp_xsk_ring_cons c;
	uint32_t idx = 0, cidx = 0;
	void *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(mem != MAP_FAILED);
	uxdp_xsk_ring_mem_init(mem, UINT32_MAX - 2);
	uxdp_xsk_ring_attach(&p.r, mem, 8, true);
	uxdp_xsk_ring_attach(&c.r, mem, 8, false);
	ASSERT_EQ(p.r.mask, 7);
	ASSERT_EQ(p.r.cached_cons - p.r.cached_prod, 8);
	ASSERT_EQ(c.r.cached_prod, c.r.cached_cons);
	ASSERT_NULL(c.r.signals);

	ASSERT_EQ(uxdp_xsk_prod_nb_free(&p, 1), 8);
	ASSERT_EQ(uxdp_xsk_ring_prod__reserve(&p, 9, &idx), 0);
	ASSERT_EQ(uxdp_xsk_ring_prod__reserve(&p, 5, &idx), 5);
	ASSERT_EQ(idx, UINT32_MAX - 2);
	for (uint32_t i = 0; i < 5; i++)
		*uxdp_xsk_ring_prod__fill_addr(&p, idx + i) = 100 + i;
	/* not visible before submit */
	ASSERT_EQ(uxdp_xsk_cons_nb_avail(&c, 8), 0);
	uxdp_xsk_ring_prod__submit(&p, 5);
	ASSERT_EQ(uxdp_xsk_ring_prod__reserve(&p, 4, &idx), 0); /* 3 free */
	ASSERT_EQ(uxdp_xsk_cons_nb_avail(&c, 8), 5);
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&c, 2, &cidx), 2);
	ASSERT_EQ(*uxdp_xsk_ring_cons__comp_addr(&c, cidx), 100);
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&c, 8, &cidx), 3);
	ASSERT_EQ(*uxdp_xsk_ring_cons__comp_addr(&c, cidx), 102);
	uxdp_xsk_ring_cons__cancel(&c, 3);
	uxdp_xsk_ring_cons__release(&c, 2);
	/* the two released entries are free again; the cancelled three come back */
	ASSERT_EQ(uxdp_xsk_ring_prod__reserve(&p, 5, &idx), 5);
	ASSERT_EQ(idx, 2); /* wrapped */
	ASSERT_EQ(uxdp_xsk_ring_cons__peek(&c, 8, &cidx), 3);
	ASSERT_EQ(*uxdp_xsk_ring_cons__comp_addr(&c, cidx), 102);
	ASSERT_EQ(*uxdp_xsk_ring_cons__comp_addr(&c, cidx + 2), 104);
	uxdp_xsk_ring_cons__release(&c, 3);
	ASSERT_EQ(*c.r.consumer, 2); /* UINT32_MAX - 2 + 5 */
	munmap(mem, len);
	return UXDP_TEST_PASS;
}
