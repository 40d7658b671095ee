// SPDX-License-Identifier: BSD-2-Clause
/*
 * Helpers that do not touch the packet: map element access, clocks, the
 * per-exec pseudo-random generator, the CPU slot, bpf_spin_lock, bpf_loop and
 * the ring buffer helpers. Each follows the kernel's runtime checks (flags,
 * sizes, return codes); what the kernel verifier proves before a program runs
 * (argument kinds, map types) is re-checked here only where that is cheap, so
 * that a program the missing verifier let through fails cleanly instead of
 * crashing the process.
 */
#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "helper/helper_priv.h"
#include "map/map_internal.h"

/* Linux's BPF_MAX_LOOPS: the most iterations one bpf_loop call may run. */
#define UXDP_BPF_MAX_LOOPS (8u * 1024 * 1024)

void uxdp_helper_emit(struct uxdp_exec *ex, const struct uxdp_event *ev)
{
	if (ex->on_event)
		ex->on_event(ex->event_cookie, ev);
	else
		ex->events_dropped++;
}

/* --- maps --- */

uint64_t uxdp_bpf_map_lookup_elem(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;
	const void *key = (const void *)(uintptr_t)r2;

	if (!map || !key || !map->ops || !map->ops->prog_lookup)
		return 0;
	return (uintptr_t)map->ops->prog_lookup(map, key, ex->cpu);
}

uint64_t uxdp_bpf_map_update_elem(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;
	const void *key = (const void *)(uintptr_t)r2;
	const void *value = (const void *)(uintptr_t)r3;

	if (!map || !key || !value || !map->ops)
		return (uint64_t)-EINVAL;
	/* The kernel's stubs for map types without program-side updates. */
	if (!map->ops->prog_update)
		return (uint64_t)-UXDP_ENOTSUPP;
	return (uint64_t)map->ops->prog_update(map, key, value, r4, ex->cpu);
}

uint64_t uxdp_bpf_map_delete_elem(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;
	const void *key = (const void *)(uintptr_t)r2;

	if (!map || !key || !map->ops)
		return (uint64_t)-EINVAL;
	if (!map->ops->prog_delete)
		return (uint64_t)-UXDP_ENOTSUPP;
	return (uint64_t)map->ops->prog_delete(map, key, ex->cpu);
}

/* --- clocks --- */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t uxdp_bpf_ktime_get_ns(UXDP_HELPER_ARGS)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t uxdp_bpf_ktime_get_boot_ns(UXDP_HELPER_ARGS)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t uxdp_bpf_ktime_get_coarse_ns(UXDP_HELPER_ARGS)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

/*
 * bpf_jiffies64: a HZ=250 (the Debian/Ubuntu default) tick count derived from
 * CLOCK_MONOTONIC, which like jiffies stops during suspend. The kernel starts
 * jiffies at INITIAL_JIFFIES (-300 s worth of ticks, as a 32-bit value, so
 * 32-bit wrap bugs show five minutes after boot); we start from the same
 * value, so programs comparing jiffies against "boot + x" see kernel-like
 * magnitudes. Programs can only rely on differences, as in the kernel.
 */
#define UXDP_HZ		     250u
#define UXDP_INITIAL_JIFFIES ((uint64_t)(uint32_t)(-300 * (int32_t)UXDP_HZ))

uint64_t uxdp_bpf_jiffies64(UXDP_HELPER_ARGS)
{
	return UXDP_INITIAL_JIFFIES + clock_ns(CLOCK_MONOTONIC) / (1000000000ull / UXDP_HZ);
}

/* --- randomness, CPU --- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Seed the xorshift128+ state; never leaves it all-zero (a fixed point). */
void uxdp_helper_prandom_seed(struct uxdp_exec *ex, uint64_t seed)
{
	ex->prandom_state[0] = splitmix64(&seed);
	ex->prandom_state[1] = splitmix64(&seed);
	if (!ex->prandom_state[0] && !ex->prandom_state[1])
		ex->prandom_state[1] = 1;
}

