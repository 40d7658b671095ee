// SPDX-License-Identifier: BSD-2-Clause
/*
 * ELF object loader, first stage and public API: reads a `clang -target bpf`
 * object with libelf, classifies its sections (program sections by their
 * libbpf names, maps, global data, BTF), collects the symbol table and the
 * functions (entry programs and .text subprograms), then drives the other
 * stages (maps.c, core.c, lines.c, relo.c) and loads each program with
 * uxdp_prog__load(). Every input byte is untrusted: all offsets and sizes are
 * checked before use, and every refusal names the file and the place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>

#include "loader/loader_internal.h"
#include "map/map_internal.h"
#include "vm/vm_internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* Load log of one program, kept to quote it when the load fails. */
#define PROG_LOG_SIZE 16384

static void ld_vlog(struct uxdp_loader *ld, enum uxdp_print_level level, const char *fmt,
		    va_list ap)
{
	char msg[1024];
	size_t used;
	int n;

	n = snprintf(msg, sizeof(msg), "%s: ", ld->path);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (ld->log_buf && ld->log_size) {
		used = strnlen(ld->log_buf, ld->log_size);
		if (used < ld->log_size - 1)
			snprintf(ld->log_buf + used, ld->log_size - used, "%s\n", msg);
	}
	uxdp_pr(level, "%s\n", msg);
}

void uxdp_ld_err(struct uxdp_loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_vlog(ld, UXDP_WARN, fmt, ap);
	va_end(ap);
}

void uxdp_ld_warn(struct uxdp_loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_vlog(ld, UXDP_INFO, fmt, ap);
	va_end(ap);
}

/* XDP program sections (libbpf's SEC() names for BPF_PROG_TYPE_XDP). */
static const struct {
	const char *name;
	enum uxdp_prog_type type;
	bool frags;
} xdp_secs[] = {
	{"xdp", UXDP_PROG_XDP, false},
	{"xdp.frags", UXDP_PROG_XDP, true},
	{"xdp/devmap", UXDP_PROG_XDP_DEVMAP, false},
	{"xdp.frags/devmap", UXDP_PROG_XDP_DEVMAP, true},
	{"xdp/cpumap", UXDP_PROG_XDP_CPUMAP, false},
	{"xdp.frags/cpumap", UXDP_PROG_XDP_CPUMAP, true},
};

/* Program section names libbpf knows for other program types: skipped with a warning. */
static const char *const other_secs[] = {
	"socket",
	"sk_reuseport",
	"kprobe",
	"uprobe",
	"kretprobe",
	"uretprobe",
	"ksyscall",
	"kretsyscall",
	"usdt",
	"tc",
	"classifier",
	"action",
	"tracepoint",
	"tp",
	"raw_tracepoint",
	"raw_tp",
	"raw_tracepoint.w",
	"raw_tp.w",
	"tp_btf",
	"fentry",
	"fmod_ret",
	"fexit",
	"fentry.s",
	"fmod_ret.s",
	"fexit.s",
	"freplace",
	"lsm",
	"lsm.s",
	"lsm_cgroup",
	"iter",
	"iter.s",
	"syscall",
	"perf_event",
	"lwt_in",
	"lwt_out",
	"lwt_xmit",
	"lwt_seg6local",
	"sockops",
	"sk_skb",
	"sk_msg",
	"lirc_mode2",
	"flow_dissector",
	"cgroup_skb",
	"cgroup",
	"struct_ops",
	"struct_ops.s",
	"sk_lookup",
	"kprobe.multi",
	"kretprobe.multi",
	"uprobe.s",
	"uretprobe.s",
	"uprobe.multi",
	"uretprobe.multi",
	"netfilter",
	"tcx",
	"netkit",
	"xdp_devmap",
	"xdp_cpumap",
};

static bool is_other_prog_sec(const char *name)
{
	size_t i, n;

	for (i = 0; i < sizeof(other_secs) / sizeof(other_secs[0]); i++) {
		n = strlen(other_secs[i]);
		if (!strncmp(name, other_secs[i], n) && (name[n] == '\0' || name[n] == '/'))
			return true;
	}
	return false;
}

static bool str_has_pfx(const char *s, const char *pfx)
{
	return !strncmp(s, pfx, strlen(pfx));
}

static bool is_data_name(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '.');
}

