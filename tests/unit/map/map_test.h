/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small helpers shared by the map unit tests: create a map in one call and
 * reach the program-side ops the way helpers do.
 */
#ifndef UXDP_MAP_TEST_H
#define UXDP_MAP_TEST_H

#include <errno.h>

#include "test.h"
#include "map/map_internal.h"
#include "uxdp/map.h"
#include "uxdp/vm.h"

static inline struct uxdp_map *mt_create(enum bpf_map_type type, uint32_t ks, uint32_t vs,
					 uint32_t max, uint32_t flags)
{
	struct uxdp_map_create_opts o = {.sz = sizeof(o), .map_flags = flags};

	return uxdp_map__create(type, "test", ks, vs, max, &o);
}

static inline struct uxdp_map *mt_create_percpu(enum bpf_map_type type, uint32_t ks, uint32_t vs,
						uint32_t max, uint32_t flags, uint32_t ncpus)
{
	struct uxdp_map_create_opts o = {.sz = sizeof(o), .map_flags = flags, .ncpus = ncpus};

	return uxdp_map__create(type, "test", ks, vs, max, &o);
}

/* errno of a create that must fail (0 if it unexpectedly succeeded). */
static inline int mt_create_err(enum bpf_map_type type, uint32_t ks, uint32_t vs, uint32_t max,
				uint32_t flags)
{
	struct uxdp_map *m = mt_create(type, ks, vs, max, flags);

	if (m) {
		uxdp_map__put(m);
		return 0;
	}
	return errno;
}

static inline void *mt_plookup(struct uxdp_map *m, const void *key, uint32_t cpu)
{
	return m->ops->prog_lookup(m, key, cpu);
}

static inline long mt_pupdate(struct uxdp_map *m, const void *key, const void *value,
			      uint64_t flags, uint32_t cpu)
{
	return m->ops->prog_update(m, key, value, flags, cpu);
}

static inline long mt_pdelete(struct uxdp_map *m, const void *key, uint32_t cpu)
{
	return m->ops->prog_delete(m, key, cpu);
}

/* A program "r0 = 2; exit" of the given type. */
static inline struct uxdp_prog *mt_prog(enum uxdp_prog_type type)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct uxdp_prog_load_opts o = {.sz = sizeof(o),
					.type = type,
					.name = "t",
					.license = "GPL",
					.engine = UXDP_ENGINE_INTERP};

	return uxdp_prog__load(insns, 2, &o);
}

#endif /* UXDP_MAP_TEST_H */
