// SPDX-License-Identifier: BSD-2-Clause
/*
 * Relocation stage of the ELF loader. Reads every SHT_REL section: those of
 * program sections and .text become per-function records (map references,
 * global-data references, subprogram calls and function addresses); those of
 * .maps carry static `.values` initialisers (maps.c); those of debug and BTF
 * sections are ignored as libbpf ignores them; references from global data
 * to functions or maps are refused, since nothing could resolve them at run
 * time. Then it rewrites lddw instructions into the map-table pseudo forms
 * and, per entry program, appends the code of every subprogram it reaches
 * (depth first, as libbpf) and fixes the call / function-pointer offsets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader_internal.h"
#include "vm/vm_internal.h"

#define R_BPF_NONE	  0
#define R_BPF_64_64	  1
#define R_BPF_64_ABS64	  2
#define R_BPF_64_ABS32	  3
#define R_BPF_64_NODYLD32 4
#define R_BPF_64_32	  10

static bool is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL);
}

struct uxdp_func *uxdp_ld_find_func(struct uxdp_loader *ld, size_t sec_idx, uint32_t insn)
{
	size_t lo = 0, hi = ld->func_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct uxdp_func *f = &ld->funcs[mid];

		if (f->sec_idx < sec_idx ||
		    (f->sec_idx == sec_idx && f->sec_insn_off + f->insn_cnt <= insn))
			lo = mid + 1;
		else if (f->sec_idx > sec_idx || f->sec_insn_off > insn)
			hi = mid;
		else
			return f;
	}
	return NULL;
}

static const char *rel_type_name(unsigned int t)
{
	switch (t) {
	case R_BPF_NONE:
		return "R_BPF_NONE";
	case R_BPF_64_64:
		return "R_BPF_64_64";
	case R_BPF_64_ABS64:
		return "R_BPF_64_ABS64";
	case R_BPF_64_ABS32:
		return "R_BPF_64_ABS32";
	case R_BPF_64_NODYLD32:
		return "R_BPF_64_NODYLD32";
	case R_BPF_64_32:
		return "R_BPF_64_32";
	default:
		return "unknown";
	}
}

static int add_relo(struct uxdp_func *f, const struct uxdp_relo *r)
{
	struct uxdp_relo *n = realloc(f->relos, (f->relo_cnt + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->relos = n;
	f->relos[f->relo_cnt++] = *r;
	return 0;
}

static bool is_text_func_sym(struct uxdp_loader *ld, const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	return ld->text_idx && sym->st_shndx == ld->text_idx &&
	       (type == STT_FUNC ||
		(type == STT_SECTION && GELF_ST_BIND(sym->st_info) == STB_LOCAL));
}

/* One relocation of a program section or .text. */
static int record_prog_relo(struct uxdp_loader *ld, const struct uxdp_sec *sec, size_t ri,
			    const GElf_Rel *rel)
{
	size_t sidx = GELF_R_SYM(rel->r_info), insn_idx;
	unsigned int rtype = GELF_R_TYPE(rel->r_info);
	struct uxdp_relo r = {0};
	const struct uxdp_sec *tsec;
	const struct bpf_insn *insn;
	const GElf_Sym *sym;
	const char *sname;
	struct uxdp_func *f;

	if (rel->r_offset % sizeof(struct bpf_insn) || rel->r_offset >= sec->data->d_size) {
		uxdp_ld_err(ld, "section '%s': relocation #%zu: bad offset %llu", sec->name, ri,
			    (unsigned long long)rel->r_offset);
		return -EINVAL;
	}
	insn_idx = rel->r_offset / sizeof(struct bpf_insn);
	if (rtype != R_BPF_64_64 && rtype != R_BPF_64_32) {
		uxdp_ld_err(ld, "section '%s': insn %zu: unsupported relocation type %u (%s)",
			    sec->name, insn_idx, rtype, rel_type_name(rtype));
		return -EINVAL;
	}
	if (sidx == 0 || sidx >= ld->sym_cnt) {
		uxdp_ld_err(ld, "section '%s': insn %zu: relocation against missing symbol #%zu",
			    sec->name, insn_idx, sidx);
		return -EINVAL;
	}
	sym = &ld->syms[sidx];
	sname = ld->sym_names[sidx];
	f = uxdp_ld_find_func(ld, (size_t)(sec - ld->secs), (uint32_t)insn_idx);
	if (!f) {
		uxdp_ld_err(ld, "section '%s': insn %zu: relocation outside any function",
			    sec->name, insn_idx);
		return -EINVAL;
	}
	r.insn = (uint32_t)(insn_idx - f->sec_insn_off);
	insn = &f->insns[r.insn];
	if (sym->st_shndx == SHN_UNDEF) {
		uxdp_ld_err(ld,
			    "section '%s': insn %zu: relocation against undefined symbol '%s' "
			    "(extern variables, kfuncs and ksyms are not supported)",
			    sec->name, insn_idx, sname);
		return -EINVAL;
	}
	if (sym->st_shndx >= ld->sec_cnt) {
		uxdp_ld_err(ld,
			    "section '%s': insn %zu: relocation against symbol '%s' in special "
			    "section 0x%x (uninitialised global variable?)",
			    sec->name, insn_idx, sname, sym->st_shndx);
		return -EINVAL;
	}
	tsec = &ld->secs[sym->st_shndx];
	r.sym_off = (uint32_t)sym->st_value;
	if (sym->st_value > UINT32_MAX) {
		uxdp_ld_err(ld, "section '%s': insn %zu: symbol '%s' offset too large", sec->name,
			    insn_idx, sname);
		return -EINVAL;
	}

	if (is_call(insn)) {
		if (rtype != R_BPF_64_32 || insn->src_reg != BPF_PSEUDO_CALL) {
			uxdp_ld_err(ld,
				    "section '%s': insn %zu: %s relocation on a call that is not "
				    "a bpf-to-bpf call",
				    sec->name, insn_idx, rel_type_name(rtype));
			return -EINVAL;
		}
		if (!is_text_func_sym(ld, sym)) {
			uxdp_ld_err(ld,
				    "section '%s': insn %zu: call to '%s' in section '%s': "
				    "subprograms must be in .text",
				    sec->name, insn_idx, sname, tsec->name);
			return -EINVAL;
		}
		if (sym->st_value % sizeof(struct bpf_insn)) {
			uxdp_ld_err(ld, "section '%s': insn %zu: misaligned call target '%s'",
				    sec->name, insn_idx, sname);
			return -EINVAL;
		}
		r.type = UXDP_RELO_CALL;
		return add_relo(f, &r);
	}
	if (!is_ldimm64(insn) || rtype != R_BPF_64_64 || r.insn + 1 >= f->insn_cnt) {
		uxdp_ld_err(ld,
			    "section '%s': insn %zu: %s relocation against '%s' on an "
			    "instruction (code 0x%02x) that is neither lddw nor call",
			    sec->name, insn_idx, rel_type_name(rtype), sname, insn->code);
		return -EINVAL;
	}
	if (is_text_func_sym(ld, sym)) {
		if (sym->st_value % sizeof(struct bpf_insn) ||
		    insn->imm % (int)sizeof(struct bpf_insn)) {
			uxdp_ld_err(ld, "section '%s': insn %zu: misaligned function address '%s'",
				    sec->name, insn_idx, sname);
			return -EINVAL;
		}
		r.type = UXDP_RELO_FUNC;
		return add_relo(f, &r);
	}
	switch (tsec->kind) {
	case UXDP_SEC_MAPS:
	case UXDP_SEC_LEGACY_MAPS:
		r.map_idx = uxdp_ld_find_map_at(ld, sym->st_shndx, sym->st_value);
		if (r.map_idx < 0) {
			uxdp_ld_err(ld,
				    "section '%s': insn %zu: '%s' (offset %llu of '%s') is not "
				    "a map",
				    sec->name, insn_idx, sname, (unsigned long long)sym->st_value,
				    tsec->name);
			return -EINVAL;
		}
		r.type = UXDP_RELO_MAP;
		r.sym_off = 0;
		return add_relo(f, &r);
	case UXDP_SEC_DATA:
	case UXDP_SEC_RODATA:
	case UXDP_SEC_BSS:
		r.map_idx = tsec->map_idx;
		r.type = UXDP_RELO_DATA;
		return add_relo(f, &r);
	default:
		uxdp_ld_err(ld,
			    "section '%s': insn %zu: relocation against '%s' in section '%s', "
			    "which is neither a map nor global data",
			    sec->name, insn_idx, sname, tsec->name);
		return -EINVAL;
	}
}