static int classify_sections(struct uxdp_loader *ld)
{
	size_t shstrndx, i, j;
	Elf_Scn *scn;

	if (elf_getshdrnum(ld->elf, &ld->sec_cnt) || elf_getshdrstrndx(ld->elf, &shstrndx)) {
		uxdp_ld_err(ld, "corrupt ELF: cannot read section headers (%s)", elf_errmsg(-1));
		return -EINVAL;
	}
	if (ld->sec_cnt == 0 || ld->sec_cnt > 65535) {
		uxdp_ld_err(ld, "corrupt ELF: %zu sections", ld->sec_cnt);
		return -EINVAL;
	}
	ld->secs = calloc(ld->sec_cnt, sizeof(*ld->secs));
	if (!ld->secs)
		return -ENOMEM;
	for (i = 1; i < ld->sec_cnt; i++) {
		struct uxdp_sec *s = &ld->secs[i];

		s->map_idx = -1;
		scn = elf_getscn(ld->elf, i);
		if (!scn || !gelf_getshdr(scn, &s->shdr)) {
			uxdp_ld_err(ld, "corrupt ELF: section %zu: bad header (%s)", i,
				    elf_errmsg(-1));
			return -EINVAL;
		}
		s->name = elf_strptr(ld->elf, shstrndx, s->shdr.sh_name);
		if (!s->name) {
			uxdp_ld_err(ld, "corrupt ELF: section %zu: bad name offset", i);
			return -EINVAL;
		}
		if (s->shdr.sh_type != SHT_NOBITS && s->shdr.sh_type != SHT_NULL) {
			if (s->shdr.sh_offset > ld->image_size ||
			    s->shdr.sh_size > ld->image_size - s->shdr.sh_offset) {
				uxdp_ld_err(
					ld,
					"corrupt ELF: section '%s' (%zu) extends past the end of "
					"the file",
					s->name, i);
				return -EINVAL;
			}
			s->data = elf_getdata(scn, NULL);
			if (!s->data && s->shdr.sh_size) {
				uxdp_ld_err(ld, "corrupt ELF: section '%s': cannot read data (%s)",
					    s->name, elf_errmsg(-1));
				return -EINVAL;
			}
			if (s->data && s->data->d_size && !s->data->d_buf) {
				uxdp_ld_err(ld, "corrupt ELF: section '%s': no data", s->name);
				return -EINVAL;
			}
			if (s->data && !s->data->d_size)
				s->data = NULL;
		}

		switch (s->shdr.sh_type) {
		case SHT_SYMTAB:
			if (ld->symtab_idx) {
				uxdp_ld_err(ld, "corrupt ELF: more than one symbol table");
				return -EINVAL;
			}
			ld->symtab_idx = i;
			s->kind = UXDP_SEC_SYMTAB;
			continue;
		case SHT_REL:
			s->kind = UXDP_SEC_REL;
			continue;
		case SHT_NOBITS:
			if (is_data_name(s->name, ".bss") && s->shdr.sh_size)
				s->kind = UXDP_SEC_BSS;
			continue;
		case SHT_PROGBITS:
			break;
		default:
			continue;
		}
		if (s->shdr.sh_flags & SHF_EXECINSTR) {
			if (!s->data)
				continue;
			if (!strcmp(s->name, ".text")) {
				s->kind = UXDP_SEC_TEXT;
				ld->text_idx = i;
				continue;
			}
			for (j = 0; j < sizeof(xdp_secs) / sizeof(xdp_secs[0]); j++) {
				if (!strcmp(s->name, xdp_secs[j].name)) {
					s->kind = UXDP_SEC_PROG;
					s->prog_type = xdp_secs[j].type;
					s->frags = xdp_secs[j].frags;
					break;
				}
			}
			if (s->kind == UXDP_SEC_PROG)
				continue;
			if (is_other_prog_sec(s->name)) {
				uxdp_ld_warn(ld,
					     "section '%s': not an XDP program section, skipped",
					     s->name);
				s->kind = UXDP_SEC_SKIPPED;
				continue;
			}
			uxdp_ld_err(ld,
				    "section '%s': unknown program section (expected xdp, "
				    "xdp.frags, xdp/devmap, xdp/cpumap, ...)",
				    s->name);
			return -EINVAL;
		}
		if (!strcmp(s->name, "license"))
			s->kind = UXDP_SEC_LICENSE;
		else if (!strcmp(s->name, ".maps"))
			s->kind = UXDP_SEC_MAPS, ld->maps_idx = i;
		else if (!strcmp(s->name, "maps"))
			s->kind = UXDP_SEC_LEGACY_MAPS, ld->legacy_maps_idx = i;
		else if (!strcmp(s->name, ".BTF"))
			s->kind = UXDP_SEC_BTF, ld->btf_idx = i;
		else if (!strcmp(s->name, ".BTF.ext"))
			s->kind = UXDP_SEC_BTF_EXT, ld->btf_ext_idx = i;
		else if (!s->data)
			continue;
		else if (is_data_name(s->name, ".data"))
			s->kind = UXDP_SEC_DATA;
		else if (is_data_name(s->name, ".rodata"))
			s->kind = UXDP_SEC_RODATA;
		else if (str_has_pfx(s->name, ".debug_") || !strcmp(s->name, ".eh_frame"))
			s->kind = UXDP_SEC_DEBUG;
	}
	return 0;
}

