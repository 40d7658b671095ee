// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the static verifier. The input is a program (8-byte
 * instructions after one byte of packet seed); map references are folded onto
 * a fixed set of maps. Whatever the bytes, loading must not crash; and every
 * program the verifier accepts is run by the interpreter and by the JIT on
 * packets of several lengths, with map contents the program itself writes,
 * under ASan/UBSan: any crash or out-of-bounds access there is a verifier
 * bug. The seed corpus holds the accepted twins of tests/verifier
 * (run_cases --dump), so mutations of accepted programs are explored too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uxdp/uxdp.h"

#define MAX_INSNS 512

static struct uxdp_map *maps[4];
static struct uxdp_exec *ex;

static void setup(void)
{
	UXDP_OPTS(uxdp_map_create_opts, ro, .map_flags = BPF_F_RDONLY_PROG);

	uxdp_set_print(NULL);
	maps[0] = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL);
	maps[1] = uxdp_map__create(BPF_MAP_TYPE_HASH, "h", 4, 8, 16, NULL);
	maps[2] = uxdp_map__create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	maps[3] = uxdp_map__create(BPF_MAP_TYPE_ARRAY, "ro", 4, 16, 1, &ro);
	ex = uxdp_exec__new(NULL);
	if (!maps[0] || !maps[1] || !maps[2] || !maps[3] || !ex)
		abort();
}

static int drain(void *cookie, const void *data, size_t len)
{
	(void)cookie;
	(void)data;
	(void)len;
	return 0;
}

static void run(struct uxdp_prog *prog, uint8_t seed)
{
	static const uint32_t lens[] = { 14, 15, 64, 600, 4000 };
	static uint8_t pkt[4096], out[8192];

	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 31 + seed);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		UXDP_OPTS(uxdp_test_run_opts, t, .data_in = pkt, .data_size_in = lens[k],
			  .data_out = out, .data_size_out = sizeof(out));
		uxdp_prog__test_run(prog, ex, &t);
	}
	uxdp_ringbuf__consume(maps[2], drain, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpf_insn insns[MAX_INSNS];
	size_t cnt;
	uint8_t seed;

	if (!ex)
		setup();
	if (size < 1 + sizeof(struct bpf_insn))
		return 0;
	seed = data[0];
	cnt = (size - 1) / sizeof(struct bpf_insn);
	if (cnt > MAX_INSNS)
		cnt = MAX_INSNS;
	memcpy(insns, data + 1, cnt * sizeof(struct bpf_insn));
	for (size_t i = 0; i < cnt; i++) {
		struct bpf_insn *in = &insns[i];

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg &&
		    in->src_reg != BPF_PSEUDO_FUNC)
			in->imm = (int32_t)((uint32_t)in->imm % 4);
	}
	for (int engine = 0; engine < 2; engine++) {
		UXDP_OPTS(uxdp_prog_load_opts, o, .name = "fuzz", .type = UXDP_PROG_XDP,
			  .engine = engine ? UXDP_ENGINE_JIT : UXDP_ENGINE_INTERP, .maps = maps,
			  .map_cnt = 4, .license = "GPL");
		struct uxdp_prog *prog = uxdp_prog__load(insns, cnt, &o);

		if (!prog)
			break; /* refused (or no JIT here) */
		run(prog, seed);
		uxdp_prog__put(prog);
	}
	return 0;
}