/* Relocations inside global data: pointers nothing can resolve. */
static int check_data_relos(struct uxdp_loader *ld, const struct uxdp_sec *rs,
			    const struct uxdp_sec *target)
{
	size_t i, n = rs->data->d_size / sizeof(Elf64_Rel);

	for (i = 0; i < n; i++) {
		const struct uxdp_sec *ts;
		const GElf_Sym *sym;
		GElf_Rel rel;
		size_t sidx;

		if (!gelf_getrel(rs->data, (int)i, &rel)) {
			uxdp_ld_err(ld, "section '%s': relocation #%zu unreadable", rs->name, i);
			return -EINVAL;
		}
		sidx = GELF_R_SYM(rel.r_info);
		if (sidx >= ld->sym_cnt) {
			uxdp_ld_err(ld, "section '%s': relocation #%zu against missing symbol #%zu",
				    target->name, i, sidx);
			return -EINVAL;
		}
		sym = &ld->syms[sidx];
		ts = sym->st_shndx && sym->st_shndx < ld->sec_cnt ? &ld->secs[sym->st_shndx] : NULL;
		if (GELF_ST_TYPE(sym->st_info) == STT_FUNC ||
		    (ts && (ts->kind == UXDP_SEC_PROG || ts->kind == UXDP_SEC_TEXT ||
			    ts->kind == UXDP_SEC_MAPS || ts->kind == UXDP_SEC_LEGACY_MAPS))) {
			uxdp_ld_err(ld,
				    "section '%s': offset %llu holds the address of '%s' (a %s); "
				    "pointers to functions or maps in global data are not "
				    "supported",
				    target->name, (unsigned long long)rel.r_offset,
				    ld->sym_names[sidx],
				    ts && (ts->kind == UXDP_SEC_MAPS ||
					   ts->kind == UXDP_SEC_LEGACY_MAPS)
					    ? "map"
					    : "function");
			return -EINVAL;
		}
		/* Pointers to other data: libbpf leaves them unresolved too. */
	}
	return 0;
}

