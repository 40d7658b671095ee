/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The eBPF runtime: loading instruction streams into runnable programs,
 * execution environments, and running programs on memory or on XDP frames.
 *
 * Which call when:
 *  - uxdp_prog__load() turns an instruction array (with its map table) into a
 *    runnable program. ELF objects go through uxdp_object__open() (object.h),
 *    which calls this for each program it finds.
 *  - uxdp_exec__new() makes the per-thread state a run needs (its CPU slot for
 *    per-CPU maps, the redirect target a helper chose, event sinks, the route
 *    table that bpf_fib_lookup consults). One per worker thread; never shared
 *    between threads running at the same time.
 *  - uxdp_prog__run_xdp() runs an XDP program on a frame (fast path);
 *    uxdp_prog__run() runs any program on a raw context pointer;
 *    uxdp_prog__test_run() is the library form of BPF_PROG_TEST_RUN.
 */
#ifndef UXDP_VM_H
#define UXDP_VM_H

#include <stdbool.h>
#include <linux/bpf.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uxdp_map;
struct uxdp_prog;
struct uxdp_exec;

/** Largest program accepted, in instructions (the kernel's BPF_COMPLEXITY_LIMIT_INSNS). */
#define UXDP_MAX_INSNS 1000000
/** Stack bytes per frame. */
#define UXDP_STACK_SIZE 512
/** Deepest bpf-to-bpf call chain, counting the main program. */
#define UXDP_MAX_CALL_DEPTH 8
/** Most tail calls one run may take (the kernel's MAX_TAIL_CALL_CNT). */
#define UXDP_MAX_TAIL_CALLS 33
/** Headroom in front of packet data, as XDP_PACKET_HEADROOM. */
#define UXDP_XDP_HEADROOM 256
/** Tailroom the kernel reserves for skb_shared_info on x86-64. */
#define UXDP_XDP_TAILROOM 320
/** Most fragments of a multi-buffer frame (MAX_SKB_FRAGS). */
#define UXDP_XDP_MAX_FRAGS 17

/** @brief What kind of context a program expects in r1. */
enum uxdp_prog_type {
	/** r1 = pointer to a memory block, r2 = its length (conformance vectors). */
	UXDP_PROG_RAW = 0,
	/** XDP program (`SEC("xdp")`): r1 = struct xdp_md. */
	UXDP_PROG_XDP,
	/** XDP program attached to a devmap entry (`SEC("xdp/devmap")`). */
	UXDP_PROG_XDP_DEVMAP,
	/** XDP program attached to a cpumap entry (`SEC("xdp/cpumap")`). */
	UXDP_PROG_XDP_CPUMAP,
};

/** @brief Execution engine. */
enum uxdp_engine {
	UXDP_ENGINE_DEFAULT = 0, /**< JIT where available, else the interpreter */
	UXDP_ENGINE_INTERP,	 /**< the reference interpreter */
	UXDP_ENGINE_JIT,	 /**< native code (fails to load where unavailable) */
};

/**
 * @brief One fragment of a multi-buffer (xdp.frags) frame.
 */
struct uxdp_xdp_frag {
	uint8_t *data;
	uint32_t len;
	uint32_t size; /**< bytes usable from data (for tail growth) */
};

/**
 * @brief An XDP frame as programs see it through `struct xdp_md`.
 *
 * The runtime rewrites a program's 32-bit `xdp_md` loads into loads from this
 * struct, as the kernel rewrites them into loads from `struct xdp_buff`.
 * Invariant: data_hard_start <= data_meta <= data <= data_end <=
 * data_hard_start + frame_sz - UXDP_XDP_TAILROOM.
 */
struct uxdp_xdp_buff {
	uint8_t *data;		  /**< first byte of the packet */
	uint8_t *data_end;	  /**< one past the last byte of the linear part */
	uint8_t *data_meta;	  /**< start of metadata (== data when none) */
	uint8_t *data_hard_start; /**< start of the buffer (headroom begins here) */
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex; /**< set for devmap programs */
	uint32_t frame_sz;	 /**< buffer size from data_hard_start, incl. tailroom */
	uint32_t nr_frags;	 /**< fragments after the linear part */
	uint32_t frags_size;	 /**< total bytes in the fragments */
	struct uxdp_xdp_frag frags[UXDP_XDP_MAX_FRAGS];
};

