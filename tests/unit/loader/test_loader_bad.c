// SPDX-License-Identifier: BSD-2-Clause
/*
 * Loader tests on bad input: truncated and bit-flipped objects, non-BPF and
 * non-ELF files, unknown sections, unsupported or dangling relocations, bad
 * map definitions, CO-RE records the loader cannot apply, programs too large
 * or refused by uxdp_prog__load(). Each refusal must come back as NULL with
 * errno and a log line naming the place; none may crash or leak.
 */
#include <sys/mman.h>

#include "loader_test.h"
#include "vm/vm_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* ---- a minimal ET_REL writer for hand-made objects ---- */

struct sec_spec {
	const char *name;
	uint32_t type;
	uint64_t flags;
	const void *data;
	size_t size;
	uint32_t link, info;
	size_t entsize;
};

/* Sections get indices 1..n in order; .shstrtab is added as n+1. */
static void *build_elf(const struct sec_spec *secs, size_t n, size_t *out_size)
{
	char shstr[1024];
	size_t shlen = 1, i, name_off[32];
	void *img = NULL;
	Elf *elf;
	Elf64_Ehdr *eh;
	int fd;

	shstr[0] = '\0';
	for (i = 0; i < n; i++) {
		name_off[i] = shlen;
		shlen += snprintf(shstr + shlen, sizeof(shstr) - shlen, "%s", secs[i].name) + 1;
	}
	name_off[n] = shlen;
	shlen += snprintf(shstr + shlen, sizeof(shstr) - shlen, ".shstrtab") + 1;

	elf_version(EV_CURRENT);
	fd = memfd_create("elf", 0);
	if (fd < 0)
		return NULL;
	elf = elf_begin(fd, ELF_C_WRITE, NULL);
	eh = elf64_newehdr(elf);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_REL;
	eh->e_machine = EM_BPF;
	eh->e_version = EV_CURRENT;
	for (i = 0; i <= n; i++) {
		Elf_Scn *scn = elf_newscn(elf);
		Elf_Data *d = elf_newdata(scn);
		Elf64_Shdr *sh = elf64_getshdr(scn);

		if (i < n) {
			d->d_buf = (void *)secs[i].data;
			d->d_size = secs[i].size;
			sh->sh_type = secs[i].type;
			sh->sh_flags = secs[i].flags;
			sh->sh_link = secs[i].link;
			sh->sh_info = secs[i].info;
			sh->sh_entsize = secs[i].entsize;
		} else {
			d->d_buf = shstr;
			d->d_size = shlen;
			sh->sh_type = SHT_STRTAB;
		}
		d->d_align = 8;
		d->d_type = ELF_T_BYTE;
		sh->sh_name = name_off[i];
	}
	eh->e_shstrndx = n + 1;
	if (elf_update(elf, ELF_C_WRITE) > 0) {
		off_t sz = lseek(fd, 0, SEEK_END);

		img = malloc(sz);
		if (img && pread(fd, img, sz, 0) == sz)
			*out_size = sz;
		else {
			free(img);
			img = NULL;
		}
	}
	elf_end(elf);
	close(fd);
	return img;
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV0 INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* strtab: "\0f\0g\0" -> "f" at 1, "g" at 3 */
static const char two_names[] = "\0f\0g";

/* An object: [1] xdp code, [2] .strtab, [3] .symtab, [4] optional .relxdp */
static void *build_prog_obj(const struct bpf_insn *code, size_t cnt, const Elf64_Sym *syms,
			    size_t nsyms, const Elf64_Rel *rels, size_t nrels, size_t *size)
{
	struct sec_spec s[4] = {
		{"xdp", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, cnt * sizeof(*code)},
		{".strtab", SHT_STRTAB, 0, two_names, sizeof(two_names)},
		{".symtab", SHT_SYMTAB, 0, syms, nsyms * sizeof(*syms), 2, 1, sizeof(Elf64_Sym)},
		{".relxdp", SHT_REL, 0, rels, nrels * sizeof(*rels), 3, 1, sizeof(Elf64_Rel)},
	};

	return build_elf(s, rels ? 4 : 3, size);
}

static Elf64_Sym func_sym(uint32_t name, uint16_t shndx, uint64_t off, uint64_t size)
{
	return (Elf64_Sym){.st_name = name,
			   .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			   .st_shndx = shndx,
			   .st_value = off,
			   .st_size = size};
}

UXDP_TEST(built_object_loads, fast)
{
	struct bpf_insn code[] = {INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS), EXIT};
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 0, sizeof(code))};
	char *log = calloc(1, LD_LOG_SIZE);
	struct uxdp_object_open_opts o = {.sz = sizeof(o), .log_buf = log, .log_size = LD_LOG_SIZE};
	struct uxdp_object *obj;
	size_t size;
	void *img = build_prog_obj(code, 2, syms, 2, NULL, 0, &size);

	ASSERT_NOT_NULL(img);
	obj = uxdp_object__open_mem(img, size, &o);
	if (!obj)
		UXDP_FAIL_AT("hand-made object refused: %s", log);
	ASSERT_EQ(uxdp_object__prog_cnt(obj), 1);
	ASSERT_TRUE(!strcmp(uxdp_prog__name(uxdp_object__prog(obj, 0)), "f"));
	ASSERT_TRUE(!strcmp(uxdp_object__license(obj), ""));
	uxdp_object__close(obj);
	free(img);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(bad_too_many_insns, slow)
{
	size_t cnt = UXDP_MAX_INSNS + 1, size, i;
	struct bpf_insn *code = malloc(cnt * sizeof(*code));
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 0, cnt * sizeof(*code))};
	char *log = calloc(1, LD_LOG_SIZE);
	void *img;
	int rc;

	for (i = 0; i + 1 < cnt; i++)
		code[i] = MOV0;
	code[cnt - 1] = EXIT;
	img = build_prog_obj(code, cnt, syms, 2, NULL, 0, &size);
	ASSERT_NOT_NULL(img);
	rc = ld_expect_refusal(img, size, "program 'f': 1000001 instructions, more than 1000000",
			       log);
	ASSERT_EQ(errno, E2BIG);
	free(img);
	free(code);
	free(log);
	return rc;
}

