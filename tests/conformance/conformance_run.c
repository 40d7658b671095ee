// SPDX-License-Identifier: BSD-2-Clause
/*
 * Runner for one bpf_conformance vector (a `.data` file): parses its
 * sections (`-- asm`, `-- raw`, `-- mem`, `-- result`, `-- error`; `-- c` and
 * `-- no register offset` are informational), assembles the program, loads
 * it as a UXDP_PROG_RAW program on the chosen engine, runs it with r1 = a
 * private copy of the memory (r2 = its length; NULL and 0 without `-- mem`)
 * and compares r0 with the expected result.
 *
 *   conformance_run [--engine interp|jit|default] [--negative] FILE.data
 *
 * Exit status: 0 pass, 1 fail, 77 skip (the vector file is missing, e.g.
 * when ../shared is not checked out).
 *
 * A vector with `-- error` passes when it is refused (at parsing, assembly or
 * load). With --negative (the repository's negative/ vectors) the vector
 * passes when it is refused at parsing, assembly or load, or when it loads,
 * carries a `-- result` and no `-- error`, and the run does not reproduce that
 * result (those vectors state a deliberately wrong result).
 *
 * `-- raw` holds either one 64-bit little-endian instruction per token (hex
 * with 0x, or decimal), as lddw.data does, or, when every token is exactly two
 * hex digits, a byte stream of 8 bytes per instruction, as the negative/
 * vectors are written. When a vector has both `-- asm` and `-- raw`, the
 * assembler's output must equal the raw instructions.
 *
 * Helpers: `call N` and `call %rN` (callx, encoded with the register in
 * dst_reg as LLVM does) both mean "call the helper with that ID", which is the
 * convention of the bpf_conformance plugins; a raw program reaches the
 * helpers the runtime offers to UXDP_PROG_RAW programs. The vectors that call
 * (call_unwind_fail: `call 5`, callx: `call %r2` with r2 = 5) overwrite r0
 * afterwards, so they check that the call is accepted, made and returns, not
 * what the helper computes.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uxdp/asm.h"
#include "uxdp/vm.h"

struct vector {
	const char *path;
	char *asm_text; /* `-- asm` lines, padded so that line N is file line N */
	size_t asm_len;
	int asm_lines;
	char *raw_text; /* concatenated `-- raw` lines, NULL if none */
	size_t raw_len;
	uint8_t *mem;
	size_t mem_len;
	bool has_mem;
	bool has_result;
	uint64_t result;
	bool has_error;
	char error[256];
};

enum section { S_NONE, S_ASM, S_RAW, S_MEM, S_RESULT, S_ERROR, S_IGNORE };

static int append(char **buf, size_t *len, const char *line)
{
	size_t l = strlen(line);
	char *n = realloc(*buf, *len + l + 2);

	if (!n)
		return -ENOMEM;
	memcpy(n + *len, line, l);
	n[*len + l] = '\n';
	n[*len + l + 1] = '\0';
	*buf = n;
	*len += l + 1;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void strip_comment(char *s)
{
	char *h = strchr(s, '#');

	if (h)
		*h = '\0';
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	return errno || *end ? -EINVAL : 0;
}

static int add_mem_bytes(struct vector *v, char *line, int lineno)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *end;
		unsigned long b = strtoul(tok, &end, 16);
		uint8_t *n;

		if (*end || b > 0xff || strlen(tok) > 2) {
			fprintf(stderr, "%s:%d: invalid memory byte '%s'\n", v->path, lineno, tok);
			return -EINVAL;
		}
		n = realloc(v->mem, v->mem_len + 1);
		if (!n)
			return -ENOMEM;
		v->mem = n;
		v->mem[v->mem_len++] = (uint8_t)b;
	}
	return 0;
}