/** @brief Options of uxdp_prog__load(). */
struct uxdp_prog_load_opts {
	size_t sz;
	/** program name, for messages (copied) */
	const char *name;
	enum uxdp_prog_type type;
	enum uxdp_engine engine;
	/**
	 * Map table: `lddw` with src BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_IDX
	 * (and the _VALUE forms) name maps by their index in this array, as the
	 * kernel names them by fd. The program takes a reference on each map
	 * it uses.
	 */
	struct uxdp_map *const *maps;
	size_t map_cnt;
	/** license string; GPL-only helpers need a GPL-compatible one */
	const char *license;
	/** program handles multi-buffer frames (SEC("xdp.frags")) */
	bool frags;
	/** buffer for the load log (errors name the instruction); may be NULL */
	char *log_buf;
	size_t log_size;
	uint32_t log_level;
	/**
	 * Accept shift immediates outside 0..width-1 and mask them (imm & 63,
	 * imm & 31), as RFC 9669 defines the operation. The kernel refuses such
	 * programs and so does uxdp unless this is set; it exists for ISA
	 * conformance vectors that test the masking.
	 */
	bool mask_shift_imm;
	/**
	 * Skip the static verifier (debugging only): allowed only with
	 * engine = UXDP_ENGINE_INTERP; an unverified program may crash the process.
	 */
	bool no_verify;
	/**
	 * UXDP_PROG_RAW: bytes of memory r1 points to when the program runs (r2 is
	 * then that constant); the verifier proves every access through r1 within
	 * them, and the program must be run with at least that much memory. 0: an
	 * unknown size; accesses through r1 are then not bounds-checked (raw
	 * programs are for tests; XDP programs are always fully checked).
	 */
	uint32_t raw_mem_size;
	/** source lines by instruction (from .BTF.ext), for verifier messages; may be NULL */
	const struct uxdp_line_info *line_info;
	size_t line_info_cnt;
	size_t : 0;
};
#define uxdp_prog_load_opts__last_field line_info_cnt

/** @brief Where an instruction came from (BTF line info), for verifier messages. */
struct uxdp_line_info {
	uint32_t insn;	  /**< first instruction of the line */
	uint32_t line;	  /**< line number */
	uint32_t col;	  /**< column */
	const char *file; /**< source file name */
	const char *text; /**< the source line, without its newline; may be NULL */
};

/**
 * @brief Load an instruction stream into a runnable program.
 *
 * Validates every instruction (opcodes, reserved fields, jump targets, shift
 * immediates, `lddw` pairs, helper IDs), finds bpf-to-bpf subprograms,
 * resolves map references through opts->maps, rewrites `xdp_md` context loads
 * for XDP programs, and prepares the chosen engine.
 *
 * @param insns instructions (copied)
 * @param insn_cnt number of instructions (lddw counts as two)
 * @param opts options, may be NULL
 * @return the program, or NULL with errno set (EINVAL for a bad program, with
 *         the reason in opts->log_buf and through the print hook; E2BIG for a
 *         too-long program; ENOMEM)
 */
UXDP_API struct uxdp_prog *uxdp_prog__load(const struct bpf_insn *insns, size_t insn_cnt,
					   const struct uxdp_prog_load_opts *opts);

/** @brief Drop a reference to a program; frees it (and its map references) at zero. */
UXDP_API void uxdp_prog__put(struct uxdp_prog *prog);
/** @brief Take another reference to a program. */
UXDP_API struct uxdp_prog *uxdp_prog__get(struct uxdp_prog *prog);