UXDP_TEST(bad_program_refused_by_prog_load, fast)
{
	struct bpf_insn code[] = {INSN(0xff, 0, 0, 0, 0), EXIT};
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 0, sizeof(code))};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_prog_obj(code, 2, syms, 2, NULL, 0, &size);
	int rc;

	ASSERT_NOT_NULL(img);
	rc = ld_expect_refusal(img, size, "bad: section 'xdp': program 'f': load failed", log);
	/* the runtime's own log follows, naming the instruction */
	ASSERT_STR_CONTAINS(log, "0");
	ASSERT_TRUE(strchr(strstr(log, "load failed"), '\n')[1] != '\0');
	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_call_into_middle_of_function, fast)
{
	struct bpf_insn code[] = {INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0), MOV0, EXIT};
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 0, sizeof(code))};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_prog_obj(code, 3, syms, 2, NULL, 0, &size);
	int rc;

	rc = ld_expect_refusal(img, size,
			       "section 'xdp': insn 0: call target (insn 1 of 'xdp') "
			       "is not the start of a function",
			       log);
	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_call_relocation_outside_text, fast)
{
	struct bpf_insn code[] = {INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1), EXIT, MOV0,
				  EXIT};
	Elf64_Sym syms[3] = {{0}, func_sym(1, 1, 0, 16), func_sym(3, 1, 16, 16)};
	Elf64_Rel rel = {.r_offset = 0, .r_info = ELF64_R_INFO(2, 10)};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_prog_obj(code, 4, syms, 3, &rel, 1, &size);
	int rc;

	rc = ld_expect_refusal(img, size,
			       "insn 0: call to 'g' in section 'xdp': subprograms must "
			       "be in .text",
			       log);
	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_relocation_on_plain_insn, fast)
{
	struct bpf_insn code[] = {MOV0, EXIT};
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 0, sizeof(code))};
	Elf64_Rel rel = {.r_offset = 0, .r_info = ELF64_R_INFO(1, 1)};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_prog_obj(code, 2, syms, 2, &rel, 1, &size);
	int rc;

	rc = ld_expect_refusal(img, size,
			       "insn 0: R_BPF_64_64 relocation against 'f' on an "
			       "instruction (code 0xb7) that is neither lddw nor call",
			       log);
	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_relocation_offsets, fast)
{
	struct bpf_insn code[] = {MOV0, EXIT};
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 0, sizeof(code))};
	Elf64_Rel rel = {.r_offset = 3, .r_info = ELF64_R_INFO(1, 1)};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_prog_obj(code, 2, syms, 2, &rel, 1, &size);
	int rc;

	rc = ld_expect_refusal(img, size, "section 'xdp': relocation #0: bad offset 3", log);
	free(img);
	rel.r_offset = 64;
	img = build_prog_obj(code, 2, syms, 2, &rel, 1, &size);
	rc |= ld_expect_refusal(img, size, "relocation #0: bad offset 64", log);
	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_no_symbol_table, fast)
{
	struct bpf_insn code[] = {MOV0, EXIT};
	struct sec_spec s[1] = {
		{"xdp", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, sizeof(code)},
	};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_elf(s, 1, &size);
	int rc = ld_expect_refusal(img, size, "bad: corrupt ELF: no symbol table", log);

	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_function_crosses_section_end, fast)
{
	struct bpf_insn code[] = {MOV0, EXIT};
	Elf64_Sym syms[2] = {{0}, func_sym(1, 1, 8, 16)};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *img = build_prog_obj(code, 2, syms, 2, NULL, 0, &size);
	int rc = ld_expect_refusal(img, size, "section 'xdp': function 'f' at offset 8 (size 16)",
				   log);

	free(img);
	free(log);
	return rc;
}