static int collect_symbols(struct uxdp_loader *ld)
{
	struct uxdp_sec *st;
	size_t i;

	if (!ld->symtab_idx) {
		uxdp_ld_err(ld, "corrupt ELF: no symbol table");
		return -EINVAL;
	}
	st = &ld->secs[ld->symtab_idx];
	if (!st->data) /* an empty symbol table: nothing to load */
		return 0;
	if (st->shdr.sh_entsize != sizeof(Elf64_Sym) || st->shdr.sh_link >= ld->sec_cnt ||
	    st->shdr.sh_link == 0) {
		uxdp_ld_err(ld, "corrupt ELF: bad symbol table header");
		return -EINVAL;
	}
	ld->strtab_idx = st->shdr.sh_link;
	ld->sym_cnt = st->data->d_size / sizeof(Elf64_Sym);
	ld->syms = calloc(ld->sym_cnt ? ld->sym_cnt : 1, sizeof(*ld->syms));
	ld->sym_names = calloc(ld->sym_cnt ? ld->sym_cnt : 1, sizeof(*ld->sym_names));
	if (!ld->syms || !ld->sym_names)
		return -ENOMEM;
	for (i = 0; i < ld->sym_cnt; i++) {
		if (!gelf_getsym(st->data, (int)i, &ld->syms[i])) {
			uxdp_ld_err(ld, "corrupt ELF: symbol %zu unreadable", i);
			return -EINVAL;
		}
		ld->sym_names[i] = elf_strptr(ld->elf, ld->strtab_idx, ld->syms[i].st_name);
		if (!ld->sym_names[i]) {
			uxdp_ld_err(ld, "corrupt ELF: symbol %zu: bad name offset", i);
			return -EINVAL;
		}
	}
	return 0;
}

static int cmp_funcs(const void *a, const void *b)
{
	const struct uxdp_func *x = a, *y = b;

	if (x->sec_idx != y->sec_idx)
		return x->sec_idx < y->sec_idx ? -1 : 1;
	if (x->sec_insn_off != y->sec_insn_off)
		return x->sec_insn_off < y->sec_insn_off ? -1 : 1;
	return 0;
}