UXDP_API const char *uxdp_prog__name(const struct uxdp_prog *prog);
UXDP_API enum uxdp_prog_type uxdp_prog__type(const struct uxdp_prog *prog);
/** @brief Program ID: unique in the process, never 0 (plays the part of a kernel prog ID). */
UXDP_API uint32_t uxdp_prog__id(const struct uxdp_prog *prog);
/** @brief The engine the program actually runs on. */
UXDP_API enum uxdp_engine uxdp_prog__engine(const struct uxdp_prog *prog);
/** @brief The instructions as prepared for execution (after context rewrite). */
UXDP_API const struct bpf_insn *uxdp_prog__insns(const struct uxdp_prog *prog, size_t *cnt);
/**
 * @brief The native code of a JIT-compiled program, for debugging (dumps).
 * @param size out: bytes of code
 * @param insn_offsets out: for each instruction of uxdp_prog__insns(), the
 *        offset of its native code in the image; [cnt] is the end of the code
 * @return the image, or NULL with errno ENOENT when the program runs on the
 *         interpreter
 */
UXDP_API const void *uxdp_prog__jited(const struct uxdp_prog *prog, size_t *size,
				      const uint32_t **insn_offsets);
/** @brief Look a program up by ID (no reference taken); NULL if none. */
UXDP_API struct uxdp_prog *uxdp_prog__from_id(uint32_t id);

/** @brief Kind of a record a program emitted through bpf_trace_printk or bpf_perf_event_output. */
enum uxdp_event_type {
	UXDP_EVENT_TRACE_PRINTK,
	UXDP_EVENT_PERF_OUTPUT,
};

/** @brief A record emitted by a program, handed to the exec's event callback. */
struct uxdp_event {
	enum uxdp_event_type type;
	uint32_t cpu;
	const struct uxdp_map *map; /**< perf_event_array for PERF_OUTPUT */
	uint32_t index;		    /**< perf_event_array slot */
	const void *data;	    /**< formatted text (no NUL) or the raw record */
	size_t len;
};

/** @brief Callback for program events; called synchronously from the helper. */
typedef void (*uxdp_event_fn)(void *cookie, const struct uxdp_event *ev);

/** @brief One route for bpf_fib_lookup (see uxdp_exec_opts.routes). */
struct uxdp_route {
	uint8_t family;	   /**< AF_INET or AF_INET6 */
	uint8_t prefixlen;
	uint8_t dst[16];   /**< network byte order; IPv4 in the first 4 bytes */
	uint8_t gw[16];	   /**< next hop; all-zero = directly connected */
	uint32_t ifindex;  /**< egress interface */
	uint8_t smac[6];   /**< egress interface's MAC */
	uint8_t dmac[6];   /**< next hop's MAC (neighbour entry) */
	bool has_neigh;	   /**< dmac is known */
	uint16_t mtu;	   /**< egress MTU; 0 = 1500 */
};

/** @brief A network interface as helpers see it (check_mtu, fib_lookup, redirect). */
struct uxdp_netdev {
	uint32_t ifindex;
	uint32_t mtu;
	uint8_t mac[6];
	const char *name;
};

/** @brief Options of uxdp_exec__new(). */
struct uxdp_exec_opts {
	size_t sz;
	/** CPU slot this exec uses in per-CPU maps (must be < the maps' slot count) */
	uint32_t cpu;
	/** receiver of trace_printk / perf_event_output records (NULL: dropped, counted) */
	uxdp_event_fn on_event;
	void *event_cookie;
	/** route table for bpf_fib_lookup; not copied; empty means "no route" */
	const struct uxdp_route *routes;
	size_t route_cnt;
	/** interfaces for check_mtu / fib_lookup; not copied; NULL = loopback only (ifindex 1, MTU 65536) */
	const struct uxdp_netdev *devs;
	size_t dev_cnt;
	/** seed of bpf_get_prandom_u32 (0 = from the clock) */
	uint64_t prandom_seed;
	size_t : 0;
};
#define uxdp_exec_opts__last_field prandom_seed

/** @brief Make an execution environment; NULL with errno on failure. */
UXDP_API struct uxdp_exec *uxdp_exec__new(const struct uxdp_exec_opts *opts);
UXDP_API void uxdp_exec__free(struct uxdp_exec *ex);