UXDP_TEST(bad_legacy_map_section_size, fast)
{
	uint32_t defs[5] = {BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0};
	Elf64_Sym syms[4] = {{0}};
	struct sec_spec s[3] = {
		{"maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, defs, sizeof(defs)},
		{".strtab", SHT_STRTAB, 0, two_names, sizeof(two_names)},
		{".symtab", SHT_SYMTAB, 0, syms, sizeof(syms), 2, 1, sizeof(Elf64_Sym)},
	};
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, i;
	void *img;
	int rc;

	for (i = 1; i < 4; i++)
		syms[i] = (Elf64_Sym){.st_name = 1,
				      .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
				      .st_shndx = 1,
				      .st_value = 0,
				      .st_size = 20};
	img = build_elf(s, 3, &size);
	rc = ld_expect_refusal(img, size, "section 'maps': 20 bytes for 3 maps", log);
	free(img);
	free(log);
	return rc;
}

/* ---- corrupted copies of real objects ---- */

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

UXDP_TEST(bad_truncated_at_many_lengths, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, len, tried = 0;
	uint8_t *buf, *cut;

	LD_LOAD_OR_SKIP("ld_maps", buf, size);
	for (len = 1; len < size; len += len < 1024 ? 1 : 97) {
		struct uxdp_object_open_opts o = {.sz = sizeof(o),
						  .log_buf = log,
						  .log_size = LD_LOG_SIZE,
						  .object_name = "cut"};
		struct uxdp_object *obj;

		cut = malloc(len); /* exact-size copy: ASan sees any overread */
		memcpy(cut, buf, len);
		errno = 0;
		obj = uxdp_object_open_mem_internal(cut, len, &o, false);
		free(cut);
		tried++;
		if (obj)
			UXDP_FAIL_AT("truncated at %zu of %zu bytes, yet accepted", len, size);
		ASSERT_EQ(errno, EINVAL);
		ASSERT_STR_CONTAINS(log, "cut: ");
	}
	ASSERT_TRUE(tried > 1000);
	free(buf);
	free(log);
	return UXDP_TEST_PASS;
}

static int flip_run(const char *name, uint32_t seed, int rounds)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	uint8_t *buf, *mut;
	int r, refused = 0;

	LD_LOAD_OR_SKIP(name, buf, size);
	mut = malloc(size);
	/*
	 * A flipped bit in max_entries can ask for tens of GiB (a 2^31-entry
	 * devmap); cap map memory as an embedder loading untrusted objects does,
	 * so the test exercises parsing, not the machine's memory.
	 */
	uxdp_loader_set_map_limit(64u << 20);
	for (r = 0; r < rounds; r++) {
		struct uxdp_object_open_opts o = {.sz = sizeof(o),
						  .log_buf = log,
						  .log_size = LD_LOG_SIZE,
						  .object_name = "flip"};
		struct uxdp_object *obj;
		int k, nflips = 1 + lcg(&seed) % 4;

		memcpy(mut, buf, size);
		for (k = 0; k < nflips; k++) {
			size_t at = lcg(&seed) % size;

			mut[at] ^= (uint8_t)(1u << (lcg(&seed) % 8));
		}
		errno = 0;
		obj = uxdp_object_open_mem_internal(mut, size, &o, r % 2);
		if (obj) {
			uxdp_object__close(obj);
			continue;
		}
		refused++;
		ASSERT_NE(errno, 0);
		if (errno == EINVAL && !strstr(log, "flip: "))
			UXDP_FAIL_AT("%s round %d: EINVAL without a log line", name, r);
	}
	uxdp_loader_set_map_limit(0);
	free(mut);
	free(buf);
	free(log);
	fprintf(stderr, "%s: %d of %d mutants refused\n", name, refused, rounds);
	return UXDP_TEST_PASS;
}

