/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal view of programs and execution environments, shared by the
 * program preparation pass, the engines and the helpers.
 */
#ifndef UXDP_VM_INTERNAL_H
#define UXDP_VM_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "uxdp/vm.h"
#include "uxdp/map.h"

/*
 * The call libbpf (and our loader) writes over an instruction whose CO-RE
 * relocation found no target. The kernel accepts it in code that never runs;
 * so does uxdp, and a run that reaches it ends with r0 = 0 (XDP_ABORTED).
 */
#define UXDP_CORE_POISON_HELPER 0xbad2310

/* Opcode pieces (linux/bpf_common.h gives BPF_CLASS etc.). */
#define UXDP_OP_ATOMIC_MODE 0xc0 /* BPF_ATOMIC */
#define UXDP_MODE_MEMSX 0x80	 /* BPF_MEMSX */

/* The internal "encoded function pointer" value of BPF_PSEUDO_FUNC lddw:
 * subprogram index + 1, tagged so that callbacks can be told from garbage. */
#define UXDP_FUNC_TAG 0x5546000000000000ull

/*
 * A 32-bit load at an xdp_md offset through a pointer read back from memory:
 * it may or may not read the context, so engines check the address at run
 * time and translate a context access (see ctx_rewrite.c).
 */
#define UXDP_INSN_MAYBE_CTX 1u

struct uxdp_subprog {
	uint32_t start; /* first instruction */
	uint32_t end;	/* one past the last */
};

struct uxdp_interp_code; /* engine-private */
struct uxdp_jit_info;	 /* engine-private (jit_x86_64.c) */

struct uxdp_prog {
	char name[64];
	enum uxdp_prog_type type;
	enum uxdp_engine engine;
	bool frags;
	bool gpl;
	uint32_t id;
	atomic_int refcnt;

	struct bpf_insn *insns; /* prepared: maps resolved, context rewritten */
	uint32_t insn_cnt;
	uint8_t *insn_flags; /* UXDP_INSN_* per instruction (XDP programs), or NULL */

	struct uxdp_subprog *subprogs; /* [0] is the main program */
	uint32_t subprog_cnt;

	struct uxdp_map **maps; /* referenced maps (one reference each) */
	uint32_t map_cnt;

	/* engine images */
	struct uxdp_interp_code *interp;
	struct uxdp_interp_code *interp_counting; /* same code, counting executed insns */
	void *jit_image;
	size_t jit_size;
	uint64_t (*jit_entry)(void *ctx, uint64_t ctx_len, struct uxdp_exec *ex);
	struct uxdp_jit_info *jit; /* NULL: runs on the interpreter */
	/* The JIT image makes no tail call and no callback (bpf_loop & co.): its
	 * runs leave the exec's run state (tail_call_cnt, depth, ctx, call_fn,
	 * counting, cur_prog) as they found it, so back-to-back runs on one
	 * context set it once (the datapath's vector loop). */
	bool jit_plain;
	/* jit_plain and keeps_geometry. */
	bool jit_keeps_geometry;
	/* No call of a helper that moves data/data_meta/data_end
	 * (bpf_xdp_adjust_head/meta/tail) nor of a kfunc (ctx_rewrite.c): a run
	 * without tail calls leaves the buffer's geometry as it found it
	 * (programs cannot store to those context fields). */
	bool keeps_geometry;
	/* The context analysis (ctx_rewrite.c) found that the context is only
	 * read by the program's own loads, never handed to a helper or a kfunc
	 * nor possibly reached through a pointer loaded from memory: then
	 * ctx_reads lists the xdp_md fields it reads (bit i: the u32 at 4 * i),
	 * and a run needs no other field of the xdp_buff set. */
	bool ctx_private;
	uint8_t ctx_reads;
};

/* Redirect state a run leaves behind (the kernel's per-CPU bpf_redirect_info). */
struct uxdp_redirect_info {
	bool set;
	struct uxdp_map *map; /* NULL: by ifindex */
	enum bpf_map_type map_type;
	uint32_t index;
	uint64_t flags;
};

/* Per-thread execution environment. */
struct uxdp_exec {
	uint32_t cpu;
	uint32_t tail_call_cnt;
	struct uxdp_redirect_info ri;
	/* The program that is running: bpf_loop callbacks and tail calls go through it. */
	const struct uxdp_prog *cur_prog;
	/* Engine hook to call a callback function value (bpf_loop). */
	uint64_t (*call_fn)(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2,
			    uint64_t r3, uint64_t r4, uint64_t r5);
	void *engine_state;
	/* Current call depth (frames in use), for callbacks nested in calls. */
	uint32_t depth;
	/* The context of the running program (XDP: a struct uxdp_xdp_buff). */
	void *ctx;
	/* Counting runs (uxdp_interp_run_counting): executed instructions. */
	bool counting;
	uint64_t insn_count;

