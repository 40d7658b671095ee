/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal state of the ELF object loader, shared by its stages: elf.c
 * (sections, symbols, programs, the public object API), maps.c (BTF-defined,
 * legacy and global-data maps), relo.c (map/data/call relocations and
 * subprogram linking), core.c (CO-RE relocations from .BTF.ext) and lines.c
 * (source lines from .BTF.ext, for the verifier's messages). The
 * stages run in this order on one struct uxdp_loader; only the finished
 * struct uxdp_object outlives uxdp_object__open_mem().
 */
#ifndef UXDP_LOADER_INTERNAL_H
#define UXDP_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <gelf.h>
#include <linux/bpf.h>

#include "uxdp/object.h"

struct btf;

/* What a section is to the loader. */
enum uxdp_sec_kind {
	UXDP_SEC_OTHER = 0,
	UXDP_SEC_PROG,	      /* XDP program section */
	UXDP_SEC_TEXT,	      /* .text: subprograms only */
	UXDP_SEC_SKIPPED,     /* executable, known to libbpf but not XDP: ignored */
	UXDP_SEC_DATA,	      /* .data, .data.* */
	UXDP_SEC_RODATA,      /* .rodata, .rodata.* */
	UXDP_SEC_BSS,	      /* .bss, .bss.* */
	UXDP_SEC_MAPS,	      /* .maps (BTF-defined maps) */
	UXDP_SEC_LEGACY_MAPS, /* maps (struct bpf_map_def) */
	UXDP_SEC_LICENSE,
	UXDP_SEC_BTF,
	UXDP_SEC_BTF_EXT,
	UXDP_SEC_SYMTAB,
	UXDP_SEC_REL,
	UXDP_SEC_DEBUG, /* .debug_*, .eh_frame and friends */
};

struct uxdp_sec {
	const char *name;
	GElf_Shdr shdr;
	Elf_Data *data; /* NULL for empty or NOBITS sections */
	enum uxdp_sec_kind kind;
	enum uxdp_prog_type prog_type;
	bool frags;
	int map_idx; /* global-data map of this section, or -1 */
};

/* A relocation recorded against one instruction of a function. */
enum uxdp_relo_type {
	UXDP_RELO_MAP,	/* lddw of a map: imm = map index */
	UXDP_RELO_DATA, /* lddw of global data: map index + offset */
	UXDP_RELO_CALL, /* call of a .text function */
	UXDP_RELO_FUNC, /* lddw of a .text function address */
};

struct uxdp_relo {
	enum uxdp_relo_type type;
	uint32_t insn; /* index inside the function */
	int map_idx;
	uint32_t sym_off; /* symbol value (byte offset in its section) */
};

/* A BTF line info record of .BTF.ext, by function. */
struct uxdp_ld_line {
	size_t func_idx; /* in ld->funcs */
	uint32_t off;	 /* instruction index inside the function */
	uint32_t line, col;
	const char *file, *text; /* strings of ld->btf, or NULL if empty */
};

/* One function: an entry program or a .text subprogram. */
struct uxdp_func {
	char *name;
	size_t sec_idx;
	uint32_t sec_insn_off; /* first instruction inside its section */
	uint32_t insn_cnt;
	struct bpf_insn *insns; /* own copy: CO-RE and data relocations are applied here */
	bool is_sub;		/* .text function: never loaded on its own */
	struct uxdp_relo *relos;
	size_t relo_cnt;
	int64_t sub_off; /* while linking one main program: where the copy went, or -1 */
	/* entry programs only */
	int prog_idx; /* index in the object's program table, or -1 */
};

struct uxdp_obj_prog {
	char *name;
	char *sec_name;
	size_t func_idx;
	enum uxdp_prog_type type;
	bool frags;
	struct bpf_insn *insns; /* fully relocated stream handed to uxdp_prog__load() */
	size_t insn_cnt;
	struct uxdp_prog *prog;
};

enum uxdp_obj_map_kind {
	UXDP_OBJ_MAP_BTF,
	UXDP_OBJ_MAP_LEGACY,
	UXDP_OBJ_MAP_DATA,
};

/* A map spec as found in the object, then the created map. */
struct uxdp_obj_map {
	char *name;	/* full name: BTF variable, symbol or section name */
	char kname[16]; /* name given to uxdp_map__create() (kernel name) */
	enum uxdp_obj_map_kind kind;
	size_t sec_idx;
	uint64_t sec_off;
	uint32_t sec_size; /* bytes of the definition in its section */
	uint32_t type, key_size, value_size, max_entries, map_flags;
	uint32_t btf_key_type_id, btf_value_type_id;
	int32_t spin_lock_off;
	bool has_inner;
	uint32_t inner_type, inner_key_size, inner_value_size, inner_max_entries, inner_map_flags;
	int32_t inner_spin_lock_off;
	/* static initialisation (.values = { ... }): function or map index per slot, -1 = none */
	int *init_slots;
	uint32_t init_slot_cnt;
	struct uxdp_map *map;
};

struct uxdp_object {
	char *name;
	char *license;
	struct uxdp_obj_prog *progs;
	size_t prog_cnt;
	struct uxdp_obj_map *maps;
	size_t map_cnt;
	struct uxdp_map **map_ptrs; /* map table handed to uxdp_prog__load() */
};

/* Everything the stages share while one object is opened. */
struct uxdp_loader {
	const char *path; /* for messages */
	const struct uxdp_object_open_opts *opts;
	char *log_buf;
	size_t log_size;
	uint32_t ncpus;

	void *image; /* private copy of the file, libelf reads from it */
	size_t image_size;
	Elf *elf;
	struct uxdp_sec *secs;
	size_t sec_cnt;
	GElf_Sym *syms;
	const char **sym_names;
	size_t sym_cnt;
	size_t symtab_idx, strtab_idx;
	size_t text_idx;	/* 0 if none */
	size_t maps_idx;	/* .maps, 0 if none */
	size_t legacy_maps_idx; /* maps, 0 if none */
	size_t btf_idx, btf_ext_idx;

	struct btf *btf;

	struct uxdp_func *funcs; /* sorted by section, then offset */
	size_t func_cnt;

	struct uxdp_ld_line *lines; /* source lines (lines.c) */
	size_t line_cnt;

	struct uxdp_object *obj;
};

/* Report an error (file prefix added); goes to the log buffer and the print hook. */
void uxdp_ld_err(struct uxdp_loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A warning: same channels, but the open goes on. */
void uxdp_ld_warn(struct uxdp_loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* maps.c */
/* Index of the code section (program, .text or skipped) named name, or 0 (elf.c). */
size_t uxdp_ld_code_sec(const struct uxdp_loader *ld, const char *name);

int uxdp_ld_collect_maps(struct uxdp_loader *ld);
int uxdp_ld_create_maps(struct uxdp_loader *ld);
int uxdp_ld_init_map_slots(struct uxdp_loader *ld, bool progs);
/* Static initialisation of prog_array / map-in-map `.values` (relocations of .maps). */
int uxdp_ld_collect_map_relos(struct uxdp_loader *ld, size_t rel_idx);
/* map of a .maps / maps symbol (section and offset), or -1 */
int uxdp_ld_find_map_at(struct uxdp_loader *ld, size_t sec_idx, uint64_t off);
/* The kernel-visible name of a global-data map (libbpf's rule), into out[16]. */
void uxdp_ld_internal_map_name(const char *obj_name, const char *sec_name, char out[16]);

/*
 * Refuse maps that would take more than bytes of memory (0: no limit, the
 * default). For processes that open untrusted objects, and for the fuzzer.
 */
void uxdp_loader_set_map_limit(uint64_t bytes);

/* relo.c */
int uxdp_ld_collect_relos(struct uxdp_loader *ld);
int uxdp_ld_apply_data_relos(struct uxdp_loader *ld);
int uxdp_ld_link_prog(struct uxdp_loader *ld, struct uxdp_obj_prog *p);
/* Function of a section that contains instruction insn, or NULL. */
struct uxdp_func *uxdp_ld_find_func(struct uxdp_loader *ld, size_t sec_idx, uint32_t insn);

/* core.c */
int uxdp_ld_apply_core_relos(struct uxdp_loader *ld);

/* lines.c */
/* Read and check the line info of .BTF.ext (after the functions and .BTF). */
int uxdp_ld_collect_lines(struct uxdp_loader *ld);
/*
 * Line info of the program uxdp_ld_link_prog() linked last, by its final
 * instruction indices, sorted: *out is malloc'd (NULL if none); its strings
 * live as long as ld->btf.
 */
struct uxdp_line_info;
int uxdp_ld_prog_lines(struct uxdp_loader *ld, struct uxdp_line_info **out, size_t *cnt);

/* BTF utilities (core.c) */
const struct btf_type *uxdp_btf_skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id);

/*
 * For tests: the relocated instructions the idx-th program was loaded from
 * (before the runtime's own preparation), or NULL.
 */
const struct bpf_insn *uxdp_object_prog_insns(const struct uxdp_object *obj, size_t idx,
					      size_t *cnt);
/*
 * For tests: open without loading the programs (relocation and linking still
 * run; uxdp_object__prog() then returns NULL and prog_array slots stay empty).
 */
struct uxdp_object *uxdp_object_open_file_internal(const char *path,
						   const struct uxdp_object_open_opts *opts,
						   bool load);
struct uxdp_object *uxdp_object_open_mem_internal(const void *buf, size_t size,
						  const struct uxdp_object_open_opts *opts,
						  bool load);
/* For tests: the object's index of a map (its index in the program's map table), or -1. */
int uxdp_object_map_index(const struct uxdp_object *obj, const char *name);

#endif /* UXDP_LOADER_INTERNAL_H */