UXDP_TEST(bad_flipped_bits_maps_object, slow)
{
	return flip_run("ld_maps", 1, 1500);
}

UXDP_TEST(bad_flipped_bits_core_object, slow)
{
	return flip_run("ld_core", 2, 1500);
}

UXDP_TEST(bad_flipped_bits_calls_object, slow)
{
	return flip_run("ld_calls", 3, 1500);
}

UXDP_TEST(bad_not_elf, fast)
{
	static const char text[] = "this is not an ELF object at all, just some text\n";
	char *log = calloc(1, LD_LOG_SIZE);
	int rc = ld_expect_refusal(text, sizeof(text), "bad: not an ELF file", log);

	ASSERT_EQ(errno, EINVAL);
	free(log);
	return rc;
}

UXDP_TEST(bad_host_executable, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	void *buf = ld_read_file("/proc/self/exe", &size);
	int rc;

	if (!buf) {
		char path[4096];
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

		ASSERT_TRUE(n > 0);
		path[n] = '\0';
		buf = ld_read_file(path, &size);
	}
	ASSERT_NOT_NULL(buf);
	rc = ld_expect_refusal(buf, size, "not a BPF object file", log);
	free(buf);
	free(log);
	return rc;
}

static int patched_refusal(const char *name, size_t off, const void *bytes, size_t n,
			   const char *frag)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size;
	uint8_t *buf;
	int rc;

	LD_LOAD_OR_SKIP(name, buf, size);
	ASSERT_TRUE(off + n <= size);
	memcpy(buf + off, bytes, n);
	rc = ld_expect_refusal(buf, size, frag, log);
	free(buf);
	free(log);
	return rc;
}

UXDP_TEST(bad_wrong_machine, fast)
{
	uint16_t m = 62; /* EM_X86_64 */

	return patched_refusal("ld_data", 18, &m, 2, "e_machine 62; want ET_REL, EM_BPF");
}

UXDP_TEST(bad_elf32_class, fast)
{
	uint8_t c = ELFCLASS32;

	return patched_refusal("ld_data", EI_CLASS, &c, 1, "not a 64-bit ELF object");
}

UXDP_TEST(bad_big_endian, fast)
{
	uint8_t d = ELFDATA2MSB;

	return patched_refusal("ld_data", EI_DATA, &d, 1, "big-endian BPF object");
}