int uxdp_ld_collect_relos(struct uxdp_loader *ld)
{
	size_t i, j, n;
	int err;

	for (i = 1; i < ld->sec_cnt; i++) {
		const struct uxdp_sec *rs = &ld->secs[i], *target;

		if (rs->kind != UXDP_SEC_REL)
			continue;
		if (rs->shdr.sh_info >= ld->sec_cnt || rs->shdr.sh_info == 0) {
			uxdp_ld_err(ld, "section '%s': relocations for missing section %u",
				    rs->name, rs->shdr.sh_info);
			return -EINVAL;
		}
		target = &ld->secs[rs->shdr.sh_info];
		if (!rs->data)
			continue;
		if (rs->shdr.sh_entsize != sizeof(Elf64_Rel) ||
		    rs->data->d_size % sizeof(Elf64_Rel) || rs->shdr.sh_link != ld->symtab_idx) {
			uxdp_ld_err(ld, "section '%s': corrupt relocation section", rs->name);
			return -EINVAL;
		}
		switch (target->kind) {
		case UXDP_SEC_PROG:
		case UXDP_SEC_TEXT:
			n = rs->data->d_size / sizeof(Elf64_Rel);
			for (j = 0; j < n; j++) {
				GElf_Rel rel;

				if (!gelf_getrel(rs->data, (int)j, &rel)) {
					uxdp_ld_err(ld, "section '%s': relocation #%zu unreadable",
						    rs->name, j);
					return -EINVAL;
				}
				if (!target->data) {
					uxdp_ld_err(ld,
						    "section '%s': relocations for an empty "
						    "section",
						    rs->name);
					return -EINVAL;
				}
				err = record_prog_relo(ld, target, j, &rel);
				if (err)
					return err;
			}
			break;
		case UXDP_SEC_MAPS:
			err = uxdp_ld_collect_map_relos(ld, i);
			if (err)
				return err;
			break;
		case UXDP_SEC_DATA:
		case UXDP_SEC_RODATA:
			err = check_data_relos(ld, rs, target);
			if (err)
				return err;
			break;
		default:
			/* .BTF, .BTF.ext, .debug_*, skipped program sections: as libbpf, ignored */
			break;
		}
	}
	return 0;
}

int uxdp_ld_apply_data_relos(struct uxdp_loader *ld)
{
	size_t i, j;

	for (i = 0; i < ld->func_cnt; i++) {
		struct uxdp_func *f = &ld->funcs[i];

		for (j = 0; j < f->relo_cnt; j++) {
			const struct uxdp_relo *r = &f->relos[j];
			struct bpf_insn *insn = &f->insns[r->insn];

			switch (r->type) {
			case UXDP_RELO_MAP:
				insn[0].src_reg = BPF_PSEUDO_MAP_IDX;
				insn[0].imm = r->map_idx;
				break;
			case UXDP_RELO_DATA:
				insn[1].imm = (int32_t)((uint32_t)insn[0].imm + r->sym_off);
				insn[0].src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
				insn[0].imm = r->map_idx;
				break;
			case UXDP_RELO_FUNC:
				insn[0].src_reg = BPF_PSEUDO_FUNC;
				break;
			case UXDP_RELO_CALL:
				break;
			}
		}
	}
	return 0;
}

static const struct uxdp_relo *find_relo(const struct uxdp_func *f, uint32_t insn)
{
	size_t i;

	for (i = 0; i < f->relo_cnt; i++)
		if (f->relos[i].insn == insn)
			return &f->relos[i];
	return NULL;
}

struct link_frame {
	struct uxdp_func *f;
	uint32_t next;
};

/*
 * Build p->insns: the entry function, then each reachable subprogram once, in
 * the order a depth-first walk of the calls first reaches them (libbpf's
 * layout). An explicit stack keeps hostile call graphs off the C stack.
 */
