// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader tests on well-formed clang-built objects: map shapes, names,
 * contents and static initialisation; relocated instructions (map and
 * global-data lddw, subprogram calls, bpf_loop callback pointers, CO-RE);
 * program sections and types; and runs of the loaded programs.
 */
#include <bpf/btf.h>
#include <linux/if_ether.h>

#include "loader_test.h"
#include "map/map_internal.h"
#include "vm/vm_internal.h"

#define POISON_IMM 195896080

static const struct bpf_insn *prog_insns(struct uxdp_object *obj, const char *name, size_t *cnt)
{
	size_t i;

	for (i = 0; i < uxdp_object__prog_cnt(obj); i++)
		if (!strcmp(obj->progs[i].name, name))
			return uxdp_object_prog_insns(obj, i, cnt);
	return NULL;
}

/* Run an XDP program on a packet; returns the action or -1. */
static int run_pkt(struct uxdp_prog *prog, const void *pkt, uint32_t len)
{
	struct uxdp_exec_opts eo = {.sz = sizeof(eo)};
	struct uxdp_test_run_opts ro = {.sz = sizeof(ro)};
	struct uxdp_exec *ex = uxdp_exec__new(&eo);
	int err;

	if (!ex)
		return -1;
	ro.data_in = pkt;
	ro.data_size_in = len;
	err = uxdp_prog__test_run(prog, ex, &ro);
	uxdp_exec__free(ex);
	return err ? -1 : (int)ro.retval;
}

static const uint8_t ipv4_pkt[64] = {
	1,    2, 3, 4,	5,  6, 7, 8, 9,	 10, 11, 12, 0x08, 0x00, /* ethernet, IPv4 */
	0x45, 0, 0, 50, 0,  0, 0, 0, 64, 17, 0,	 0,		 /* ttl 64, UDP */
	10,   0, 0, 1,	10, 0, 0, 2,
};

struct map_shape {
	const char *name;
	uint32_t type, key, value, max, flags;
};