/* One function per STT_FUNC symbol of a program section or .text, as libbpf. */
static int collect_funcs(struct uxdp_loader *ld)
{
	size_t i, cap = 0, k;

	for (i = 0; i < ld->sym_cnt; i++) {
		const GElf_Sym *sym = &ld->syms[i];
		struct uxdp_sec *s;
		struct uxdp_func *f;
		uint64_t sz;

		if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF ||
		    sym->st_shndx >= ld->sec_cnt)
			continue;
		s = &ld->secs[sym->st_shndx];
		if (s->kind != UXDP_SEC_PROG && s->kind != UXDP_SEC_TEXT)
			continue;
		sz = s->data->d_size;
		if (sym->st_value % sizeof(struct bpf_insn) ||
		    sym->st_size % sizeof(struct bpf_insn) || sym->st_value > sz ||
		    sym->st_size > sz - sym->st_value || !sym->st_size) {
			uxdp_ld_err(ld,
				    "section '%s': function '%s' at offset %llu (size %llu) "
				    "is misaligned or crosses the section end",
				    s->name, ld->sym_names[i], (unsigned long long)sym->st_value,
				    (unsigned long long)sym->st_size);
			return -EINVAL;
		}
		if (s->kind == UXDP_SEC_PROG && GELF_ST_BIND(sym->st_info) == STB_LOCAL) {
			uxdp_ld_err(ld,
				    "section '%s': program '%s' is static; programs must be "
				    "global functions",
				    s->name, ld->sym_names[i]);
			return -EINVAL;
		}
		if (ld->func_cnt == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *n = realloc(ld->funcs, ncap * sizeof(*ld->funcs));

			if (!n)
				return -ENOMEM;
			ld->funcs = n;
			cap = ncap;
		}
		f = &ld->funcs[ld->func_cnt];
		memset(f, 0, sizeof(*f));
		f->prog_idx = -1;
		f->sec_idx = sym->st_shndx;
		f->sec_insn_off = sym->st_value / sizeof(struct bpf_insn);
		f->insn_cnt = sym->st_size / sizeof(struct bpf_insn);
		f->is_sub = s->kind == UXDP_SEC_TEXT;
		f->name = strdup(ld->sym_names[i]);
		if (!f->name)
			return -ENOMEM;
		ld->func_cnt++;
		f->insns = malloc(sym->st_size);
		if (!f->insns)
			return -ENOMEM;
		memcpy(f->insns, (const char *)s->data->d_buf + sym->st_value, sym->st_size);
	}
	if (ld->func_cnt)
		qsort(ld->funcs, ld->func_cnt, sizeof(*ld->funcs), cmp_funcs);
	for (k = 1; k < ld->func_cnt; k++) {
		struct uxdp_func *a = &ld->funcs[k - 1], *b = &ld->funcs[k];

		if (a->sec_idx == b->sec_idx && a->sec_insn_off + a->insn_cnt > b->sec_insn_off) {
			uxdp_ld_err(ld, "section '%s': functions '%s' and '%s' overlap",
				    ld->secs[a->sec_idx].name, a->name, b->name);
			return -EINVAL;
		}
	}
	return 0;
}

static int collect_progs(struct uxdp_loader *ld)
{
	struct uxdp_object *obj = ld->obj;
	size_t i, n = 0;

	for (i = 0; i < ld->func_cnt; i++)
		n += !ld->funcs[i].is_sub;
	obj->progs = calloc(n ? n : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return -ENOMEM;
	for (i = 0; i < ld->func_cnt; i++) {
		struct uxdp_func *f = &ld->funcs[i];
		struct uxdp_obj_prog *p;
		struct uxdp_sec *s = &ld->secs[f->sec_idx];

		if (f->is_sub)
			continue;
		p = &obj->progs[obj->prog_cnt];
		p->name = strdup(f->name);
		p->sec_name = strdup(s->name);
		if (!p->name || !p->sec_name) {
			free(p->name);
			free(p->sec_name);
			return -ENOMEM;
		}
		p->func_idx = i;
		p->type = s->prog_type;
		p->frags = s->frags;
		f->prog_idx = (int)obj->prog_cnt++;
	}
	return 0;
}

static int collect_license(struct uxdp_loader *ld)
{
	const char *lic = "";
	size_t i, len = 0;

	for (i = 1; i < ld->sec_cnt; i++) {
		if (ld->secs[i].kind == UXDP_SEC_LICENSE && ld->secs[i].data) {
			lic = ld->secs[i].data->d_buf;
			len = strnlen(lic, ld->secs[i].data->d_size);
			break;
		}
	}
	ld->obj->license = strndup(lic, len);
	return ld->obj->license ? 0 : -ENOMEM;
}

static bool core_relos_present(struct uxdp_loader *ld)
{
	const struct uxdp_sec *s;
	uint32_t h[8];

	if (!ld->btf_ext_idx)
		return false;
	s = &ld->secs[ld->btf_ext_idx];
	if (!s->data || s->data->d_size < 32)
		return s->data != NULL;
	memcpy(h, s->data->d_buf, sizeof(h)); /* section data need not be aligned */
	/* header: magic/version/flags, hdr_len, func_info, line_info, core_relo off/len */
	return h[1] < 32 || h[7] != 0;
}

static int load_btf(struct uxdp_loader *ld)
{
	struct uxdp_sec *s;
	bool needed = ld->maps_idx || core_relos_present(ld);
	long err;

	if (!ld->btf_idx || !ld->secs[ld->btf_idx].data) {
		if (needed) {
			uxdp_ld_err(ld, "no .BTF section, but %s needs it",
				    ld->maps_idx ? ".maps" : ".BTF.ext");
			return -EINVAL;
		}
		return 0;
	}
	s = &ld->secs[ld->btf_idx];
	if (s->data->d_size > UINT32_MAX)
		goto bad;
	/* libbpf 1.x: NULL and errno on failure */
	ld->btf = btf__new(s->data->d_buf, (uint32_t)s->data->d_size);
	if (!ld->btf) {
		err = -errno;
		if (!needed) {
			uxdp_ld_warn(ld, "section '.BTF': corrupt (%ld), ignored", err);
			return 0;
		}
		goto bad;
	}
	return 0;
bad:
	uxdp_ld_err(ld, "section '.BTF': corrupt BTF");
	return -EINVAL;
}

/* The program's own load log, whole (the verifier's can be long). */
__attribute__((format(printf, 2, 3))) static void append_log(struct uxdp_loader *ld,
							     const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!ld->log_buf || !ld->log_size)
		return;
	used = strnlen(ld->log_buf, ld->log_size);
	if (used + 1 >= ld->log_size)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->log_buf + used, ld->log_size - used, fmt, ap);
	va_end(ap);
}

