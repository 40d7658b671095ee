// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader tests of source lines (BTF line info of .BTF.ext): a refused program
 * names the offending C line, its text and number, whether the bad access is
 * in the entry function or in a .text subprogram appended to it; a good
 * object's level-2 log puts each line before the instruction it starts, at
 * the program's final indices (a shared subprogram lands elsewhere in each
 * program, and a second program of a section starts again at 0).
 */
#include "loader_test.h"
#include "vm/vm_internal.h"

static int expect_bad_line(const char *name, const char *text, const char *where)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object *obj;

	LD_REQUIRE(name);
	errno = 0;
	obj = ld_open(name, log, true, NULL);
	if (obj) {
		uxdp_object__close(obj);
		UXDP_FAIL_AT("%s accepted", name);
	}
	ASSERT_EQ(errno, EACCES);
	ASSERT_STR_CONTAINS(log, "invalid access to packet");
	ASSERT_STR_CONTAINS(log, text);
	ASSERT_STR_CONTAINS(log, where);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lines_bad_read_in_subprogram_names_line, fast)
{
	return expect_bad_line(
		"ld_lines_bad_sub",
		"; \treturn p[20] == 0x45 ? XDP_DROP : XDP_PASS; /* unchecked byte in "
		"a subprogram */ @ ",
		"ld_lines_bad_sub.bpf.c:19\n");
}

UXDP_TEST(lines_bad_read_in_main_names_line, fast)
{
	return expect_bad_line(
		"ld_lines_bad_main",
		"; \treturn p[30] == 0x11 ? XDP_DROP : XDP_PASS; /* unchecked byte in "
		"the entry function */ @ ",
		"ld_lines_bad_main.bpf.c:26\n");
}

/* Index of the instruction logged right after the first line ending in "<suffix>)\n", or -1. */
static long insn_after_line(const char *log, const char *suffix)
{
	char pat[256];
	const char *at;

	snprintf(pat, sizeof(pat), "%s)\n", suffix);
	at = strstr(log, pat);
	if (!at)
		return -1;
	return strtol(at + strlen(pat), NULL, 10);
}

/* Index of the subprogram a program's first bpf-to-bpf call enters, or -1. */
static long call_target(struct uxdp_object *obj, size_t idx)
{
	const struct bpf_insn *in;
	size_t cnt, i;

	in = uxdp_object_prog_insns(obj, idx, &cnt);
	for (i = 0; in && i < cnt; i++)
		if (in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_CALL)
			return (long)i + in[i].imm + 1;
	return -1;
}

UXDP_TEST(lines_follow_subprogram_copies, fast)
{
	char *log = calloc(1, LD_LOG_SIZE * 16);
	struct uxdp_object_open_opts o = {
		.sz = sizeof(o), .log_buf = log, .log_size = LD_LOG_SIZE * 16, .log_level = 2};
	struct uxdp_object *obj;
	const char *shortp;
	long t_long, t_short, n;
	size_t cnt_long, cnt_short;
	char p[512];

	LD_REQUIRE("ld_lines_good");
	obj = uxdp_object__open_file(ld_obj_path("ld_lines_good", p, sizeof(p)), &o);
	if (!obj)
		UXDP_FAIL_AT("ld_lines_good refused:\n%s", log);
	ASSERT_EQ(uxdp_object__prog_cnt(obj), 2);
	ASSERT_STR_CONTAINS(obj->progs[0].name, "lines_long");
	ASSERT_NOT_NULL(uxdp_object_prog_insns(obj, 0, &cnt_long));
	ASSERT_NOT_NULL(uxdp_object_prog_insns(obj, 1, &cnt_short));
	t_long = call_target(obj, 0);
	t_short = call_target(obj, 1);
	ASSERT_TRUE(t_long > 0 && t_short > 0 && t_long != t_short);

	shortp = strstr(log, "program 'lines_short':\n");
	ASSERT_NOT_NULL(shortp);
	ASSERT_TRUE(strstr(log, "program 'lines_long':\n") < shortp);

	/* lines_long: its own lines stay before the call, shared_sub's after its copy */
	ASSERT_STR_CONTAINS(log, "; \tcounter += a * 7; /* lines_long bookkeeping */ (");
	n = insn_after_line(log, "ld_lines_good.bpf.c:22");
	ASSERT_TRUE(n >= 0 && n < t_long);
	n = insn_after_line(log, "ld_lines_good.bpf.c:14");
	ASSERT_TRUE(n >= t_long && n < (long)cnt_long);
	ASSERT_STR_CONTAINS(log, "; \treturn (x ^ 0x5a) + 17; /* shared_sub body */ (");

	/* lines_short: at section insn 19, yet its first line is at 0; its copy of the sub */
	ASSERT_EQ(insn_after_line(shortp, "ld_lines_good.bpf.c:31"), 0);
	n = insn_after_line(shortp, "ld_lines_good.bpf.c:14");
	ASSERT_TRUE(n >= t_short && n < (long)cnt_short);
	ASSERT_STR_CONTAINS(shortp, "shared_sub(ctx->ingress_ifindex) == 1 ? XDP_DROP : XDP_PASS;");
	uxdp_object__close(obj);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(lines_without_usable_btf_are_ignored, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object_open_opts o = {
		.sz = sizeof(o), .log_buf = log, .log_size = LD_LOG_SIZE, .object_name = "nobtf"};
	struct uxdp_object *obj;
	size_t size, off, sz;
	uint8_t *buf;

	LD_LOAD_OR_SKIP("ld_lines_good", buf, size);
	ASSERT_TRUE(ld_find_section(buf, size, ".BTF", &off, &sz));
	buf[off] ^= 0xff; /* magic: .BTF is then ignored (the object has no .maps) */
	obj = uxdp_object__open_mem(buf, size, &o);
	if (!obj)
		UXDP_FAIL_AT("refused:\n%s", log);
	ASSERT_STR_CONTAINS(log, "section '.BTF.ext': line info without a usable .BTF, ignored");
	ASSERT_EQ(uxdp_object__prog_cnt(obj), 2);
	ASSERT_NOT_NULL(uxdp_object__prog(obj, 1));
	uxdp_object__close(obj);
	free(buf);
	free(log);
	return UXDP_TEST_PASS;
}
