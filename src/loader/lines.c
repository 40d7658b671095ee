// SPDX-License-Identifier: BSD-2-Clause
/*
 * Source lines of the ELF loader: reads the BTF line info of .BTF.ext (the
 * records clang -g writes for every source line: instruction byte offset in
 * its section, file name, line text, line and column) and, once a program is
 * linked, translates the records of its entry function and of every .text
 * subprogram copied into it to the program's final instruction indices, for
 * the verifier's messages. The records are untrusted: a malformed block or
 * record is refused naming '.BTF.ext', as core.c refuses bad CO-RE records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "loader/loader_internal.h"
#include "uxdp/vm.h"

/* struct btf_ext_header: magic, version, flags, hdr_len, then off/len pairs */
#define EXT_HDR_MIN  24
#define EXT_LINE_OFF 16
#define EXT_LINE_LEN 20
/* one record: insn_off, file_name_off, line_off, line_col */
#define LINE_REC_MIN 16

static const char *btf_str(const struct btf *btf, uint32_t off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s && *s ? s : NULL;
}

static int add_line(struct uxdp_loader *ld, size_t *cap, const struct uxdp_ld_line *l)
{
	if (ld->line_cnt == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *n = realloc(ld->lines, ncap * sizeof(*ld->lines));

		if (!n)
			return -ENOMEM;
		ld->lines = n;
		*cap = ncap;
	}
	ld->lines[ld->line_cnt++] = *l;
	return 0;
}

int uxdp_ld_collect_lines(struct uxdp_loader *ld)
{
	const struct uxdp_sec *es;
	const uint8_t *p;
	uint32_t hdr_len, off, len, rec_size, pos;
	size_t rec_no = 0, cap = 0;
	uint64_t size;

	if (!ld->btf_ext_idx || !ld->secs[ld->btf_ext_idx].data)
		return 0;
	es = &ld->secs[ld->btf_ext_idx];
	p = es->data->d_buf;
	size = es->data->d_size;
	if (size < EXT_HDR_MIN || p[0] != 0x9f || p[1] != 0xeb || p[2] != 1) {
		uxdp_ld_err(ld, "section '.BTF.ext': bad header");
		return -EINVAL;
	}
	memcpy(&hdr_len, p + 4, 4);
	if (hdr_len < EXT_HDR_MIN || hdr_len > size) {
		uxdp_ld_err(ld, "section '.BTF.ext': bad header length %u", hdr_len);
		return -EINVAL;
	}
	memcpy(&off, p + EXT_LINE_OFF, 4);
	memcpy(&len, p + EXT_LINE_LEN, 4);
	if (!len)
		return 0;
	if ((uint64_t)hdr_len + off > size || len > size - hdr_len - off || len < 4 || off % 4) {
		uxdp_ld_err(ld,
			    "section '.BTF.ext': line info out of bounds (offset %u, %u bytes, "
			    "section %llu bytes)",
			    off, len, (unsigned long long)size);
		return -EINVAL;
	}
	p += hdr_len + off;
	memcpy(&rec_size, p, 4);
	if (rec_size < LINE_REC_MIN || rec_size % 4) {
		uxdp_ld_err(ld, "section '.BTF.ext': bad line info record size %u", rec_size);
		return -EINVAL;
	}
	if (!ld->btf) {
		/* load_btf() let a corrupt .BTF go: without its strings the lines mean nothing */
		uxdp_ld_warn(ld, "section '.BTF.ext': line info without a usable .BTF, ignored");
		return 0;
	}
	pos = 4;
	while (pos < len) {
		uint32_t name_off, num, k;
		const char *sec_name;
		size_t si;

		if (len - pos < 8) {
			uxdp_ld_err(ld, "section '.BTF.ext': truncated line info section header");
			return -EINVAL;
		}
		memcpy(&name_off, p + pos, 4);
		memcpy(&num, p + pos + 4, 4);
		pos += 8;
		if (!num || (uint64_t)num * rec_size > len - pos) {
			uxdp_ld_err(ld, "section '.BTF.ext': bad line info record count %u", num);
			return -EINVAL;
		}
		sec_name = btf_str(ld->btf, name_off);
		if (!sec_name) {
			uxdp_ld_err(ld, "section '.BTF.ext': line info for an unnamed section");
			return -EINVAL;
		}
		si = uxdp_ld_code_sec(ld, sec_name);
		if (!si) {
			uxdp_ld_err(ld, "section '.BTF.ext': line info for unknown section '%s'",
				    sec_name);
			return -EINVAL;
		}
		for (k = 0; k < num; k++, pos += rec_size, rec_no++) {
			uint32_t rec[4];
			struct uxdp_ld_line l;
			struct uxdp_func *f;
			uint32_t idx;
			int err;

			memcpy(rec, p + pos, sizeof(rec));
			if (ld->secs[si].kind == UXDP_SEC_SKIPPED)
				continue;
			if (rec[0] % 8) {
				uxdp_ld_err(ld,
					    "section '.BTF.ext': line info #%zu (section '%s'): "
					    "misaligned instruction offset %u",
					    rec_no, sec_name, rec[0]);
				return -EINVAL;
			}
			idx = rec[0] / 8;
			f = uxdp_ld_find_func(ld, si, idx);
			if (!f) {
				uxdp_ld_err(
					ld,
					"section '.BTF.ext': line info #%zu (section '%s'): insn "
					"%u outside any function",
					rec_no, sec_name, idx);
				return -EINVAL;
			}
			if (!btf__name_by_offset(ld->btf, rec[1]) ||
			    !btf__name_by_offset(ld->btf, rec[2])) {
				uxdp_ld_err(
					ld,
					"section '.BTF.ext': line info #%zu (section '%s'): bad "
					"string offset (file %u, line %u)",
					rec_no, sec_name, rec[1], rec[2]);
				return -EINVAL;
			}
			l = (struct uxdp_ld_line){
				.func_idx = (size_t)(f - ld->funcs),
				.off = idx - f->sec_insn_off,
				.line = rec[3] >> 10,
				.col = rec[3] & 0x3ff,
				.file = btf_str(ld->btf, rec[1]),
				.text = btf_str(ld->btf, rec[2]),
			};
			err = add_line(ld, &cap, &l);
			if (err)
				return err;
		}
	}
	return 0;
}

static int cmp_line_info(const void *a, const void *b)
{
	const struct uxdp_line_info *x = a, *y = b;

	if (x->insn != y->insn)
		return x->insn < y->insn ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

int uxdp_ld_prog_lines(struct uxdp_loader *ld, struct uxdp_line_info **out, size_t *cnt)
{
	struct uxdp_line_info *li;
	size_t i, n = 0;

	*out = NULL;
	*cnt = 0;
	for (i = 0; i < ld->line_cnt; i++)
		n += ld->funcs[ld->lines[i].func_idx].sub_off >= 0;
	if (!n)
		return 0;
	li = calloc(n, sizeof(*li));
	if (!li)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < ld->line_cnt; i++) {
		const struct uxdp_ld_line *l = &ld->lines[i];
		const struct uxdp_func *f = &ld->funcs[l->func_idx];

		if (f->sub_off < 0)
			continue;
		li[n++] = (struct uxdp_line_info){
			.insn = (uint32_t)(f->sub_off + l->off),
			.line = l->line,
			.col = l->col,
			.file = l->file,
			.text = l->text,
		};
	}
	qsort(li, n, sizeof(*li), cmp_line_info);
	*out = li;
	*cnt = n;
	return 0;
}
