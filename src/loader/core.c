// SPDX-License-Identifier: BSD-2-Clause
/*
 * CO-RE stage of the ELF loader: applies the field, type and enum-value
 * relocations that clang records in .BTF.ext (preserve_access_index,
 * bpf_core_read.h) with libbpf's semantics. uxdp has no kernel BTF: the
 * "target" types are the object's own. A relocation's candidates are the
 * types of the same kind whose name is the local type's essential name (the
 * part before "___flavour"); if there is none, every type sharing that
 * essential name is a candidate (so flavoured-only definitions resolve to
 * themselves). Matching, value computation, ambiguity checks, instruction
 * patching and poisoning of unresolvable instructions follow libbpf's
 * relo_core.c rules.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader/loader_internal.h"
#include "vm/vm_internal.h"

#define SPEC_MAX_LEN 64
/* libbpf's poison: a call to helper 0xbad2310, refused only if reachable */
#define POISON_HELPER 195896080

enum core_kind {
	K_FIELD_BYTE_OFFSET = 0,
	K_FIELD_BYTE_SIZE = 1,
	K_FIELD_EXISTS = 2,
	K_FIELD_SIGNED = 3,
	K_FIELD_LSHIFT_U64 = 4,
	K_FIELD_RSHIFT_U64 = 5,
	K_TYPE_ID_LOCAL = 6,
	K_TYPE_ID_TARGET = 7,
	K_TYPE_EXISTS = 8,
	K_TYPE_SIZE = 9,
	K_ENUMVAL_EXISTS = 10,
	K_ENUMVAL_VALUE = 11,
};

static const char *const kind_names[] = {
	"byte_off",    "byte_sz",    "field_exists",   "signed",
	"lshift_u64",  "rshift_u64", "local_type_id",  "target_type_id",
	"type_exists", "type_size",  "enumval_exists", "enumval_value",
};

static bool kind_is_field(uint32_t k)
{
	return k <= K_FIELD_RSHIFT_U64;
}

static bool kind_is_type(uint32_t k)
{
	return k >= K_TYPE_ID_LOCAL && k <= K_TYPE_SIZE;
}

static bool kind_is_enumval(uint32_t k)
{
	return k == K_ENUMVAL_EXISTS || k == K_ENUMVAL_VALUE;
}

struct core_rec {
	uint32_t insn_off, type_id, access_str_off, kind;
};

struct accessor {
	uint32_t type_id;
	uint32_t idx;
	const char *name;
};

struct spec {
	uint32_t root_type_id;
	uint32_t kind;
	struct accessor acc[SPEC_MAX_LEN];
	int len;
	int raw[SPEC_MAX_LEN];
	int raw_len;
	uint32_t bit_offset;
};

struct result {
	uint64_t orig_val, new_val;
	uint32_t orig_sz, new_sz;
	uint32_t orig_type_id, new_type_id;
	bool poison, validate, fail_memsz_adjust;
};

/* Length of a name without its "___flavour" suffix. */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);
	ssize_t i;

	for (i = (ssize_t)n - 5; i >= 0; i--) {
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return (size_t)i + 1;
	}
	return n;
}

static bool names_match(const char *a, const char *b)
{
	size_t la = essential_len(a), lb = essential_len(b);

	return la == lb && !strncmp(a, b, la);
}

static const char *name_of(const struct btf *btf, uint32_t off)
{
	const char *n = btf__name_by_offset(btf, off);

	return n ? n : "";
}

static bool kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (btf_is_any_enum(a) && btf_is_any_enum(b));
}

static bool is_flex_arr(const struct btf *btf, const struct accessor *acc,
			const struct btf_array *arr)
{
	const struct btf_type *t;

	if (!acc->name || arr->nelems > 0)
		return false;
	t = btf__type_by_id(btf, acc->type_id);
	return t && acc->idx == (uint32_t)btf_vlen(t) - 1;
}

static int parse_spec(const struct btf *btf, uint32_t type_id, const char *str, uint32_t kind,
		      struct spec *sp)
{
	const struct btf_type *t;
	uint32_t id;
	long long sz;
	int i;