/* Read the vector. Returns 0, -ENOENT (file missing), -EINVAL (malformed). */
static int parse_vector(struct vector *v)
{
	FILE *f = fopen(v->path, "r");
	enum section sec = S_NONE;
	char *linebuf = NULL;
	size_t cap = 0;
	int lineno = 0, err = 0;
	bool result_seen_line = false;

	if (!f)
		return -errno;
	while (getline(&linebuf, &cap, f) >= 0) {
		char *line = linebuf, *t;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		t = trim(line);
		if (!strncmp(t, "--", 2)) {
			char *name = trim(t + 2);

			if (!strcmp(name, "asm")) {
				sec = S_ASM;
			} else if (!strcmp(name, "raw")) {
				sec = S_RAW;
			} else if (!strcmp(name, "mem")) {
				sec = S_MEM;
				v->has_mem = true;
			} else if (!strcmp(name, "result")) {
				sec = S_RESULT;
			} else if (!strcmp(name, "error")) {
				sec = S_ERROR;
				v->has_error = true;
			} else if (!strcmp(name, "c") || !strcmp(name, "no register offset")) {
				sec = S_IGNORE;
			} else {
				fprintf(stderr, "%s:%d: unknown directive '-- %s'\n", v->path,
					lineno, name);
				err = -EINVAL;
				break;
			}
			if (sec == S_ASM && !v->asm_text)
				err = append(&v->asm_text, &v->asm_len, "");
			if (sec == S_ASM && !v->asm_lines)
				v->asm_lines = 1;
			if (sec == S_RAW && !v->raw_text)
				err = append(&v->raw_text, &v->raw_len, "");
			if (err)
				break;
			continue;
		}
		switch (sec) {
		case S_ASM:
			/* pad, so that the assembler's "line N" is line N of the file */
			while (!err && v->asm_lines < lineno - 1) {
				err = append(&v->asm_text, &v->asm_len, "");
				v->asm_lines++;
			}
			if (!err)
				err = append(&v->asm_text, &v->asm_len, line);
			v->asm_lines++;
			break;
		case S_RAW:
			strip_comment(line);
			err = append(&v->raw_text, &v->raw_len, line);
			break;
		case S_MEM:
			strip_comment(line);
			err = add_mem_bytes(v, line, lineno);
			break;
		case S_RESULT:
			strip_comment(line);
			t = trim(line);
			if (!*t)
				break;
			if (result_seen_line || parse_u64(t, &v->result)) {
				fprintf(stderr, "%s:%d: invalid result '%s'\n", v->path, lineno, t);
				err = -EINVAL;
				break;
			}
			result_seen_line = true;
			v->has_result = true;
			break;
		case S_ERROR:
			if (*t && !v->error[0])
				snprintf(v->error, sizeof(v->error), "%s", t);
			break;
		case S_NONE:
			strip_comment(line);
			if (*trim(line)) {
				fprintf(stderr, "%s:%d: text outside any section\n", v->path,
					lineno);
				err = -EINVAL;
			}
			break;
		case S_IGNORE:
			break;
		}
		if (err)
			break;
	}
	free(linebuf);
	fclose(f);
	return err;
}

/* Decode `-- raw` (see the file comment for the two accepted layouts). */
static int decode_raw(const struct vector *v, struct bpf_insn **out, size_t *cnt)
{
	char *text = strdup(v->raw_text), *tok, *save = NULL;
	size_t ntok = 0, i;
	bool bytes = true;
	uint64_t *vals = NULL;
	int err = 0;

	if (!text)
		return -ENOMEM;
	for (tok = strtok_r(text, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		uint64_t *n = realloc(vals, (ntok + 1) * sizeof(*vals));

		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		vals = n;
		if (strlen(tok) == 2 && isxdigit((unsigned char)tok[0]) &&
		    isxdigit((unsigned char)tok[1])) {
			vals[ntok] = strtoull(tok, NULL, 16);
		} else {
			bytes = false;
			if (parse_u64(tok, &vals[ntok])) {
				fprintf(stderr, "%s: invalid raw instruction '%s'\n", v->path, tok);
				err = -EINVAL;
				goto out;
			}
		}
		ntok++;
	}
	if (bytes) {
		/* all tokens are hex bytes: re-read them as hex (a token "10" is 0x10) */
		if (ntok % 8) {
			fprintf(stderr, "%s: -- raw has %zu bytes, not a multiple of 8\n", v->path,
				ntok);
			err = -EINVAL;
			goto out;
		}
		*cnt = ntok / 8;
		*out = calloc(*cnt ? *cnt : 1, sizeof(**out));
		if (!*out) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < ntok; i++)
			((uint8_t *)*out)[i] = (uint8_t)vals[i];
	} else {
		/* 64-bit tokens; a byte-looking token such as "10" was parsed as hex above */
		free(text);
		text = strdup(v->raw_text);
		if (!text) {
			err = -ENOMEM;
			goto out;
		}
		*cnt = 0;
		*out = calloc(ntok ? ntok : 1, sizeof(**out));
		if (!*out) {
			err = -ENOMEM;
			goto out;
		}
		for (tok = strtok_r(text, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			uint64_t val;

			if (parse_u64(tok, &val)) {
				fprintf(stderr, "%s: invalid raw instruction '%s'\n", v->path, tok);
				free(*out);
				*out = NULL;
				err = -EINVAL;
				goto out;
			}
			/* the instruction's in-memory form, as the file stores it */
			for (i = 0; i < 8; i++)
				((uint8_t *)&(*out)[*cnt])[i] = (uint8_t)(val >> (8 * i));
			(*cnt)++;
		}
	}
out:
	free(vals);
	free(text);
	return err;
}

static void dump_program(const struct bpf_insn *insns, size_t cnt)
{
	size_t pc = 0;
	char buf[128];

	while (pc < cnt) {
		int n = uxdp_disasm_insn(&insns[pc], cnt - pc, buf, sizeof(buf));

		fprintf(stderr, "  %4zu: %s\n", pc, buf);
		pc += n > 0 ? (size_t)n : 1;
	}
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--engine interp|jit|default] [--negative] FILE.data\n", prog);
}