	uxdp_event_fn on_event;
	void *event_cookie;
	uint64_t events_dropped;
	/* Runs ended early: callx to a helper that does not exist (raw programs). */
	uint64_t runtime_errors;

	const struct uxdp_route *routes;
	size_t route_cnt;
	const struct uxdp_netdev *devs;
	size_t dev_cnt;

	uint64_t prandom_state[2];

	/* Stack memory for all frames of one run, 16-byte aligned. */
	_Alignas(16) uint8_t stack[UXDP_STACK_SIZE * (UXDP_MAX_CALL_DEPTH + 1)];
};

/* --- preparation (prepare.c) --- */

/* Append to a load log (kernel-verifier style); also passed to the print hook at DEBUG. */
void uxdp_log(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Register data flow (ctx_rewrite.c): refuse reads of unwritten registers and,
 * for XDP programs, rewrite xdp_md context loads. 0 or -errno with a log line.
 */
int uxdp_prog_dataflow(struct uxdp_prog *prog, char *log, size_t log_size);

/* Value of a 32-bit xdp_md read at offset off of the context (maybe-ctx loads). */
static inline uint64_t uxdp_xdp_md_read(const struct uxdp_xdp_buff *xdp, uint32_t off)
{
	switch (off) {
	case 0:
		return (uint64_t)(uintptr_t)xdp->data;
	case 4:
		return (uint64_t)(uintptr_t)xdp->data_end;
	case 8:
		return (uint64_t)(uintptr_t)xdp->data_meta;
	case 12:
		return xdp->ingress_ifindex;
	case 16:
		return xdp->rx_queue_index;
	default:
		return xdp->egress_ifindex;
	}
}

/* --- interpreter (interp.c) --- */
int uxdp_interp_prepare(struct uxdp_prog *prog, char *log, size_t log_size);
void uxdp_interp_free(struct uxdp_prog *prog);
uint64_t uxdp_interp_run(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len,
			 struct uxdp_exec *ex);
/* As uxdp_interp_run(), counting executed instructions into ex->insn_count. */
uint64_t uxdp_interp_run_counting(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len,
				  struct uxdp_exec *ex);

/*
 * Run prog from its start inside a run already under way (a tail call from JIT
 * code into a program without an image): keeps the tail-call count and depth.
 */
uint64_t uxdp_interp_run_nested(const struct uxdp_prog *prog, void *ctx, struct uxdp_exec *ex);
/* The interpreter's call_fn hook (bpf_loop callbacks of interpreted programs). */
uint64_t uxdp_interp_call_fn(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2,
			     uint64_t r3, uint64_t r4, uint64_t r5);

/* --- JIT (jit_x86_64.c; a stub that refuses on other architectures) --- */
/* Compile prog->insns into prog->jit*; 0, or -EOPNOTSUPP (with a log line) / -ENOMEM. */
int uxdp_jit_compile(struct uxdp_prog *prog, char *log, size_t log_size);
void uxdp_jit_free(struct uxdp_prog *prog);
/* call_fn hook of JIT runs: callbacks enter a subprogram's native code. */
uint64_t uxdp_jit_call_fn(struct uxdp_exec *ex, uint64_t fn, uint64_t r1, uint64_t r2, uint64_t r3,
			  uint64_t r4, uint64_t r5);

/* The exec's run state a JIT-compiled program starts from (uxdp_jit_run();
 * the data path's vector loop sets it once per vector for jit_plain programs). */
static inline void uxdp_jit_run_state(struct uxdp_exec *ex, void *ctx,
				      const struct uxdp_prog *prog)
{
	ex->tail_call_cnt = 0;
	ex->depth = 1;
	ex->ctx = ctx;
	ex->call_fn = uxdp_jit_call_fn;
	ex->counting = false;
	ex->cur_prog = prog;
}

/* Run a JIT-compiled program (the interpreter's uxdp_interp_run for native code). */
static inline uint64_t uxdp_jit_run(const struct uxdp_prog *prog, void *ctx, uint64_t ctx_len,
				    struct uxdp_exec *ex)
{
	const struct uxdp_prog *saved = ex->cur_prog;
	uint64_t r0;

	uxdp_jit_run_state(ex, ctx, prog);
	r0 = prog->jit_entry(ctx, ctx_len, ex);
	ex->cur_prog = saved;
	ex->depth = 0;
	return r0;
}

/* Print through the library hook. */
void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* UXDP_VM_INTERNAL_H */