static int load_progs(struct uxdp_loader *ld)
{
	struct uxdp_object *obj = ld->obj;
	char *plog;
	size_t i;
	int err = 0;

	/* log level 2 holds the verifier's walk of every instruction */
	size_t plog_size = ld->opts && ld->opts->log_level >= 2 ? 64u << 20 : PROG_LOG_SIZE;

	plog = malloc(plog_size);
	if (!plog)
		return -ENOMEM;
	for (i = 0; i < obj->prog_cnt; i++) {
		struct uxdp_obj_prog *p = &obj->progs[i];
		struct uxdp_line_info *lines;
		size_t line_cnt;

		err = uxdp_ld_link_prog(ld, p);
		err = err ?: uxdp_ld_prog_lines(ld, &lines, &line_cnt);
		if (err)
			break;
		UXDP_OPTS(uxdp_prog_load_opts, lo, .name = p->name, .type = p->type,
			  .engine = ld->opts ? ld->opts->engine : UXDP_ENGINE_DEFAULT,
			  .maps = obj->map_ptrs, .map_cnt = obj->map_cnt, .license = obj->license,
			  .frags = p->frags, .log_buf = plog, .log_size = plog_size,
			  .log_level = ld->opts ? ld->opts->log_level : 0, .line_info = lines,
			  .line_info_cnt = line_cnt);
		plog[0] = '\0';
		p->prog = uxdp_prog__load(p->insns, p->insn_cnt, &lo);
		err = p->prog ? 0 : errno ? -errno : -EINVAL;
		free(lines); /* the verifier reads them only while loading */
		if (!p->prog) {
			uxdp_ld_err(ld, "section '%s': program '%s': load failed (%s):",
				    p->sec_name, p->name, strerror(-err));
			append_log(ld, "%s", plog);
			break;
		}
		if (lo.log_level && plog[0])
			append_log(ld, "program '%s':\n%s", p->name, plog);
	}
	free(plog);
	return err;
}

static void free_loader(struct uxdp_loader *ld)
{
	size_t i;

	for (i = 0; i < ld->func_cnt; i++) {
		free(ld->funcs[i].name);
		free(ld->funcs[i].insns);
		free(ld->funcs[i].relos);
	}
	free(ld->funcs);
	free(ld->lines);
	btf__free(ld->btf);
	free(ld->syms);
	free(ld->sym_names);
	free(ld->secs);
	if (ld->elf)
		elf_end(ld->elf);
	free(ld->image);
}

static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strchr(base, '.');
	return strndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