UXDP_TEST(maps_btf_shapes, fast)
{
	static const struct map_shape want[] = {
		{"arr", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0},
		{"hsh", BPF_MAP_TYPE_HASH, 8, 16, 32, BPF_F_NO_PREALLOC},
		{"pcpu", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0},
		{"locked", BPF_MAP_TYPE_LRU_HASH, 4, 16, 16, 0},
		{"devs", BPF_MAP_TYPE_DEVMAP, 4, 8, 8, 0},
		{"cpus", BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0},
		{"inner_a", BPF_MAP_TYPE_ARRAY, 4, 4, 3, 0},
		{"inner_b", BPF_MAP_TYPE_ARRAY, 4, 4, 3, 0},
		{"outer", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0},
		{"outer_hash", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0},
		{"jmp", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0},
	};
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	size_t i;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_EQ(uxdp_object__map_cnt(obj), 12);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct uxdp_map *m = uxdp_object__find_map(obj, want[i].name);

		if (!m)
			UXDP_FAIL_AT("no map %s", want[i].name);
		ASSERT_EQ(uxdp_map__type(m), want[i].type);
		ASSERT_EQ(uxdp_map__key_size(m), want[i].key);
		ASSERT_EQ(uxdp_map__value_size(m), want[i].value);
		ASSERT_EQ(uxdp_map__max_entries(m), want[i].max);
		ASSERT_EQ(uxdp_map__flags(m) & BPF_F_NO_PREALLOC, want[i].flags);
	}
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_btf_order_follows_section_offsets, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	size_t i;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	for (i = 1; i < obj->map_cnt; i++)
		ASSERT_TRUE(obj->maps[i - 1].sec_off < obj->maps[i].sec_off);
	for (i = 0; i < obj->map_cnt; i++)
		ASSERT_EQ(uxdp_object_map_index(obj, obj->maps[i].name), i);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_spin_lock_offset_from_btf, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_EQ(uxdp_object__find_map(obj, "locked")->spin_lock_off, 8);
	ASSERT_EQ(uxdp_object__find_map(obj, "arr")->spin_lock_off, -1);
	ASSERT_EQ(uxdp_object__find_map(obj, "hsh")->spin_lock_off, -1);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_ringbuf_and_inner_shape, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	struct uxdp_map *rb, *outer;
	long page = sysconf(_SC_PAGESIZE);

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	rb = uxdp_object__find_map(obj, "rb");
	ASSERT_NOT_NULL(rb);
	ASSERT_EQ(uxdp_map__type(rb), BPF_MAP_TYPE_RINGBUF);
	/* 5000 rounded up to a power-of-two number of pages, as libbpf does */
	ASSERT_EQ(uxdp_map__max_entries(rb), page >= 8192 ? page : 8192);
	outer = uxdp_object__find_map(obj, "outer");
	ASSERT_EQ(outer->inner_type, BPF_MAP_TYPE_ARRAY);
	ASSERT_EQ(outer->inner_key_size, 4);
	ASSERT_EQ(outer->inner_value_size, 4);
	ASSERT_EQ(outer->inner_max_entries, 3);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_map_in_map_static_values, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	struct uxdp_map *outer;
	uint32_t k, id;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	outer = uxdp_object__find_map(obj, "outer");
	k = 0;
	ASSERT_OK(uxdp_map__lookup_elem(outer, &k, &id));
	ASSERT_EQ(id, uxdp_map__id(uxdp_object__find_map(obj, "inner_b")));
	k = 2;
	ASSERT_OK(uxdp_map__lookup_elem(outer, &k, &id));
	ASSERT_EQ(id, uxdp_map__id(uxdp_object__find_map(obj, "inner_a")));
	k = 1;
	ASSERT_NE(uxdp_map__lookup_elem(outer, &k, &id), 0);
	k = 3;
	ASSERT_NE(uxdp_map__lookup_elem(outer, &k, &id), 0);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_prog_array_static_values, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	struct uxdp_map *jmp;
	uint32_t k, id;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	jmp = uxdp_object__find_map(obj, "jmp");
	k = 1;
	ASSERT_OK(uxdp_map__lookup_elem(jmp, &k, &id));
	ASSERT_EQ(id, uxdp_prog__id(uxdp_object__find_prog(obj, "tail_a")));
	k = 3;
	ASSERT_OK(uxdp_map__lookup_elem(jmp, &k, &id));
	ASSERT_EQ(id, uxdp_prog__id(uxdp_object__find_prog(obj, "tail_b")));
	k = 0;
	ASSERT_NE(uxdp_map__lookup_elem(jmp, &k, &id), 0);
	/* the tail call in use_maps lands in tail_a: XDP_DROP */
	ASSERT_EQ(run_pkt(uxdp_object__find_prog(obj, "use_maps"), ipv4_pkt, sizeof(ipv4_pkt)),
		  XDP_DROP);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_lddw_use_map_table_indices, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	bool used[16] = {false};
	size_t cnt, i, n = 0;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	in = prog_insns(obj, "use_maps", &cnt);
	ASSERT_NOT_NULL(in);
	for (i = 0; i < cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		ASSERT_EQ(in[i].src_reg, BPF_PSEUDO_MAP_IDX);
		ASSERT_TRUE(in[i].imm >= 0 && (size_t)in[i].imm < obj->map_cnt);
		ASSERT_EQ(in[i + 1].imm, 0);
		used[in[i].imm] = true;
		n++;
		i++;
	}
	ASSERT_EQ(n, 5);
	ASSERT_TRUE(used[uxdp_object_map_index(obj, "arr")]);
	ASSERT_TRUE(used[uxdp_object_map_index(obj, "pcpu")]);
	ASSERT_TRUE(used[uxdp_object_map_index(obj, "outer")]);
	ASSERT_TRUE(used[uxdp_object_map_index(obj, "locked")]);
	ASSERT_TRUE(used[uxdp_object_map_index(obj, "jmp")]);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(progs_sections_types_frags, fast)
{
	static const struct {
		const char *name, *sec;
		enum uxdp_prog_type type;
		bool frags;
	} want[] = {
		{"tail_a", "xdp", UXDP_PROG_XDP, false},
		{"tail_b", "xdp", UXDP_PROG_XDP, false},
		{"use_maps", "xdp", UXDP_PROG_XDP, false},
		{"frags_prog", "xdp.frags", UXDP_PROG_XDP, true},
		{"devmap_prog", "xdp/devmap", UXDP_PROG_XDP_DEVMAP, false},
		{"devmap_frags_prog", "xdp.frags/devmap", UXDP_PROG_XDP_DEVMAP, true},
		{"cpumap_prog", "xdp/cpumap", UXDP_PROG_XDP_CPUMAP, false},
		{"cpumap_frags_prog", "xdp.frags/cpumap", UXDP_PROG_XDP_CPUMAP, true},
	};
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	size_t i;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_EQ(uxdp_object__prog_cnt(obj), 8);
	for (i = 0; i < 8; i++) {
		struct uxdp_prog *p = uxdp_object__prog(obj, i);

		ASSERT_NOT_NULL(p);
		ASSERT_TRUE(!strcmp(uxdp_prog__name(p), want[i].name));
		ASSERT_TRUE(!strcmp(uxdp_object__prog_section(obj, i), want[i].sec));
		ASSERT_EQ(uxdp_prog__type(p), want[i].type);
		ASSERT_EQ(p->frags, want[i].frags);
		ASSERT_TRUE(uxdp_object__find_prog(obj, want[i].name) == p);
	}
	ASSERT_NULL(uxdp_object__find_prog(obj, "no_such_prog"));
	ASSERT_NULL(uxdp_object__prog(obj, 8));
	ASSERT_TRUE(!strcmp(uxdp_object__license(obj), "Dual BSD/GPL"));
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(data_map_names_follow_libbpf, fast)
{
	static const char *const want[] = {"ld_data.rodata", "ld_data.data", ".data.custom",
					   ".rodata.tbl", "ld_data.bss"};
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	size_t i;

	LD_REQUIRE("ld_data");
	obj = ld_open("ld_data", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_TRUE(!strcmp(uxdp_object__name(obj), "ld_data"));
	ASSERT_EQ(uxdp_object__map_cnt(obj), 5);
	for (i = 0; i < 5; i++) {
		struct uxdp_map *m = uxdp_object__map(obj, i);

		if (strcmp(uxdp_map__name(m), want[i]))
			UXDP_FAIL_AT("map %zu is '%s', want '%s'", i, uxdp_map__name(m), want[i]);
		ASSERT_EQ(uxdp_map__type(m), BPF_MAP_TYPE_ARRAY);
		ASSERT_EQ(uxdp_map__max_entries(m), 1);
		ASSERT_EQ(uxdp_map__key_size(m), 4);
	}
	/* also found by section name */
	ASSERT_TRUE(uxdp_object__find_map(obj, ".rodata") == uxdp_object__map(obj, 0));
	ASSERT_TRUE(uxdp_object__find_map(obj, ".bss") == uxdp_object__map(obj, 4));
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(data_map_name_prefix_from_object_name, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;

	LD_REQUIRE("ld_data");
	obj = ld_open("ld_data", log, false, "averyverylongname");
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_NOT_NULL(uxdp_object__find_map(obj, "averyver.rodata"));
	ASSERT_NOT_NULL(uxdp_object__find_map(obj, "averyver.data"));
	ASSERT_NOT_NULL(uxdp_object__find_map(obj, "averyver.bss"));
	ASSERT_NOT_NULL(uxdp_object__find_map(obj, ".data.custom"));
	ASSERT_TRUE(!strcmp(uxdp_object__name(obj), "averyverylongname"));
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(internal_map_name_rule, fast)
{
	static const struct {
		const char *obj, *sec, *want;
	} c[] = {
		{"xdp_filter", ".rodata", "xdp_filt.rodata"},
		{"xdp_filter", ".bss", "xdp_filt.bss"},
		{"xdp_filter", ".data", "xdp_filt.data"},
		{"ab", ".rodata", "ab.rodata"},
		{"a-b c", ".data", "a_b_c.data"},
		{"obj", ".data.custom", ".data.custom"},
		{"obj", ".rodata.str1.1", ".rodata.str1.1"},
		{"obj", ".rodata.a_very_long_name", ".rodata.a_very_"},
		{"", ".rodata", ".rodata"},
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uxdp_ld_internal_map_name(c[i].obj, c[i].sec, out);
		if (strcmp(out, c[i].want))
			UXDP_FAIL_AT("(%s, %s) -> '%s', want '%s'", c[i].obj, c[i].sec, out,
				     c[i].want);
	}
	return UXDP_TEST_PASS;
}

UXDP_TEST(data_initial_contents_and_flags, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	uint8_t *ro, *d, *bss, *cu, *tbl;
	uint32_t u32;
	uint64_t u64;
	size_t i;

	LD_REQUIRE("ld_data");
	obj = ld_open("ld_data", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ro = uxdp_map__array_data(uxdp_object__find_map(obj, "ld_data.rodata"));
	d = uxdp_map__array_data(uxdp_object__find_map(obj, "ld_data.data"));
	bss = uxdp_map__array_data(uxdp_object__find_map(obj, "ld_data.bss"));
	cu = uxdp_map__array_data(uxdp_object__find_map(obj, ".data.custom"));
	tbl = uxdp_map__array_data(uxdp_object__find_map(obj, ".rodata.tbl"));
	ASSERT_TRUE(ro && d && bss && cu && tbl);
	memcpy(&u32, ro, 4);
	ASSERT_EQ(u32, XDP_TX);
	memcpy(&u64, ro + 8, 8);
	ASSERT_EQ(u64, 0x1122334455667788ull);
	memcpy(&u64, d, 8);
	ASSERT_EQ(u64, 7);
	memcpy(&u32, d + 8, 4);
	ASSERT_EQ(u32, 9);
	memcpy(&u32, cu, 4);
	ASSERT_EQ(u32, 0xabcd);
	for (i = 0; i < 3; i++) {
		memcpy(&u32, tbl + 4 * i, 4);
		ASSERT_EQ(u32, 10 * (i + 1));
	}
	for (i = 0; i < 24; i++)
		ASSERT_EQ(bss[i], 0);
	ASSERT_TRUE(uxdp_map__flags(uxdp_object__find_map(obj, "ld_data.rodata")) &
		    BPF_F_RDONLY_PROG);
	ASSERT_TRUE(uxdp_map__flags(uxdp_object__find_map(obj, ".rodata.tbl")) & BPF_F_RDONLY_PROG);
	ASSERT_FALSE(uxdp_map__flags(uxdp_object__find_map(obj, "ld_data.data")) &
		     BPF_F_RDONLY_PROG);
	ASSERT_FALSE(uxdp_map__flags(uxdp_object__find_map(obj, "ld_data.bss")) &
		     BPF_F_RDONLY_PROG);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(data_lddw_map_value_offsets, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	size_t cnt, i, n = 0;
	bool used[8] = {false};
	int ro, bss;
	bool magic_seen = false, seen_off_ok = true;

	LD_REQUIRE("ld_data");
	obj = ld_open("ld_data", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ro = uxdp_object_map_index(obj, "ld_data.rodata");
	bss = uxdp_object_map_index(obj, "ld_data.bss");
	in = prog_insns(obj, "data_prog", &cnt);
	for (i = 0; i + 1 < cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (in[i].src_reg == 0) { /* the 64-bit constant compared with magic */
			ASSERT_EQ((uint32_t)in[i].imm, 0x55667788);
			ASSERT_EQ((uint32_t)in[i + 1].imm, 0x11223344);
			i++;
			continue;
		}
		ASSERT_EQ(in[i].src_reg, BPF_PSEUDO_MAP_IDX_VALUE);
		ASSERT_TRUE(in[i].imm >= 0 && in[i].imm < 5);
		ASSERT_TRUE((uint32_t)in[i + 1].imm < obj->maps[in[i].imm].value_size);
		used[in[i].imm] = true;
		if (in[i].imm == ro && in[i + 1].imm == 8)
			magic_seen = true;
		if (in[i].imm == bss && in[i + 1].imm != 0 && in[i + 1].imm != 8)
			seen_off_ok = false; /* hits at 0, seen[] at 8 */
		n++;
		i++;
	}
	ASSERT_TRUE(n >= 5);
	for (i = 0; i < 5; i++)
		ASSERT_TRUE(used[i]);
	ASSERT_TRUE(magic_seen);
	ASSERT_TRUE(seen_off_ok);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(data_program_reads_and_writes_globals, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	struct uxdp_prog *p;
	uint8_t *ro, *d, *bss;
	uint32_t v, seen1;
	uint64_t u64;

	LD_REQUIRE("ld_data");
	obj = ld_open("ld_data", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	p = uxdp_object__find_prog(obj, "data_prog");
	ASSERT_EQ(run_pkt(p, ipv4_pkt, sizeof(ipv4_pkt)), XDP_TX);
	ro = uxdp_map__array_data(uxdp_object__find_map(obj, ".rodata"));
	d = uxdp_map__array_data(uxdp_object__find_map(obj, ".data"));
	bss = uxdp_map__array_data(uxdp_object__find_map(obj, ".bss"));
	memcpy(&u64, d, 8);
	ASSERT_EQ(u64, 9); /* counter 7 + 2 */
	memcpy(&u64, bss, 8);
	ASSERT_EQ(u64, 1);		    /* hits */
	memcpy(&seen1, bss + 8 + 4 * 1, 4); /* ingress_ifindex 1 -> seen[1] = table[1] + custom */
	ASSERT_EQ(seen1, 20 + 0xabcd);
	/* the verdict comes from the map at run time, not from a copy */
	v = XDP_DROP;
	memcpy(ro, &v, 4);
	ASSERT_EQ(run_pkt(p, ipv4_pkt, sizeof(ipv4_pkt)), XDP_DROP);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

/* Index a call / function-pointer lddw at i points to. */
static long call_target(const struct bpf_insn *in, size_t i)
{
	return (long)i + in[i].imm + 1;
}

UXDP_TEST(calls_subprograms_appended_depth_first, fast)
{
	/* .text bodies, as clang wrote them (calls are relocated, so compare opcodes only) */
	static const uint8_t add3[] = {0xbc, 0x04, 0x95};
	static const uint8_t loop_cb[] = {0x61, 0x0c, 0x63, 0xb4, 0x95};
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	size_t cnt, i, calls = 0;
	long t;

	LD_REQUIRE("ld_calls");
	obj = ld_open("ld_calls", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	in = prog_insns(obj, "calls_main", &cnt);
	/* main (25) + loop_cb (5) + global_sub (3) + twice_plus3 (3) + add3 (3) */
	ASSERT_EQ(cnt, 39);
	for (i = 0; i < cnt; i++) {
		if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != BPF_PSEUDO_CALL)
			continue;
		t = call_target(in, i);
		ASSERT_TRUE(t >= 25 && t < (long)cnt);
		calls++;
	}
	ASSERT_EQ(calls, 4); /* two in main, one each in global_sub and twice_plus3 */
	/* libbpf's layout: loop_cb first reached, then global_sub, twice_plus3, add3 */
	for (i = 0; i < 5; i++)
		ASSERT_EQ(in[25 + i].code, loop_cb[i]);
	ASSERT_EQ(in[30].src_reg, BPF_PSEUDO_CALL);
	ASSERT_EQ(call_target(in, 30), 33);
	ASSERT_EQ(call_target(in, 33), 36);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(in[36 + i].code, add3[i]);
	/* add3(1) from main reaches the same copy */
	ASSERT_EQ(in[19].code, BPF_JMP | BPF_CALL);
	ASSERT_EQ(call_target(in, 19), 36);
	ASSERT_EQ(call_target(in, 14), 30);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(calls_bpf_loop_callback_is_pseudo_func, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	size_t cnt, i, n = 0;

	LD_REQUIRE("ld_calls");
	obj = ld_open("ld_calls", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	in = prog_insns(obj, "calls_main", &cnt);
	for (i = 0; i + 1 < cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW) || in[i].src_reg != BPF_PSEUDO_FUNC)
			continue;
		n++;
		ASSERT_EQ(i, 5);
		ASSERT_EQ(in[i].dst_reg, 2);
		ASSERT_EQ(call_target(in, i), 25); /* loop_cb's copy */
		ASSERT_EQ(in[i + 1].imm, 0);
	}
	ASSERT_EQ(n, 1);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(calls_each_program_gets_only_what_it_reaches, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	size_t cnt;

	LD_REQUIRE("ld_calls");
	obj = ld_open("ld_calls", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	in = prog_insns(obj, "calls_other", &cnt);
	ASSERT_EQ(cnt, 6); /* 3 + add3 */
	ASSERT_EQ(in[1].src_reg, BPF_PSEUDO_CALL);
	ASSERT_EQ(call_target(in, 1), 3);
	ASSERT_EQ(in[3].code, 0xbc);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(calls_programs_run, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	uint32_t sum;

	LD_REQUIRE("ld_calls");
	obj = ld_open("ld_calls", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_EQ(run_pkt(uxdp_object__find_prog(obj, "calls_main"), ipv4_pkt, sizeof(ipv4_pkt)),
		  XDP_TX);
	memcpy(&sum, uxdp_map__array_data(uxdp_object__find_map(obj, ".bss")), 4);
	ASSERT_EQ(sum, 10);
	ASSERT_EQ(run_pkt(uxdp_object__find_prog(obj, "calls_other"), ipv4_pkt, sizeof(ipv4_pkt)),
		  XDP_PASS);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(legacy_maps_before_btf_maps, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	struct uxdp_map *a, *h, *b;
	uint32_t k = 0;
	uint64_t v;

	LD_REQUIRE("ld_legacy");
	obj = ld_open("ld_legacy", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_EQ(uxdp_object__map_cnt(obj), 3);
	a = uxdp_object__map(obj, 0);
	h = uxdp_object__map(obj, 1);
	b = uxdp_object__map(obj, 2);
	ASSERT_TRUE(!strcmp(uxdp_map__name(a), "legacy_arr"));
	ASSERT_TRUE(!strcmp(uxdp_map__name(h), "legacy_hash"));
	ASSERT_TRUE(!strcmp(uxdp_map__name(b), "btf_arr"));
	ASSERT_EQ(uxdp_map__type(a), BPF_MAP_TYPE_ARRAY);
	ASSERT_EQ(uxdp_map__value_size(a), 8);
	ASSERT_EQ(uxdp_map__max_entries(a), 10);
	ASSERT_EQ(uxdp_map__type(h), BPF_MAP_TYPE_HASH);
	ASSERT_EQ(uxdp_map__max_entries(h), 64);
	ASSERT_EQ(uxdp_map__flags(h), BPF_F_NO_PREALLOC);
	ASSERT_EQ(run_pkt(uxdp_object__prog(obj, 0), ipv4_pkt, sizeof(ipv4_pkt)), XDP_PASS);
	ASSERT_OK(uxdp_map__lookup_elem(a, &k, &v));
	ASSERT_EQ(v, 1);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

static int btf_id_of(const char *obj_name, const char *type_name)
{
	char p[512];
	struct btf *btf = btf__parse_elf(ld_obj_path(obj_name, p, sizeof(p)), NULL);
	int id;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, type_name, BTF_KIND_STRUCT);
	btf__free(btf);
	return id;
}

UXDP_TEST(core_relocations_resolve_against_object_btf, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	uint8_t pkt[64];
	uint64_t r[16];
	long long roff = ld_sym_value("ld_core", "results");

	LD_REQUIRE("ld_core");
	ASSERT_TRUE(roff >= 0);
	obj = ld_open("ld_core", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	memcpy(pkt, ipv4_pkt, sizeof(pkt));
	ASSERT_EQ(run_pkt(uxdp_object__prog(obj, 0), pkt, sizeof(pkt)), XDP_TX);
	memcpy(r, (uint8_t *)uxdp_map__array_data(uxdp_object__find_map(obj, ".bss")) + roff,
	       sizeof(r));
	ASSERT_EQ(r[14], 0x0008); /* h_proto, network order read as LE */
	ASSERT_EQ(r[0], 64);	  /* ttl */
	ASSERT_EQ(r[1], 5);	  /* ihl bitfield */
	ASSERT_EQ(r[15], 4);	  /* version bitfield */
	ASSERT_EQ(r[2], 1);	  /* iphdr.tos exists */
	ASSERT_EQ(r[3], 0);	  /* foo has no 'added' */
	ASSERT_EQ(r[4], 4);	  /* sizeof saddr */
	ASSERT_EQ(r[5], 4);	  /* foo.b at 4, locally at 8 */
	ASSERT_EQ(r[6], 1);
	ASSERT_EQ(r[7], 8); /* sizeof(struct foo), locally 12 */
	ASSERT_EQ(r[8], 0); /* color has no BLUE */
	ASSERT_EQ(r[9], 5); /* color GREEN, locally 6 */
	/* f2->b read from packet offset 4 (relocated from 8) */
	ASSERT_EQ(r[10], (uint64_t)(pkt[4] | pkt[5] << 8 | pkt[6] << 16 | (uint32_t)pkt[7] << 24));
	ASSERT_EQ(r[11], btf_id_of("ld_core", "foo___v2"));
	ASSERT_EQ(r[12], btf_id_of("ld_core", "foo"));
	ASSERT_EQ(r[13], 1); /* int is signed */
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(core_ldx_offset_patched, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	size_t cnt, i;
	int off4 = 0, off8 = 0;

	LD_REQUIRE("ld_core");
	obj = ld_open("ld_core", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	in = prog_insns(obj, "core_prog", &cnt);
	/* the only 32-bit loads are f2->b (was +8, now +4) */
	for (i = 0; i < cnt; i++) {
		if (in[i].code == (BPF_LDX | BPF_MEM | BPF_W)) {
			off4 += in[i].off == 4;
			off8 += in[i].off == 8;
		}
		ASSERT_FALSE(in[i].code == (BPF_JMP | BPF_CALL) && in[i].imm == POISON_IMM);
	}
	ASSERT_TRUE(off4 >= 1);
	ASSERT_EQ(off8, 0);
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(core_missing_field_read_is_poisoned, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	const struct bpf_insn *in;
	size_t cnt, i, n = 0, loads = 0;

	LD_REQUIRE("ld_core_poison");
	obj = ld_open("ld_core_poison", log, false, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	in = prog_insns(obj, "poison_prog", &cnt);
	for (i = 0; i < cnt; i++) {
		if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].imm == POISON_IMM) {
			ASSERT_EQ(in[i].src_reg, 0);
			n++;
		}
		loads += in[i].code == (BPF_LDX | BPF_MEM | BPF_W);
	}
	ASSERT_EQ(n, 1);
	ASSERT_EQ(loads, 2); /* data and data_end; the b->y read became the poison call */
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(skipped_non_xdp_sections_warn, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;

	LD_REQUIRE("ld_mixed");
	obj = ld_open("ld_mixed", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	ASSERT_EQ(uxdp_object__prog_cnt(obj), 1);
	ASSERT_NOT_NULL(uxdp_object__find_prog(obj, "xdp_keep"));
	ASSERT_NULL(uxdp_object__find_prog(obj, "tc_prog"));
	ASSERT_STR_CONTAINS(log, "ld_mixed.bpf.o: section 'tc': not an XDP program section");
	ASSERT_STR_CONTAINS(log, "section 'kprobe/do_sys_open'");
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(open_mem_matches_open_file, fast)
{
	struct uxdp_object_open_opts o = {.sz = sizeof(o), .object_name = "memobj"};
	struct uxdp_object *obj;
	size_t size;
	void *buf;

	LD_LOAD_OR_SKIP("ld_data", buf, size);
	obj = uxdp_object__open_mem(buf, size, &o);
	memset(buf, 0, size); /* the object must not keep the buffer */
	free(buf);
	ASSERT_NOT_NULL(obj);
	ASSERT_TRUE(!strcmp(uxdp_object__name(obj), "memobj"));
	ASSERT_NOT_NULL(uxdp_object__find_map(obj, "memobj.rodata"));
	ASSERT_EQ(run_pkt(uxdp_object__prog(obj, 0), ipv4_pkt, sizeof(ipv4_pkt)), XDP_TX);
	uxdp_object__close(obj);
	return UXDP_TEST_PASS;
}

UXDP_TEST(maps_outlive_object_when_referenced, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;
	struct uxdp_map *m;
	struct uxdp_prog *p;
	uint32_t k = 0;
	uint64_t v = 42, got = 0;

	LD_REQUIRE("ld_maps");
	obj = ld_open("ld_maps", log, true, NULL);
	if (!obj)
		UXDP_FAIL_AT("open failed: %s", log);
	m = uxdp_map__get(uxdp_object__find_map(obj, "arr"));
	p = uxdp_prog__get(uxdp_object__find_prog(obj, "use_maps"));
	uxdp_object__close(obj);
	ASSERT_OK(uxdp_map__update_elem(m, &k, &v, 0));
	ASSERT_OK(uxdp_map__lookup_elem(m, &k, &got));
	ASSERT_EQ(got, 42);
	ASSERT_TRUE(!strcmp(uxdp_prog__name(p), "use_maps"));
	uxdp_prog__put(p);
	uxdp_map__put(m);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(close_null_and_accessors_tolerate_null, fast)
{
	uxdp_object__close(NULL);
	ASSERT_EQ(uxdp_object__prog_cnt(NULL), 0);
	ASSERT_EQ(uxdp_object__map_cnt(NULL), 0);
	ASSERT_NULL(uxdp_object__find_map(NULL, "x"));
	ASSERT_NULL(uxdp_object__name(NULL));
	return UXDP_TEST_PASS;
}