/* Outcome of taking a vector through parse, assemble, load and run. */
enum stage { ST_PARSE, ST_ASM, ST_LOAD, ST_RAN };

int main(int argc, char **argv)
{
	enum uxdp_engine engine = UXDP_ENGINE_INTERP;
	struct vector v = {0};
	struct bpf_insn *insns = NULL, *raw = NULL;
	size_t cnt = 0, raw_cnt = 0;
	struct uxdp_prog *prog = NULL;
	struct uxdp_exec *ex = NULL;
	enum stage stage = ST_PARSE;
	bool negative = false;
	char log[4096] = "", err[sizeof(log) + 128] = "";
	uint64_t r0 = 0;
	void *ctx = NULL;
	int i, ret, rc = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--engine") && i + 1 < argc) {
			const char *e = argv[++i];

			if (!strcmp(e, "interp")) {
				engine = UXDP_ENGINE_INTERP;
			} else if (!strcmp(e, "jit")) {
				engine = UXDP_ENGINE_JIT;
			} else if (!strcmp(e, "default")) {
				engine = UXDP_ENGINE_DEFAULT;
			} else {
				usage(argv[0]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--negative")) {
			negative = true;
		} else if (argv[i][0] == '-' || v.path) {
			usage(argv[0]);
			return 2;
		} else {
			v.path = argv[i];
		}
	}
	if (!v.path) {
		usage(argv[0]);
		return 2;
	}

	ret = parse_vector(&v);
	if (ret == -ENOENT) {
		printf("SKIP: %s not found (the conformance vectors live in ../shared)\n", v.path);
		rc = 77;
		goto out;
	}
	if (ret) {
		snprintf(err, sizeof(err), "malformed vector (%s)", strerror(-ret));
		goto refused;
	}
	if (!v.asm_text && !v.raw_text) {
		snprintf(err, sizeof(err), "no -- asm or -- raw section: no program");
		goto refused;
	}
	if (!v.has_result && !v.has_error) {
		snprintf(err, sizeof(err), "neither -- result nor -- error");
		goto refused;
	}

	stage = ST_ASM;
	if (v.raw_text) {
		ret = decode_raw(&v, &raw, &raw_cnt);
		if (ret) {
			snprintf(err, sizeof(err), "bad -- raw section");
			goto refused;
		}
	}
	if (v.asm_text) {
		ret = uxdp_asm(v.asm_text, &insns, &cnt, err, sizeof(err));
		if (ret)
			goto refused;
		if (raw && (raw_cnt != cnt || memcmp(raw, insns, cnt * sizeof(*insns)))) {
			fprintf(stderr,
				"%s: FAIL: -- asm assembles to something else than -- raw\n",
				v.path);
			fprintf(stderr, "assembled:\n");
			dump_program(insns, cnt);
			fprintf(stderr, "raw:\n");
			dump_program(raw, raw_cnt);
			goto out;
		}
	}
	if (raw) {
		free(insns);
		insns = raw;
		cnt = raw_cnt;
		raw = NULL;
	}
	if (!cnt) {
		snprintf(err, sizeof(err), "no instructions");
		goto refused;
	}

	stage = ST_LOAD;
	{
		struct uxdp_prog_load_opts opts = {
			.sz = sizeof(opts),
			.name = "conformance",
			.type = UXDP_PROG_RAW,
			.engine = engine,
			.log_buf = log,
			.log_size = sizeof(log),
			.log_level = 1,
			/* the vectors test RFC 9669 shift masking (the kernel refuses those) */
			.mask_shift_imm = true,
			/* the verifier proves r1 accesses within the vector's memory */
			.raw_mem_size = (uint32_t)v.mem_len,
		};

		prog = uxdp_prog__load(insns, cnt, &opts);
		if (!prog) {
			int load_errno = errno;
			size_t l = strlen(log);

			while (l && (log[l - 1] == '\n' || log[l - 1] == ' '))
				log[--l] = '\0';
			snprintf(err, sizeof(err), "load failed (%s): %s", strerror(load_errno),
				 log[0] ? log : "(no log)");
			goto refused;
		}
	}

	{
		struct uxdp_exec_opts eopts = {.sz = sizeof(eopts), .prandom_seed = 1};

		ex = uxdp_exec__new(&eopts);
		if (!ex) {
			fprintf(stderr, "%s: FAIL: uxdp_exec__new: %s\n", v.path, strerror(errno));
			goto out;
		}
	}
	if (v.mem_len) {
		ctx = malloc(v.mem_len); /* exact size, so that a sanitizer sees overruns */
		if (!ctx) {
			fprintf(stderr, "%s: FAIL: out of memory\n", v.path);
			goto out;
		}
		memcpy(ctx, v.mem, v.mem_len);
	}
	r0 = uxdp_prog__run(prog, ctx, v.mem_len, ex);
	stage = ST_RAN;

	if (negative) {
		if (!v.has_error && v.has_result && r0 != v.result) {
			printf("%s: ok (negative): r0 = 0x%" PRIx64 ", the vector claims 0x%" PRIx64
			       "\n",
			       v.path, r0, v.result);
			rc = 0;
		} else {
			fprintf(stderr,
				"%s: FAIL (negative): accepted and ran (r0 = 0x%" PRIx64
				"); it should have been refused%s%s\n",
				v.path, r0, v.has_error ? ", expected error: " : "",
				v.has_error ? (v.error[0] ? v.error : "(any)") : "");
			dump_program(insns, cnt);
		}
		goto out;
	}
	if (v.has_error) {
		fprintf(stderr,
			"%s: FAIL: expected an error (%s) but the program loaded and ran, r0 = "
			"0x%" PRIx64 "\n",
			v.path, v.error[0] ? v.error : "any", r0);
		goto out;
	}
	if (r0 != v.result) {
		fprintf(stderr, "%s: FAIL: expected r0 = 0x%" PRIx64 ", got 0x%" PRIx64 "\n",
			v.path, v.result, r0);
		dump_program(insns, cnt);
		goto out;
	}
	printf("%s: ok (r0 = 0x%" PRIx64 ")\n", v.path, r0);
	rc = 0;
	goto out;

refused : {
	static const char *const names[] = {"parsing", "assembly", "load", "run"};

	if (negative || v.has_error) {
		printf("%s: ok: refused at %s: %s%s%s\n", v.path, names[stage], err,
		       v.has_error ? "; expected error: " : "",
		       v.has_error ? (v.error[0] ? v.error : "(any)") : "");
		rc = 0;
	} else {
		fprintf(stderr, "%s: FAIL: refused at %s: %s\n", v.path, names[stage], err);
		if (stage == ST_LOAD)
			dump_program(insns, cnt);
	}
}
out:
	free(ctx);
	uxdp_exec__free(ex);
	uxdp_prog__put(prog);
	free(insns);
	free(raw);
	free(v.asm_text);
	free(v.raw_text);
	free(v.mem);
	return rc;
}