static struct uxdp_object *open_image(void *image, size_t size, const char *path,
				      const struct uxdp_object_open_opts *opts, bool load)
{
	struct uxdp_loader ld = {0};
	struct uxdp_object *obj;
	GElf_Ehdr ehdr;
	int err = 0;

	ld.path = path;
	ld.opts = opts;
	ld.image = image;
	ld.image_size = size;
	if (opts) {
		ld.log_buf = opts->log_buf;
		ld.log_size = opts->log_size;
		ld.ncpus = opts->ncpus;
	}
	if (ld.log_buf && ld.log_size)
		ld.log_buf[0] = '\0';
	if (!ld.ncpus)
		ld.ncpus = 1;

	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		free(image);
		errno = ENOMEM;
		return NULL;
	}
	ld.obj = obj;
	obj->name = opts && opts->object_name ? strdup(opts->object_name) : default_name(path);
	if (!obj->name) {
		err = -ENOMEM;
		goto out;
	}

	if (elf_version(EV_CURRENT) == EV_NONE) {
		uxdp_ld_err(&ld, "libelf initialisation failed");
		err = -EINVAL;
		goto out;
	}
	ld.elf = elf_memory(image, size);
	if (!ld.elf || elf_kind(ld.elf) != ELF_K_ELF) {
		uxdp_ld_err(&ld, "not an ELF file");
		err = -EINVAL;
		goto out;
	}
	if (gelf_getclass(ld.elf) != ELFCLASS64) {
		uxdp_ld_err(&ld, "not a 64-bit ELF object (BPF objects are ELFCLASS64)");
		err = -EINVAL;
		goto out;
	}
	if (!gelf_getehdr(ld.elf, &ehdr)) {
		uxdp_ld_err(&ld, "corrupt ELF header (%s)", elf_errmsg(-1));
		err = -EINVAL;
		goto out;
	}
	if (ehdr.e_ident[EI_DATA] != ELFDATA2LSB) {
		uxdp_ld_err(&ld, "big-endian BPF object; this host runs little-endian code");
		err = -EINVAL;
		goto out;
	}
	/* e_machine 0 is what very old LLVM wrote; libbpf accepts it too. */
	if (ehdr.e_type != ET_REL || (ehdr.e_machine != EM_BPF && ehdr.e_machine != EM_NONE)) {
		uxdp_ld_err(&ld,
			    "not a BPF object file (e_type %u, e_machine %u; want ET_REL, "
			    "EM_BPF)",
			    ehdr.e_type, ehdr.e_machine);
		err = -EINVAL;
		goto out;
	}

	err = classify_sections(&ld);
	err = err ?: collect_symbols(&ld);
	err = err ?: collect_funcs(&ld);
	err = err ?: collect_progs(&ld);
	err = err ?: collect_license(&ld);
	err = err ?: load_btf(&ld);
	err = err ?: uxdp_ld_collect_maps(&ld);
	err = err ?: uxdp_ld_collect_relos(&ld);
	err = err ?: uxdp_ld_apply_core_relos(&ld);
	err = err ?: uxdp_ld_collect_lines(&ld);
	err = err ?: uxdp_ld_apply_data_relos(&ld);
	err = err ?: uxdp_ld_create_maps(&ld);
	err = err ?: uxdp_ld_init_map_slots(&ld, false);
	if (load) {
		err = err ?: load_progs(&ld);
		err = err ?: uxdp_ld_init_map_slots(&ld, true);
	} else {
		for (size_t i = 0; !err && i < obj->prog_cnt; i++)
			err = uxdp_ld_link_prog(&ld, &obj->progs[i]);
	}
out:
	free_loader(&ld);
	if (err) {
		uxdp_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

struct uxdp_object *uxdp_object_open_mem_internal(const void *buf, size_t size,
						  const struct uxdp_object_open_opts *opts,
						  bool load)
{
	void *image;

	if (!buf || !size || (opts && opts->sz < offsetof(struct uxdp_object_open_opts, log_buf))) {
		errno = EINVAL;
		return NULL;
	}
	image = malloc(size);
	if (!image) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(image, buf, size);
	return open_image(image, size, opts && opts->object_name ? opts->object_name : "obj", opts,
			  load);
}

struct uxdp_object *uxdp_object__open_mem(const void *buf, size_t size,
					  const struct uxdp_object_open_opts *opts)
{
	return uxdp_object_open_mem_internal(buf, size, opts, true);
}

struct uxdp_object *uxdp_object_open_file_internal(const char *path,
						   const struct uxdp_object_open_opts *opts,
						   bool load)
{
	struct stat st;
	void *image;
	size_t got = 0;
	ssize_t n;
	int fd, e;

	if (!path || (opts && opts->sz < offsetof(struct uxdp_object_open_opts, log_buf))) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (opts && opts->log_buf && opts->log_size)
			snprintf(opts->log_buf, opts->log_size, "%s: cannot open: %s\n", path,
				 strerror(e));
		uxdp_pr(UXDP_WARN, "%s: cannot open: %s\n", path, strerror(e));
		errno = e;
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		if (opts && opts->log_buf && opts->log_size)
			snprintf(opts->log_buf, opts->log_size,
				 "%s: not a regular, non-empty file\n", path);
		errno = e;
		return NULL;
	}
	image = malloc(st.st_size);
	if (!image) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, (char *)image + got, st.st_size - got);
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(fd);
			free(image);
			errno = e;
			return NULL;
		}
		got += n;
	}
	close(fd);
	return open_image(image, got, path, opts, load);
}