UXDP_TEST(bad_not_relocatable, fast)
{
	uint16_t t = ET_EXEC;

	return patched_refusal("ld_data", 16, &t, 2, "e_type 2");
}

/* Patch the first relocation of .relxdp in ld_data. */
static int patch_first_rel(uint32_t sym, uint32_t type, const char *frag)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, off, sz;
	uint8_t *buf;
	Elf64_Rel rel;
	int rc;

	LD_LOAD_OR_SKIP("ld_data", buf, size);
	ASSERT_TRUE(ld_find_section(buf, size, ".relxdp", &off, &sz));
	ASSERT_TRUE(sz >= sizeof(rel));
	memcpy(&rel, buf + off, sizeof(rel));
	rel.r_info = ELF64_R_INFO(sym ? sym : ELF64_R_SYM(rel.r_info), type);
	memcpy(buf + off, &rel, sizeof(rel));
	rc = ld_expect_refusal(buf, size, frag, log);
	free(buf);
	free(log);
	return rc;
}

UXDP_TEST(bad_unknown_relocation_type, fast)
{
	return patch_first_rel(0, 3, "section 'xdp': insn ") ?:
		       patch_first_rel(0, 3, "unsupported relocation type 3 (R_BPF_64_ABS32)") ?:
		       patch_first_rel(0, 77, "unsupported relocation type 77 (unknown)");
}

UXDP_TEST(bad_relocation_missing_symbol, fast)
{
	return patch_first_rel(0x7fffff, 1, "relocation against missing symbol #8388607");
}

UXDP_TEST(bad_corrupt_btf_with_maps, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, off, sz;
	uint8_t *buf;
	int rc;

	LD_LOAD_OR_SKIP("ld_maps", buf, size);
	ASSERT_TRUE(ld_find_section(buf, size, ".BTF", &off, &sz));
	buf[off] ^= 0xff; /* magic */
	rc = ld_expect_refusal(buf, size, "section '.BTF': corrupt BTF", log);
	free(buf);
	free(log);
	return rc;
}

/* Patch a field of the first CO-RE record of ld_core's .BTF.ext. */
static int patch_core_rec(size_t field_off, uint32_t val, const char *frag)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, off, sz;
	uint32_t hdr_len, core_off;
	uint8_t *buf;
	int rc;

	LD_LOAD_OR_SKIP("ld_core", buf, size);
	ASSERT_TRUE(ld_find_section(buf, size, ".BTF.ext", &off, &sz));
	memcpy(&hdr_len, buf + off + 4, 4);
	memcpy(&core_off, buf + off + 24, 4);
	/* rec_size, then sec_name_off + num_info, then the first record */
	memcpy(buf + off + hdr_len + core_off + 4 + 8 + field_off, &val, 4);
	rc = ld_expect_refusal(buf, size, frag, log);
	free(buf);
	free(log);
	return rc;
}

UXDP_TEST(bad_core_unknown_kind, fast)
{
	return patch_core_rec(12, 99, "CO-RE relocation #0: unsupported relocation kind 99");
}

UXDP_TEST(bad_core_access_string, fast)
{
	return patch_core_rec(8, 0, "CO-RE relocation #0: cannot parse access ''");
}

UXDP_TEST(bad_core_type_id, fast)
{
	return patch_core_rec(4, 0x7fffffff, "bad type id 2147483647");
}

UXDP_TEST(bad_core_misaligned_insn, fast)
{
	return patch_core_rec(0, 3, "misaligned instruction offset 3");
}

UXDP_TEST(bad_core_records_unknown_section, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, off, sz;
	uint32_t hdr_len, core_off, name_off = 1; /* some other BTF string */
	uint8_t *buf;
	int rc;

	LD_LOAD_OR_SKIP("ld_core", buf, size);
	ASSERT_TRUE(ld_find_section(buf, size, ".BTF.ext", &off, &sz));
	memcpy(&hdr_len, buf + off + 4, 4);
	memcpy(&core_off, buf + off + 24, 4);
	memcpy(buf + off + hdr_len + core_off + 4, &name_off, 4);
	rc = ld_expect_refusal(buf, size, "CO-RE records for unknown section", log);
	free(buf);
	free(log);
	return rc;
}