	memset(sp, 0, sizeof(*sp));
	sp->root_type_id = type_id;
	sp->kind = kind;
	if (!str || !*str || *str == ':')
		return -EINVAL;
	if (kind_is_type(kind))
		return strcmp(str, "0") ? -EINVAL : 0;
	while (*str) {
		char *end;
		long v;

		if (*str == ':')
			str++;
		v = strtol(str, &end, 10);
		if (end == str || v < 0 || v > INT_MAX)
			return -EINVAL;
		if (sp->raw_len == SPEC_MAX_LEN)
			return -E2BIG;
		sp->raw[sp->raw_len++] = (int)v;
		str = end;
		if (*str && *str != ':')
			return -EINVAL;
	}
	if (!sp->raw_len)
		return -EINVAL;
	t = uxdp_btf_skip_mods(btf, type_id, &id);
	if (!t)
		return -EINVAL;
	sp->acc[0].type_id = id;
	sp->acc[0].idx = sp->raw[0];
	sp->len = 1;
	if (kind_is_enumval(kind)) {
		uint32_t name_off;

		if (!btf_is_any_enum(t) || sp->raw_len > 1 || sp->raw[0] >= btf_vlen(t))
			return -EINVAL;
		name_off = btf_is_enum(t) ? btf_enum(t)[sp->raw[0]].name_off
					  : btf_enum64(t)[sp->raw[0]].name_off;
		sp->acc[0].name = name_of(btf, name_off);
		return 0;
	}
	if (!kind_is_field(kind))
		return -EINVAL;
	sz = btf__resolve_size(btf, id);
	if (sz < 0)
		return (int)sz;
	sp->bit_offset = (uint32_t)(sp->raw[0] * sz * 8);
	for (i = 1; i < sp->raw_len; i++) {
		uint32_t a = (uint32_t)sp->raw[i];

		t = uxdp_btf_skip_mods(btf, id, &id);
		if (!t)
			return -EINVAL;
		if (btf_is_composite(t)) {
			const struct btf_member *m;

			if (a >= btf_vlen(t))
				return -EINVAL;
			sp->bit_offset += btf_member_bit_offset(t, a);
			m = btf_members(t) + a;
			if (m->name_off) {
				const char *n = btf__name_by_offset(btf, m->name_off);

				if (!n || !*n)
					return -EINVAL;
				if (sp->len == SPEC_MAX_LEN)
					return -E2BIG;
				sp->acc[sp->len].type_id = id;
				sp->acc[sp->len].idx = a;
				sp->acc[sp->len].name = n;
				sp->len++;
			}
			id = m->type;
		} else if (btf_is_array(t)) {
			const struct btf_array *arr = btf_array(t);
			bool flex;

			t = uxdp_btf_skip_mods(btf, arr->type, &id);
			if (!t)
				return -EINVAL;
			flex = is_flex_arr(btf, &sp->acc[sp->len - 1], arr);
			if (!flex && a >= arr->nelems)
				return -EINVAL;
			if (sp->len == SPEC_MAX_LEN)
				return -E2BIG;
			sp->acc[sp->len].type_id = id;
			sp->acc[sp->len].idx = a;
			sp->acc[sp->len].name = NULL;
			sp->len++;
			sz = btf__resolve_size(btf, id);
			if (sz < 0)
				return (int)sz;
			sp->bit_offset += (uint32_t)(a * sz * 8);
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int fields_compat(const struct btf *btf, uint32_t lid, uint32_t tid, int depth)
{
	const struct btf_type *lt, *tt;

	if (depth > 32)
		return -EINVAL;
	lt = uxdp_btf_skip_mods(btf, lid, &lid);
	tt = uxdp_btf_skip_mods(btf, tid, &tid);
	if (!lt || !tt)
		return -EINVAL;
	if (btf_is_composite(lt) && btf_is_composite(tt))
		return 1;
	if (!kinds_compat(lt, tt))
		return 0;
	switch (btf_kind(lt)) {
	case BTF_KIND_PTR:
	case BTF_KIND_FLOAT:
		return 1;
	case BTF_KIND_FWD:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return names_match(name_of(btf, lt->name_off), name_of(btf, tt->name_off));
	case BTF_KIND_INT:
		return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
	case BTF_KIND_ARRAY:
		return fields_compat(btf, btf_array(lt)->type, btf_array(tt)->type, depth + 1);
	default:
		return 0;
	}
}

static int types_compat(const struct btf *btf, uint32_t lid, uint32_t tid, int level)
{
	const struct btf_type *lt, *tt;
	int depth = 32, err, i;

	if (level <= 0)
		return -EINVAL;
recur:
	if (--depth < 0)
		return -EINVAL;
	lt = uxdp_btf_skip_mods(btf, lid, &lid);
	tt = uxdp_btf_skip_mods(btf, tid, &tid);
	if (!lt || !tt)
		return -EINVAL;
	if (!kinds_compat(lt, tt))
		return 0;
	switch (btf_kind(lt)) {
	case BTF_KIND_UNKN:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
		return 1;
	case BTF_KIND_INT:
		return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
	case BTF_KIND_PTR:
		lid = lt->type;
		tid = tt->type;
		goto recur;
	case BTF_KIND_ARRAY:
		lid = btf_array(lt)->type;
		tid = btf_array(tt)->type;
		goto recur;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *lp = btf_params(lt), *tp = btf_params(tt);

		if (btf_vlen(lt) != btf_vlen(tt))
			return 0;
		for (i = 0; i < btf_vlen(lt); i++, lp++, tp++) {
			uint32_t a, b;

			uxdp_btf_skip_mods(btf, lp->type, &a);
			uxdp_btf_skip_mods(btf, tp->type, &b);
			err = types_compat(btf, a, b, level - 1);
			if (err <= 0)
				return err;
		}
		lid = lt->type;
		tid = tt->type;
		goto recur;
	}
	default:
		return 0;
	}
}

/* Find the local member acc names in type targ_id (through anonymous members). */
static int match_member(const struct btf *btf, const struct accessor *lacc, uint32_t targ_id,
			struct spec *sp, uint32_t *next_id, int depth)
{
	const struct btf_type *lt = btf__type_by_id(btf, lacc->type_id), *tt;
	const struct btf_member *lm, *m;
	const char *lname;
	int i, found;

	if (depth > 32 || !lt || !btf_is_composite(lt) || lacc->idx >= btf_vlen(lt))
		return -EINVAL;
	lm = btf_members(lt) + lacc->idx;
	lname = name_of(btf, lm->name_off);
	tt = uxdp_btf_skip_mods(btf, targ_id, &targ_id);
	if (!tt)
		return -EINVAL;
	if (!btf_is_composite(tt))
		return 0;
	m = btf_members(tt);
	for (i = 0; i < btf_vlen(tt); i++, m++) {
		uint32_t bit_off = btf_member_bit_offset(tt, i);
		const char *tname = name_of(btf, m->name_off);

		if (sp->raw_len == SPEC_MAX_LEN)
			return -E2BIG;
		sp->bit_offset += bit_off;
		sp->raw[sp->raw_len++] = i;
		if (!*tname) {
			found = match_member(btf, lacc, m->type, sp, next_id, depth + 1);
			if (found)
				return found;
		} else if (!strcmp(lname, tname)) {
			struct accessor *ta;

			if (sp->len == SPEC_MAX_LEN)
				return -E2BIG;
			ta = &sp->acc[sp->len++];
			ta->type_id = targ_id;
			ta->idx = i;
			ta->name = tname;
			*next_id = m->type;
			found = fields_compat(btf, lm->type, m->type, 0);
			if (!found)
				sp->len--;
			return found;
		}
		sp->bit_offset -= bit_off;
		sp->raw_len--;
	}
	return 0;
}

static int spec_match(const struct btf *btf, const struct spec *ls, uint32_t targ_id,
		      struct spec *ts)
{
	const struct accessor *la = &ls->acc[0];
	const struct btf_type *tt;
	long long sz;
	int i, m;

	memset(ts, 0, sizeof(*ts));
	ts->root_type_id = targ_id;
	ts->kind = ls->kind;
	if (kind_is_type(ls->kind))
		return types_compat(btf, ls->root_type_id, targ_id, 32);
	if (kind_is_enumval(ls->kind)) {
		tt = uxdp_btf_skip_mods(btf, targ_id, &targ_id);
		if (!tt || !btf_is_any_enum(tt))
			return 0;
		for (i = 0; i < btf_vlen(tt); i++) {
			uint32_t off = btf_is_enum(tt) ? btf_enum(tt)[i].name_off
						       : btf_enum64(tt)[i].name_off;
			const char *n = name_of(btf, off);

			if (names_match(la->name, n)) {
				ts->acc[0].type_id = targ_id;
				ts->acc[0].idx = i;
				ts->acc[0].name = n;
				ts->len = 1;
				ts->raw[0] = i;
				ts->raw_len = 1;
				return 1;
			}
		}
		return 0;
	}
	if (!kind_is_field(ls->kind))
		return -EINVAL;
	for (i = 0; i < ls->len; i++, la++) {
		tt = uxdp_btf_skip_mods(btf, targ_id, &targ_id);
		if (!tt)
			return -EINVAL;
		if (la->name) {
			m = match_member(btf, la, targ_id, ts, &targ_id, 0);
			if (m <= 0)
				return m;
		} else {
			struct accessor *ta;

			if (i > 0) {
				const struct btf_array *arr;

				if (!btf_is_array(tt))
					return 0;
				arr = btf_array(tt);
				if (!is_flex_arr(btf, &ts->acc[ts->len - 1], arr) &&
				    la->idx >= arr->nelems)
					return 0;
				if (!uxdp_btf_skip_mods(btf, arr->type, &targ_id))
					return -EINVAL;
			}
			if (ts->raw_len == SPEC_MAX_LEN || ts->len == SPEC_MAX_LEN)
				return -E2BIG;
			ta = &ts->acc[ts->len++];
			ta->type_id = targ_id;
			ta->idx = la->idx;
			ta->name = NULL;
			ts->raw[ts->raw_len++] = (int)la->idx;
			sz = btf__resolve_size(btf, targ_id);
			if (sz < 0)
				return (int)sz;
			ts->bit_offset += (uint32_t)(la->idx * sz * 8);
		}
	}
	return 1;
}

/* Value of a field relocation for one spec (NULL: no target found). */
static int calc_field(struct uxdp_loader *ld, const struct btf *btf, uint32_t kind,
		      const struct spec *sp, uint64_t *val, uint32_t *field_sz, uint32_t *type_id,
		      bool *validate, const char *where)
{
	const struct accessor *acc;
	const struct btf_type *t, *mt;
	const struct btf_member *m;
	uint32_t byte_off, byte_sz, bit_off, bit_sz, field_type_id;
	long long sz;
	bool bitfield;

	if (kind == K_FIELD_EXISTS) {
		*val = sp ? 1 : 0;
		return 0;
	}
	if (!sp)
		return -EUCLEAN;
	acc = &sp->acc[sp->len - 1];
	t = btf__type_by_id(btf, acc->type_id);
	if (!t)
		return -EINVAL;
	if (!acc->name) {
		if (kind == K_FIELD_BYTE_OFFSET || kind == K_FIELD_BYTE_SIZE) {
			sz = btf__resolve_size(btf, acc->type_id);
			if (sz < 0)
				return -EINVAL;
			if (kind == K_FIELD_BYTE_OFFSET) {
				*val = sp->bit_offset / 8;
				*field_sz = (uint32_t)sz;
				*type_id = acc->type_id;
			} else {
				*val = (uint64_t)sz;
			}
			if (validate)
				*validate = true;
			return 0;
		}
		uxdp_ld_err(ld, "%s: relocation kind %s cannot apply to an array element", where,
			    kind_names[kind]);
		return -EINVAL;
	}
	if (acc->idx >= btf_vlen(t))
		return -EINVAL;
	m = btf_members(t) + acc->idx;
	mt = uxdp_btf_skip_mods(btf, m->type, &field_type_id);
	if (!mt)
		return -EINVAL;
	bit_off = sp->bit_offset;
	bit_sz = btf_member_bitfield_size(t, acc->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = mt->size;
		if (!byte_sz || byte_sz > 8)
			return -EINVAL;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8) {
				uxdp_ld_err(ld, "%s: bitfield cannot be read with a 64-bit load",
					    where);
				return -E2BIG;
			}
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		sz = btf__resolve_size(btf, field_type_id);
		if (sz < 0 || sz > UINT32_MAX)
			return -EINVAL;
		byte_sz = (uint32_t)sz;
		byte_off = sp->bit_offset / 8;
		bit_sz = byte_sz * 8;
	}
	/* bitfield offsets are the compiler's choice: only sign and shift are checked */
	if (validate)
		*validate = !bitfield;
	switch (kind) {
	case K_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			*field_sz = byte_sz;
			*type_id = field_type_id;
		}
		break;
	case K_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case K_FIELD_SIGNED:
		*val = (btf_is_any_enum(mt) && btf_kflag(mt)) ||
		       (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
		if (validate)
			*validate = true;
		break;
	case K_FIELD_LSHIFT_U64:
		*val = 64 - (bit_off + bit_sz - byte_off * 8);
		break;
	case K_FIELD_RSHIFT_U64:
		*val = 64 - bit_sz;
		if (validate)
			*validate = true;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

static int calc_type(const struct btf *btf, uint32_t kind, const struct spec *sp, uint64_t *val,
		     bool *validate)
{
	long long sz;

	if (validate)
		*validate = true;
	if (!sp) {
		*val = 0;
		return 0;
	}
	switch (kind) {
	case K_TYPE_ID_TARGET:
		*val = sp->root_type_id;
		if (validate)
			*validate = false;
		return 0;
	case K_TYPE_EXISTS:
		*val = 1;
		return 0;
	case K_TYPE_SIZE:
		sz = btf__resolve_size(btf, sp->root_type_id);
		if (sz < 0)
			return -EINVAL;
		*val = (uint64_t)sz;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int calc_enumval(const struct btf *btf, uint32_t kind, const struct spec *sp, uint64_t *val)
{
	const struct btf_type *t;

	if (kind == K_ENUMVAL_EXISTS) {
		*val = sp ? 1 : 0;
		return 0;
	}
	if (!sp)
		return -EUCLEAN;
	t = btf__type_by_id(btf, sp->acc[0].type_id);
	if (!t || !btf_is_any_enum(t) || sp->acc[0].idx >= btf_vlen(t))
		return -EINVAL;
	if (btf_is_enum(t))
		*val = btf_kflag(t) ? (uint64_t)(int64_t)(int32_t)btf_enum(t)[sp->acc[0].idx].val
				    : (uint64_t)(uint32_t)btf_enum(t)[sp->acc[0].idx].val;
	else
		*val = btf_enum64_value(btf_enum64(t) + sp->acc[0].idx);
	return 0;
}

static int calc_relo(struct uxdp_loader *ld, const struct btf *btf, uint32_t kind,
		     const struct spec *ls, const struct spec *ts, struct result *res,
		     const char *where)
{
	int err = -EOPNOTSUPP;

	memset(res, 0, sizeof(*res));
	res->validate = true;
	if (kind_is_field(kind)) {
		err = calc_field(ld, btf, kind, ls, &res->orig_val, &res->orig_sz,
				 &res->orig_type_id, &res->validate, where);
		if (!err)
			err = calc_field(ld, btf, kind, ts, &res->new_val, &res->new_sz,
					 &res->new_type_id, NULL, where);
		if (!err && res->orig_sz != res->new_sz) {
			const struct btf_type *o = btf__type_by_id(btf, res->orig_type_id);
			const struct btf_type *n = btf__type_by_id(btf, res->new_type_id);

			/* only pointers and unsigned integers may change load width */
			if (!(o && n && btf_is_ptr(o) && btf_is_ptr(n)) &&
			    !(o && n && btf_is_int(o) && btf_is_int(n) &&
			      !(btf_int_encoding(o) & BTF_INT_SIGNED) &&
			      !(btf_int_encoding(n) & BTF_INT_SIGNED)))
				res->fail_memsz_adjust = true;
		}
	} else if (kind_is_type(kind)) {
		err = calc_type(btf, kind, ls, &res->orig_val, &res->validate);
		if (!err)
			err = calc_type(btf, kind, ts, &res->new_val, NULL);
	} else if (kind_is_enumval(kind)) {
		err = calc_enumval(btf, kind, ls, &res->orig_val);
		if (!err)
			err = calc_enumval(btf, kind, ts, &res->new_val);
	}
	if (err == -EUCLEAN) {
		res->poison = true;
		err = 0;
	}
	return err;
}

static int bpf_size_bytes(const struct bpf_insn *insn)
{
	switch (BPF_SIZE(insn->code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static int bytes_to_bpf_size(uint32_t sz)
{
	switch (sz) {
	case 1:
		return BPF_B;
	case 2:
		return BPF_H;
	case 4:
		return BPF_W;
	case 8:
		return BPF_DW;
	default:
		return -1;
	}
}

static void poison(struct bpf_insn *insn)
{
	insn->code = BPF_JMP | BPF_CALL;
	insn->dst_reg = 0;
	insn->src_reg = 0;
	insn->off = 0;
	insn->imm = POISON_HELPER;
}

static int patch_insn(struct uxdp_loader *ld, struct uxdp_func *f, uint32_t idx,
		      const struct result *res, const char *where)
{
	struct bpf_insn *insn = &f->insns[idx];
	uint64_t orig = res->orig_val, nv = res->new_val;
	uint8_t cls = BPF_CLASS(insn->code);
	int sz;

	if (res->poison)
		goto do_poison;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_SRC(insn->code) != BPF_K) {
			uxdp_ld_err(ld, "%s: ALU instruction with a register operand", where);
			return -EINVAL;
		}
		if (res->validate && (uint32_t)insn->imm != (uint32_t)orig) {
			uxdp_ld_err(ld, "%s: instruction has imm %d, relocation expects %llu",
				    where, insn->imm, (unsigned long long)orig);
			return -EINVAL;
		}
		insn->imm = (int32_t)nv;
		return 0;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		if (res->validate && (int64_t)insn->off != (int64_t)orig) {
			uxdp_ld_err(ld, "%s: instruction has offset %d, relocation expects %llu",
				    where, insn->off, (unsigned long long)orig);
			return -EINVAL;
		}
		if (nv > SHRT_MAX) {
			uxdp_ld_err(ld, "%s: offset %llu too large for a memory instruction", where,
				    (unsigned long long)nv);
			return -ERANGE;
		}
		if (res->fail_memsz_adjust) {
			uxdp_ld_warn(ld,
				     "%s: field of a different size and signedness, "
				     "instruction poisoned",
				     where);
			goto do_poison;
		}
		insn->off = (int16_t)nv;
		if (res->new_sz != res->orig_sz) {
			if ((uint32_t)bpf_size_bytes(insn) != res->orig_sz) {
				uxdp_ld_err(ld,
					    "%s: load/store of %d bytes for a field of %u bytes",
					    where, bpf_size_bytes(insn), res->orig_sz);
				return -EINVAL;
			}
			sz = bytes_to_bpf_size(res->new_sz);
			if (sz < 0) {
				uxdp_ld_err(ld, "%s: no load/store of %u bytes", where,
					    res->new_sz);
				return -EINVAL;
			}
			insn->code = BPF_MODE(insn->code) | sz | BPF_CLASS(insn->code);
		}
		return 0;
	case BPF_LD: {
		uint64_t imm;

		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW) || idx + 1 >= f->insn_cnt ||
		    insn->src_reg || insn->off || insn[1].code || insn[1].dst_reg ||
		    insn[1].src_reg || insn[1].off) {
			uxdp_ld_err(ld, "%s: relocation on a malformed lddw", where);
			return -EINVAL;
		}
		imm = (uint32_t)insn[0].imm | ((uint64_t)(uint32_t)insn[1].imm << 32);
		if (res->validate && imm != orig) {
			uxdp_ld_err(ld, "%s: lddw has %llu, relocation expects %llu", where,
				    (unsigned long long)imm, (unsigned long long)orig);
			return -EINVAL;
		}
		insn[0].imm = (int32_t)(uint32_t)nv;
		insn[1].imm = (int32_t)(uint32_t)(nv >> 32);
		return 0;
	}
	default:
		uxdp_ld_err(ld, "%s: cannot relocate instruction code 0x%02x", where, insn->code);
		return -EINVAL;
	}
do_poison:
	if (insn->code == (BPF_LD | BPF_IMM | BPF_DW) && idx + 1 < f->insn_cnt)
		poison(insn + 1);
	poison(insn);
	return 0;
}

/* Candidate target types of a local type (see the file comment). */
static int find_cands(const struct btf *btf, uint32_t local_id, uint32_t **out, size_t *cnt)
{
	const struct btf_type *lt = btf__type_by_id(btf, local_id);
	const char *lname = name_of(btf, lt->name_off);
	size_t elen = essential_len(lname), n = 0, pass;
	uint32_t i, tcnt = btf__type_cnt(btf);
	uint32_t *c = NULL;

	*out = NULL;
	*cnt = 0;
	for (pass = 0; pass < 2 && !n; pass++) {
		for (i = 1; i < tcnt; i++) {
			const struct btf_type *t = btf__type_by_id(btf, i);
			const char *tn;

			if (!t || !kinds_compat(t, lt))
				continue;
			tn = name_of(btf, t->name_off);
			if (pass == 0 ? (strlen(tn) != elen || strncmp(tn, lname, elen))
				      : (essential_len(tn) != elen || strncmp(tn, lname, elen)))
				continue;
			if (!c) {
				c = malloc(sizeof(*c) * (tcnt - i));
				if (!c)
					return -ENOMEM;
			}
			c[n++] = i;
		}
	}
	*out = c;
	*cnt = n;
	return 0;
}

static int apply_one(struct uxdp_loader *ld, const char *sec_name, struct uxdp_func *f,
		     uint32_t idx, const struct core_rec *rec, size_t relo_no)
{
	const struct btf *btf = ld->btf;
	const struct btf_type *lt;
	struct spec *ls, *ts, *cs;
	struct result res, cres;
	const char *lname, *acc;
	uint32_t *cands = NULL;
	size_t ncand = 0, i, j = 0;
	char where[256];
	int err;

	snprintf(where, sizeof(where), "section '%s': insn %u: CO-RE relocation #%zu", sec_name,
		 f->sec_insn_off + idx, relo_no);
	if (rec->kind > K_ENUMVAL_VALUE) {
		uxdp_ld_err(ld, "%s: unsupported relocation kind %u", where, rec->kind);
		return -EOPNOTSUPP;
	}
	lt = btf__type_by_id(btf, rec->type_id);
	acc = btf__name_by_offset(btf, rec->access_str_off);
	if (!lt || !acc) {
		uxdp_ld_err(ld, "%s: bad type id %u or access string", where, rec->type_id);
		return -EINVAL;
	}
	lname = name_of(btf, lt->name_off);
	ls = calloc(3, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ts = ls + 1;
	cs = ls + 2;
	err = parse_spec(btf, rec->type_id, acc, rec->kind, ls);
	if (err) {
		uxdp_ld_err(ld, "%s: cannot parse access '%s' of type [%u] %s (%s)", where, acc,
			    rec->type_id, lname, kind_names[rec->kind]);
		err = -EINVAL;
		goto out;
	}
	if (rec->kind == K_TYPE_ID_LOCAL) {
		memset(&res, 0, sizeof(res));
		res.orig_val = res.new_val = rec->type_id;
		err = patch_insn(ld, f, idx, &res, where);
		goto out;
	}
	if (!*lname) {
		uxdp_ld_err(ld, "%s: %s relocation of an anonymous type is not supported", where,
			    kind_names[rec->kind]);
		err = -EOPNOTSUPP;
		goto out;
	}
	err = find_cands(btf, rec->type_id, &cands, &ncand);
	if (err)
		goto out;
	for (i = 0; i < ncand; i++) {
		err = spec_match(btf, ls, cands[i], cs);
		if (err < 0) {
			uxdp_ld_err(ld, "%s: error matching candidate [%u]", where, cands[i]);
			goto out;
		}
		if (!err)
			continue;
		err = calc_relo(ld, btf, rec->kind, ls, cs, &cres, where);
		if (err)
			goto calc_failed;
		if (j == 0) {
			res = cres;
			*ts = *cs;
		} else if (cs->bit_offset != ts->bit_offset) {
			uxdp_ld_err(ld, "%s: field offset ambiguity: %u != %u", where,
				    cs->bit_offset, ts->bit_offset);
			err = -EINVAL;
			goto out;
		} else if (cres.poison != res.poison || cres.new_val != res.new_val) {
			uxdp_ld_err(ld, "%s: relocation decision ambiguity: %llu != %llu", where,
				    (unsigned long long)cres.new_val,
				    (unsigned long long)res.new_val);
			err = -EINVAL;
			goto out;
		}
		j++;
	}
	if (j == 0) {
		err = calc_relo(ld, btf, rec->kind, ls, NULL, &res, where);
		if (err)
			goto calc_failed;
	}
	err = patch_insn(ld, f, idx, &res, where);
	goto out;
calc_failed:
	uxdp_ld_err(ld, "%s: cannot compute %s of type [%u] %s access '%s' (%s)", where,
		    kind_names[rec->kind], rec->type_id, lname, acc, strerror(-err));
out:
	free(cands);
	free(ls);
	return err;
}

int uxdp_ld_apply_core_relos(struct uxdp_loader *ld)
{
	const struct uxdp_sec *es;
	const uint8_t *p;
	uint32_t hdr_len, off, len, rec_size, pos, end;
	size_t relo_no = 0;
	uint64_t size;

	if (!ld->btf_ext_idx || !ld->secs[ld->btf_ext_idx].data)
		return 0;
	es = &ld->secs[ld->btf_ext_idx];
	p = es->data->d_buf;
	size = es->data->d_size;
	/* struct btf_ext_header: magic, version, flags, hdr_len, then off/len pairs */
	if (size < 24 || p[0] != 0x9f || p[1] != 0xeb || p[2] != 1) {
		uxdp_ld_err(ld, "section '.BTF.ext': bad header");
		return -EINVAL;
	}
	memcpy(&hdr_len, p + 4, 4);
	if (hdr_len < 24 || hdr_len > size) {
		uxdp_ld_err(ld, "section '.BTF.ext': bad header length %u", hdr_len);
		return -EINVAL;
	}
	if (hdr_len < 32)
		return 0; /* no CO-RE part */
	memcpy(&off, p + 24, 4);
	memcpy(&len, p + 28, 4);
	if (!len)
		return 0;
	if (!ld->btf) {
		uxdp_ld_err(ld, "section '.BTF.ext': CO-RE relocations without .BTF");
		return -EINVAL;
	}
	if ((uint64_t)hdr_len + off > size || len > size - hdr_len - off || len < 4 || off % 4) {
		uxdp_ld_err(ld, "section '.BTF.ext': CO-RE relocations out of bounds");
		return -EINVAL;
	}
	p += hdr_len + off;
	memcpy(&rec_size, p, 4);
	if (rec_size < sizeof(struct core_rec) || rec_size % 4) {
		uxdp_ld_err(ld, "section '.BTF.ext': bad CO-RE record size %u", rec_size);
		return -EINVAL;
	}
	pos = 4;
	end = len;
	while (pos < end) {
		uint32_t name_off, num, k;
		const char *sec_name;
		size_t si;

		if (end - pos < 8) {
			uxdp_ld_err(ld, "section '.BTF.ext': truncated CO-RE section header");
			return -EINVAL;
		}
		memcpy(&name_off, p + pos, 4);
		memcpy(&num, p + pos + 4, 4);
		pos += 8;
		if (!num || (uint64_t)num * rec_size > end - pos) {
			uxdp_ld_err(ld, "section '.BTF.ext': bad CO-RE record count %u", num);
			return -EINVAL;
		}
		sec_name = btf__name_by_offset(ld->btf, name_off);
		if (!sec_name || !*sec_name) {
			uxdp_ld_err(ld, "section '.BTF.ext': CO-RE records for an unnamed section");
			return -EINVAL;
		}
		si = uxdp_ld_code_sec(ld, sec_name);
		if (!si) {
			uxdp_ld_err(ld,
				    "section '.BTF.ext': CO-RE records for unknown section '%s'",
				    sec_name);
			return -EINVAL;
		}
		for (k = 0; k < num; k++, pos += rec_size, relo_no++) {
			struct core_rec rec;
			struct uxdp_func *f;
			uint32_t idx;
			int err;

			memcpy(&rec, p + pos, sizeof(rec));
			if (ld->secs[si].kind == UXDP_SEC_SKIPPED)
				continue;
			if (rec.insn_off % 8) {
				uxdp_ld_err(ld,
					    "section '%s': CO-RE relocation #%zu: misaligned "
					    "instruction offset %u",
					    sec_name, relo_no, rec.insn_off);
				return -EINVAL;
			}
			idx = rec.insn_off / 8;
			f = uxdp_ld_find_func(ld, si, idx);
			if (!f) {
				uxdp_ld_err(ld,
					    "section '%s': insn %u: CO-RE relocation #%zu outside "
					    "any function",
					    sec_name, idx, relo_no);
				return -EINVAL;
			}
			err = apply_one(ld, sec_name, f, idx - f->sec_insn_off, &rec, relo_no);
			if (err)
				return err;
		}
	}
	return 0;
}