/* bpf_get_prandom_u32: xorshift128+ per exec (no locking: one exec per thread). */
uint64_t uxdp_bpf_get_prandom_u32(UXDP_HELPER_ARGS)
{
	uint64_t s1 = ex->prandom_state[0];
	uint64_t s0 = ex->prandom_state[1];

	if (!s0 && !s1) {
		/* An exec the embedder built by hand: seed it from the clock once. */
		uxdp_helper_prandom_seed(ex, clock_ns(CLOCK_MONOTONIC) ^ (uintptr_t)ex);
		s1 = ex->prandom_state[0];
		s0 = ex->prandom_state[1];
	}
	ex->prandom_state[0] = s0;
	s1 ^= s1 << 23;
	ex->prandom_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return (uint32_t)((ex->prandom_state[1] + s0) >> 32);
}

uint64_t uxdp_bpf_get_smp_processor_id(UXDP_HELPER_ARGS)
{
	return ex->cpu;
}

/* --- spin locks: the same lock word protocol BPF_F_LOCK map updates use --- */

uint64_t uxdp_bpf_spin_lock(UXDP_HELPER_ARGS)
{
	void *lock = (void *)(uintptr_t)r1;

	if (lock)
		uxdp_value_spin_lock(lock);
	return 0;
}

uint64_t uxdp_bpf_spin_unlock(UXDP_HELPER_ARGS)
{
	void *lock = (void *)(uintptr_t)r1;

	if (lock)
		uxdp_value_spin_unlock(lock);
	return 0;
}

/* --- bpf_loop --- */

/*
 * The kernel verifier inlines every bpf_loop call whose flags are the
 * constant 0 (the normal case), and the inlined code sets -E2BIG with a
 * 32-bit move: programs see r0 = 0xfffffff9, not -7 (measured on 6.18). We
 * return that. nr_loops is a u32 in both forms. Non-zero flags leave the call
 * to the real helper, which answers -EINVAL (64-bit).
 */
uint64_t uxdp_bpf_loop(UXDP_HELPER_ARGS)
{
	uint64_t nr_loops = (uint32_t)r1, i;

	if (r4)
		return (uint64_t)-EINVAL;
	if (nr_loops > UXDP_BPF_MAX_LOOPS)
		return (uint32_t)-E2BIG;
	if (!ex->call_fn)
		return (uint64_t)-EINVAL; /* an exec without an engine behind it */

	for (i = 0; i < nr_loops; i++) {
		/* Callback returns 0 to continue, 1 to stop (the verifier allows only those). */
		if (ex->call_fn(ex, r2, i, r3, 0, 0, 0))
			return i + 1;
	}
	return i;
}

/* --- ring buffers --- */

static bool is_ringbuf(const struct uxdp_map *map)
{
	return map && map->type == BPF_MAP_TYPE_RINGBUF;
}

uint64_t uxdp_bpf_ringbuf_output(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;

	if (!is_ringbuf(map) || (!r2 && r3))
		return (uint64_t)-EINVAL;
	if (r4 & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return (uint64_t)-EINVAL;
	return (uint64_t)uxdp_ringbuf_output(map, (const void *)(uintptr_t)r2, r3, r4);
}

uint64_t uxdp_bpf_ringbuf_reserve(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;

	if (!is_ringbuf(map) || r3)
		return 0;
	return (uintptr_t)uxdp_ringbuf_reserve(map, r2, r3);
}

uint64_t uxdp_bpf_ringbuf_submit(UXDP_HELPER_ARGS)
{
	if (r1)
		uxdp_ringbuf_commit((void *)(uintptr_t)r1, r2, false);
	return 0;
}

uint64_t uxdp_bpf_ringbuf_discard(UXDP_HELPER_ARGS)
{
	if (r1)
		uxdp_ringbuf_commit((void *)(uintptr_t)r1, r2, true);
	return 0;
}

uint64_t uxdp_bpf_ringbuf_query(UXDP_HELPER_ARGS)
{
	struct uxdp_map *map = (struct uxdp_map *)(uintptr_t)r1;

	if (!is_ringbuf(map))
		return 0;
	return uxdp_ringbuf_query(map, r2);
}