/* ---- BTF line info (.BTF.ext) ---- */

/* Where ld_lines_good's line info starts (its rec_size word) in buf, or 0. */
static size_t line_info_at(uint8_t *buf, size_t size, size_t *ext_off, uint32_t *len)
{
	size_t off, sz;
	uint32_t hdr_len, li_off;

	if (!ld_find_section(buf, size, ".BTF.ext", &off, &sz) || sz < 24)
		return 0;
	memcpy(&hdr_len, buf + off + 4, 4);
	memcpy(&li_off, buf + off + 16, 4);
	memcpy(len, buf + off + 20, 4);
	*ext_off = off;
	return off + hdr_len + li_off;
}

/*
 * Patch one 32-bit word of ld_lines_good's line info: at (bytes from the
 * rec_size word; 4 = the first block's sec_name_off, 12 = its first record),
 * or the header's line_info_len if at < 0. The object must be refused naming
 * .BTF.ext and frag.
 */
static int patch_line_info(long at, uint32_t val, const char *frag)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, ext, li;
	uint32_t len;
	uint8_t *buf;
	int rc;

	LD_LOAD_OR_SKIP("ld_lines_good", buf, size);
	li = line_info_at(buf, size, &ext, &len);
	ASSERT_TRUE(li && len > 12 + 16);
	memcpy(at < 0 ? buf + ext + 20 : buf + li + at, &val, 4);
	rc = ld_expect_refusal(buf, size, "section '.BTF.ext': ", log);
	if (rc == UXDP_TEST_PASS)
		rc = ld_expect_refusal(buf, size, frag, log);
	free(buf);
	free(log);
	return rc;
}

UXDP_TEST(bad_line_info_past_section_end, fast)
{
	return patch_line_info(-1, 0xfffffff0u, "line info out of bounds");
}

UXDP_TEST(bad_line_info_truncated_block_header, fast)
{
	return patch_line_info(-1, 4 + 6, "truncated line info section header");
}

UXDP_TEST(bad_line_info_truncated_records, fast)
{
	return patch_line_info(-1, 4 + 8 + 16 + 5, "bad line info record count");
}

UXDP_TEST(bad_line_info_record_size, fast)
{
	return patch_line_info(0, 3, "bad line info record size 3");
}

UXDP_TEST(bad_line_info_record_count, fast)
{
	return patch_line_info(8, 0x10000000u, "bad line info record count 268435456");
}

UXDP_TEST(bad_line_info_unknown_section, fast)
{
	return patch_line_info(4, 1, "line info for unknown section");
}

UXDP_TEST(bad_line_info_unnamed_section, fast)
{
	return patch_line_info(4, 0x7ffffff0u, "line info for an unnamed section");
}

UXDP_TEST(bad_line_info_misaligned_insn, fast)
{
	return patch_line_info(12, 3, "misaligned instruction offset 3");
}

UXDP_TEST(bad_line_info_insn_outside_functions, fast)
{
	return patch_line_info(12, 0x100000, "insn 131072 outside any function");
}

UXDP_TEST(bad_line_info_file_string, fast)
{
	return patch_line_info(12 + 4, 0x7fffffffu, "bad string offset (file 2147483647");
}

UXDP_TEST(bad_line_info_line_string, fast)
{
	return patch_line_info(12 + 8, 0xfffffff0u, "bad string offset");
}