/** @brief Where the last XDP_REDIRECT verdict of this exec points. */
struct uxdp_redirect_target {
	const struct uxdp_map *map; /**< NULL for bpf_redirect() by ifindex */
	enum bpf_map_type map_type;
	uint32_t index;		    /**< map key or ifindex */
	uint64_t flags;
};

/**
 * @brief Read (and clear) the redirect target that the last run chose.
 * @return 0, or -ENOENT when the last run set none
 */
UXDP_API int uxdp_exec__take_redirect(struct uxdp_exec *ex, struct uxdp_redirect_target *out);

/**
 * @brief Run an XDP program on one frame (fast path).
 *
 * @return the program's action (XDP_ABORTED … XDP_REDIRECT; any other value
 *         is returned as is, callers treat it as XDP_ABORTED)
 */
UXDP_API uint32_t uxdp_prog__run_xdp(const struct uxdp_prog *prog, struct uxdp_xdp_buff *xdp,
				     struct uxdp_exec *ex);

/**
 * @brief Run a program with r1 = ctx and r2 = ctx_len.
 *
 * For UXDP_PROG_RAW this is the conformance convention (memory and length);
 * for XDP types ctx must point to a struct uxdp_xdp_buff.
 * @return r0 at exit
 */
UXDP_API uint64_t uxdp_prog__run(const struct uxdp_prog *prog, void *ctx, size_t ctx_len,
				 struct uxdp_exec *ex);

/** @brief Options and results of uxdp_prog__test_run() (BPF_PROG_TEST_RUN). */
struct uxdp_test_run_opts {
	size_t sz;
	const void *data_in;
	uint32_t data_size_in;
	void *data_out;		/**< may be NULL */
	uint32_t data_size_out; /**< in: capacity of data_out; out: bytes of output */
	uint32_t ingress_ifindex; /**< 0 = 1 (loopback), as the kernel */
	uint32_t rx_queue_index;
	uint32_t repeat;	/**< 0 = 1 */
	uint32_t retval;	/**< out: the action */
	uint64_t duration_ns;	/**< out: mean ns per run */
	/**
	 * Also count the instructions one run executes (an extra, untimed run
	 * on a copy of the frame by the interpreter's counting variant; map
	 * side effects of that run happen too)
	 */
	bool count_insns;
	uint64_t insn_cnt; /**< out: instructions executed by one run, with count_insns */
	size_t : 0;
};
#define uxdp_test_run_opts__last_field insn_cnt

/**
 * @brief Run an XDP program on one packet with the kernel's test-run geometry.
 *
 * The packet is copied into a page-sized frame behind 256 bytes of headroom
 * with 320 bytes of tailroom, so at most 3520 linear bytes; the rest of a
 * longer packet goes into page-sized fragments, for every program (the
 * kernel does the same). Output is the frame from data_meta to data_end
 * followed by the fragments, as the kernel returns it.
 *
 * @return 0; -EINVAL for a packet shorter than an Ethernet header, or for a
 *         program type the kernel does not test-run (devmap/cpumap/raw);
 *         -ENOMEM for a packet needing more than UXDP_XDP_MAX_FRAGS fragments;
 *         -ENOSPC when data_out is too small (data_size_out then holds the
 *         size needed)
 */
UXDP_API int uxdp_prog__test_run(const struct uxdp_prog *prog, struct uxdp_exec *ex,
				 struct uxdp_test_run_opts *opts);

/** @brief Name of an XDP action ("XDP_DROP"), or "UNKNOWN" for values outside 0..4. */
UXDP_API const char *uxdp_xdp_action_name(uint32_t action);

/** @brief Linux name of a helper ID ("map_lookup_elem"), or NULL if the ID is unknown. */
UXDP_API const char *uxdp_helper_name(int32_t id);

/**
 * @brief Disassemble one instruction into buf (kernel verifier-log syntax).
 * @return number of instructions consumed (2 for lddw), or -EINVAL
 */
UXDP_API int uxdp_disasm_insn(const struct bpf_insn *insn, size_t remaining, char *buf,
			      size_t buf_sz);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_VM_H */