int uxdp_ld_link_prog(struct uxdp_loader *ld, struct uxdp_obj_prog *p)
{
	struct uxdp_func *main_f = &ld->funcs[p->func_idx];
	struct link_frame *stack = NULL;
	size_t depth = 0, cap = 0, cnt, alloc, i;
	struct bpf_insn *code;
	int err = 0;

	for (i = 0; i < ld->func_cnt; i++)
		ld->funcs[i].sub_off = -1;
	alloc = main_f->insn_cnt;
	code = malloc(alloc * sizeof(*code));
	if (!code)
		return -ENOMEM;
	memcpy(code, main_f->insns, main_f->insn_cnt * sizeof(*code));
	cnt = main_f->insn_cnt;
	main_f->sub_off = 0;

	cap = 8;
	stack = malloc(cap * sizeof(*stack));
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	stack[depth++] = (struct link_frame){main_f, 0};
	while (depth) {
		struct link_frame *fr = &stack[depth - 1];
		struct uxdp_func *f = fr->f, *callee;
		const struct uxdp_sec *fsec = &ld->secs[f->sec_idx];
		const struct uxdp_relo *r;
		struct bpf_insn *insn;
		uint32_t idx;
		int64_t target;
		size_t tsec;

		if (fr->next >= f->insn_cnt) {
			depth--;
			continue;
		}
		idx = fr->next++;
		insn = &code[f->sub_off + idx];
		if (!(is_call(insn) && insn->src_reg == BPF_PSEUDO_CALL) &&
		    !(is_ldimm64(insn) && insn->src_reg == BPF_PSEUDO_FUNC))
			continue;
		r = find_relo(f, idx);
		if (r && r->type == UXDP_RELO_CALL) {
			tsec = ld->text_idx;
			target = (int64_t)r->sym_off / 8 + insn->imm + 1;
		} else if (r && r->type == UXDP_RELO_FUNC) {
			tsec = ld->text_idx;
			target = ((int64_t)r->sym_off + insn->imm) / 8;
		} else if (is_ldimm64(insn)) {
			uxdp_ld_err(ld,
				    "section '%s': insn %u: function address without a "
				    "relocation",
				    fsec->name, f->sec_insn_off + idx);
			err = -EINVAL;
			goto out;
		} else {
			/* a call inside one section needs no relocation: imm is relative */
			tsec = f->sec_idx;
			target = (int64_t)f->sec_insn_off + idx + insn->imm + 1;
		}
		callee = target >= 0 && target <= UINT32_MAX
				 ? uxdp_ld_find_func(ld, tsec, (uint32_t)target)
				 : NULL;
		if (!callee || callee->sec_insn_off != target) {
			uxdp_ld_err(ld,
				    "section '%s': insn %u: %s target (insn %lld of '%s') is not "
				    "the start of a function",
				    fsec->name, f->sec_insn_off + idx,
				    is_call(insn) ? "call" : "function address", (long long)target,
				    ld->secs[tsec].name);
			err = -EINVAL;
			goto out;
		}
		if (callee->sub_off < 0) {
			if (cnt + callee->insn_cnt > UXDP_MAX_INSNS) {
				uxdp_ld_err(ld,
					    "section '%s': program '%s': more than %d "
					    "instructions with its subprograms",
					    p->sec_name, p->name, UXDP_MAX_INSNS);
				err = -E2BIG;
				goto out;
			}
			if (cnt + callee->insn_cnt > alloc) {
				size_t na = (cnt + callee->insn_cnt) * 2;
				struct bpf_insn *nc = realloc(code, na * sizeof(*nc));

				if (!nc) {
					err = -ENOMEM;
					goto out;
				}
				code = nc;
				alloc = na;
				insn = &code[f->sub_off + idx];
			}
			memcpy(code + cnt, callee->insns, callee->insn_cnt * sizeof(*code));
			callee->sub_off = (int64_t)cnt;
			cnt += callee->insn_cnt;
			if (depth == cap) {
				struct link_frame *ns = realloc(stack, cap * 2 * sizeof(*ns));

				if (!ns) {
					err = -ENOMEM;
					goto out;
				}
				stack = ns;
				cap *= 2;
			}
			stack[depth++] = (struct link_frame){callee, 0};
		}
		insn->imm = (int32_t)(callee->sub_off - (f->sub_off + idx) - 1);
	}
	if (cnt > UXDP_MAX_INSNS) {
		uxdp_ld_err(ld, "section '%s': program '%s': %zu instructions, more than %d",
			    p->sec_name, p->name, cnt, UXDP_MAX_INSNS);
		err = -E2BIG;
		goto out;
	}
	p->insns = code;
	p->insn_cnt = cnt;
	code = NULL;
out:
	free(stack);
	free(code);
	return err;
}