/* Random bit flips confined to the line info bytes: refused naming .BTF.ext, or loaded. */
UXDP_TEST(bad_line_info_flipped_bits, fast)
{
	char *log = calloc(1, LD_LOG_SIZE);
	size_t size, ext, li;
	uint32_t len, seed = 7;
	uint8_t *buf, *mut;
	int r, refused = 0, loaded = 0;

	LD_LOAD_OR_SKIP("ld_lines_good", buf, size);
	li = line_info_at(buf, size, &ext, &len);
	ASSERT_TRUE(li && li + len <= size);
	mut = malloc(size);
	for (r = 0; r < 600; r++) {
		struct uxdp_object_open_opts o = {.sz = sizeof(o),
						  .log_buf = log,
						  .log_size = LD_LOG_SIZE,
						  .object_name = "flip",
						  .log_level = r % 3 == 0 ? 1 : 0};
		struct uxdp_object *obj;
		int k, nflips = 1 + lcg(&seed) % 3;

		memcpy(mut, buf, size);
		for (k = 0; k < nflips; k++)
			mut[li + lcg(&seed) % len] ^= (uint8_t)(1u << (lcg(&seed) % 8));
		errno = 0;
		obj = uxdp_object_open_mem_internal(mut, size, &o, true);
		if (obj) {
			loaded++;
			uxdp_object__close(obj);
			continue;
		}
		refused++;
		ASSERT_EQ(errno, EINVAL);
		if (!strstr(log, "flip: section '.BTF.ext': "))
			UXDP_FAIL_AT("round %d: refused without naming .BTF.ext:\n%s", r, log);
	}
	fprintf(stderr, "line info flips: %d refused, %d loaded\n", refused, loaded);
	ASSERT_TRUE(refused > 0 && loaded > 0);
	free(mut);
	free(buf);
	free(log);
	return UXDP_TEST_PASS;
}

/* ---- clang-built objects that must be refused ---- */

static int obj_refusal(const char *name, const char *frag)
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
	ASSERT_EQ(errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP, true);
	ASSERT_STR_CONTAINS(log, name);
	ASSERT_STR_CONTAINS(log, frag);
	free(log);
	return UXDP_TEST_PASS;
}

UXDP_TEST(bad_unknown_program_section, fast)
{
	return obj_refusal("ld_bad_section", "section 'xdp_bogus/thing': unknown program section");
}

UXDP_TEST(bad_btf_map_unknown_field, fast)
{
	return obj_refusal("ld_bad_mapfield", "section '.maps': map 'odd': unknown field 'colour'");
}

UXDP_TEST(bad_extern_symbol, fast)
{
	return obj_refusal("ld_extern", "section 'xdp': insn 0: relocation against undefined "
					"symbol 'not_defined_anywhere'");
}

UXDP_TEST(bad_function_pointer_in_data, fast)
{
	return obj_refusal("ld_data_fnptr", "section '.data': offset 0 holds the address of");
}

UXDP_TEST(bad_static_program, fast)
{
	return obj_refusal("ld_static_prog", "section 'xdp': program 'hidden' is static");
}

UXDP_TEST(bad_missing_file, fast)
{
	char log[256] = "";
	struct uxdp_object_open_opts o = {.sz = sizeof(o), .log_buf = log, .log_size = sizeof(log)};

	errno = 0;
	ASSERT_NULL(uxdp_object__open_file("/nonexistent/dir/x.bpf.o", &o));
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STR_CONTAINS(log, "/nonexistent/dir/x.bpf.o: cannot open");
	return UXDP_TEST_PASS;
}

UXDP_TEST(bad_arguments, fast)
{
	struct uxdp_object_open_opts o = {.sz = 4};
	static const char x[8];

	errno = 0;
	ASSERT_NULL(uxdp_object__open_mem(NULL, 10, NULL));
	ASSERT_EQ(errno, EINVAL);
	errno = 0;
	ASSERT_NULL(uxdp_object__open_mem(x, 0, NULL));
	ASSERT_EQ(errno, EINVAL);
	errno = 0;
	ASSERT_NULL(uxdp_object__open_mem(x, sizeof(x), &o));
	ASSERT_EQ(errno, EINVAL);
	/* without a log buffer the refusal still sets errno */
	errno = 0;
	ASSERT_NULL(uxdp_object__open_mem(x, sizeof(x), NULL));
	ASSERT_EQ(errno, EINVAL);
	return UXDP_TEST_PASS;
}
