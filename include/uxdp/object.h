/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELF objects: what `clang -O2 -g -target bpf` makes from libbpf-style C,
 * opened without a kernel. Opening parses the ELF (libelf) and BTF (libbpf's
 * BTF API), creates the maps (BTF-defined `.maps`, legacy `maps`, and
 * `.rodata`/`.data`/`.bss` global data as array maps), applies relocations
 * (map references, global data, subprogram calls, CO-RE field relocations)
 * and loads every program of a known section type.
 *
 * Which call when: uxdp_object__open_file() once; then find programs and maps
 * by name; uxdp_object__close() releases everything the object made.
 */
#ifndef UXDP_OBJECT_H
#define UXDP_OBJECT_H

#include "common.h"
#include "vm.h"
#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

struct uxdp_object;

/** @brief Options of uxdp_object__open_file() / __open_mem(). */
struct uxdp_object_open_opts {
	size_t sz;
	/** name used for global-data map names ("<name>.rodata"); default: file name without .o */
	const char *object_name;
	/** per-CPU slot count of per-CPU maps (0 = 1) */
	uint32_t ncpus;
	enum uxdp_engine engine;
	/** buffer for the load log (errors name file, section, instruction); may be NULL */
	char *log_buf;
	size_t log_size;
	uint32_t log_level;
	size_t : 0;
};
#define uxdp_object_open_opts__last_field log_level

/**
 * @brief Open, relocate and load an object file.
 * @return the object, or NULL with errno set (ENOENT, EINVAL for a malformed
 *         or unsupported object, with the reason in the log, ENOMEM)
 */
UXDP_API struct uxdp_object *uxdp_object__open_file(const char *path,
						    const struct uxdp_object_open_opts *opts);
/** @brief As uxdp_object__open_file(), from memory (the buffer is not kept). */
UXDP_API struct uxdp_object *uxdp_object__open_mem(const void *buf, size_t size,
						   const struct uxdp_object_open_opts *opts);
/** @brief Release the object, its programs and its maps (references others hold stay valid). */
UXDP_API void uxdp_object__close(struct uxdp_object *obj);

UXDP_API const char *uxdp_object__name(const struct uxdp_object *obj);
UXDP_API const char *uxdp_object__license(const struct uxdp_object *obj);

/** @brief Number of programs (one per function in a program section). */
UXDP_API size_t uxdp_object__prog_cnt(const struct uxdp_object *obj);
UXDP_API struct uxdp_prog *uxdp_object__prog(const struct uxdp_object *obj, size_t idx);
/** @brief Section name the idx-th program came from ("xdp", "xdp.frags", …). */
UXDP_API const char *uxdp_object__prog_section(const struct uxdp_object *obj, size_t idx);
/** @brief Program by function name, or NULL. */
UXDP_API struct uxdp_prog *uxdp_object__find_prog(const struct uxdp_object *obj,
						  const char *name);

UXDP_API size_t uxdp_object__map_cnt(const struct uxdp_object *obj);
UXDP_API struct uxdp_map *uxdp_object__map(const struct uxdp_object *obj, size_t idx);
/** @brief Map by name (as libbpf names it, e.g. "xdp_filt.rodata"), or NULL. */
UXDP_API struct uxdp_map *uxdp_object__find_map(const struct uxdp_object *obj, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_OBJECT_H */