struct uxdp_object *uxdp_object__open_file(const char *path,
					   const struct uxdp_object_open_opts *opts)
{
	return uxdp_object_open_file_internal(path, opts, true);
}

void uxdp_object__close(struct uxdp_object *obj)
{
	size_t i;

	if (!obj)
		return;
	/* prog_array and map-in-map slots hold references: drop them first to break cycles. */
	for (i = 0; i < obj->map_cnt; i++) {
		struct uxdp_map *m = obj->maps[i].map;

		if (m && m->ops && m->ops->clear_refs)
			m->ops->clear_refs(m);
	}
	for (i = 0; i < obj->prog_cnt; i++) {
		if (obj->progs[i].prog)
			uxdp_prog__put(obj->progs[i].prog);
		free(obj->progs[i].name);
		free(obj->progs[i].sec_name);
		free(obj->progs[i].insns);
	}
	for (i = 0; i < obj->map_cnt; i++) {
		if (obj->maps[i].map)
			uxdp_map__put(obj->maps[i].map);
		free(obj->maps[i].name);
		free(obj->maps[i].init_slots);
	}
	free(obj->progs);
	free(obj->maps);
	free(obj->map_ptrs);
	free(obj->name);
	free(obj->license);
	free(obj);
}

const char *uxdp_object__name(const struct uxdp_object *obj)
{
	return obj ? obj->name : NULL;
}

const char *uxdp_object__license(const struct uxdp_object *obj)
{
	return obj ? obj->license : NULL;
}

size_t uxdp_object__prog_cnt(const struct uxdp_object *obj)
{
	return obj ? obj->prog_cnt : 0;
}

struct uxdp_prog *uxdp_object__prog(const struct uxdp_object *obj, size_t idx)
{
	return obj && idx < obj->prog_cnt ? obj->progs[idx].prog : NULL;
}

const char *uxdp_object__prog_section(const struct uxdp_object *obj, size_t idx)
{
	return obj && idx < obj->prog_cnt ? obj->progs[idx].sec_name : NULL;
}

struct uxdp_prog *uxdp_object__find_prog(const struct uxdp_object *obj, const char *name)
{
	size_t i;

	if (!obj || !name)
		return NULL;
	for (i = 0; i < obj->prog_cnt; i++)
		if (!strcmp(obj->progs[i].name, name))
			return obj->progs[i].prog;
	return NULL;
}

size_t uxdp_object__map_cnt(const struct uxdp_object *obj)
{
	return obj ? obj->map_cnt : 0;
}

struct uxdp_map *uxdp_object__map(const struct uxdp_object *obj, size_t idx)
{
	return obj && idx < obj->map_cnt ? obj->maps[idx].map : NULL;
}

int uxdp_object_map_index(const struct uxdp_object *obj, const char *name)
{
	size_t i;

	if (!obj || !name)
		return -1;
	for (i = 0; i < obj->map_cnt; i++)
		if (!strcmp(obj->maps[i].kname, name))
			return (int)i;
	for (i = 0; i < obj->map_cnt; i++)
		if (!strcmp(obj->maps[i].name, name))
			return (int)i;
	return -1;
}

struct uxdp_map *uxdp_object__find_map(const struct uxdp_object *obj, const char *name)
{
	int i = uxdp_object_map_index(obj, name);

	return i < 0 ? NULL : obj->maps[i].map;
}

const struct bpf_insn *uxdp_object_prog_insns(const struct uxdp_object *obj, size_t idx,
					      size_t *cnt)
{
	if (!obj || idx >= obj->prog_cnt)
		return NULL;
	if (cnt)
		*cnt = obj->progs[idx].insn_cnt;
	return obj->progs[idx].insns;
}

size_t uxdp_ld_code_sec(const struct uxdp_loader *ld, const char *name)
{
	for (size_t si = 1; si < ld->sec_cnt; si++)
		if (!strcmp(ld->secs[si].name, name) &&
		    (ld->secs[si].kind == UXDP_SEC_PROG || ld->secs[si].kind == UXDP_SEC_TEXT ||
		     ld->secs[si].kind == UXDP_SEC_SKIPPED))
			return si;
	return 0;
}
