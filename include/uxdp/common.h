/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared definitions of the uxdp public API: the export macro, the
 * extensible-options convention (libbpf style: `sz` first, fields only ever
 * appended) and the library's print hook. Every other public header includes
 * this one.
 */
#ifndef UXDP_COMMON_H
#define UXDP_COMMON_H

#include <stdarg.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef UXDP_API
#define UXDP_API __attribute__((visibility("default")))
#endif

/**
 * @brief Declare and zero-initialise an options struct with its size set.
 *
 * Usage: `UXDP_OPTS(uxdp_prog_load_opts, opts, .name = "x");`
 */
#define UXDP_OPTS(TYPE, NAME, ...)                                                                 \
	struct TYPE NAME = ({                                                                      \
		memset(&NAME, 0, sizeof(struct TYPE));                                             \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };                           \
	})

/** @brief Severity of a message passed to the print hook. */
enum uxdp_print_level {
	UXDP_WARN,
	UXDP_INFO,
	UXDP_DEBUG,
};

/** @brief Print hook type; see uxdp_set_print(). */
typedef int (*uxdp_print_fn)(enum uxdp_print_level level, const char *fmt, va_list ap);

/**
 * @brief Route the library's diagnostics.
 *
 * The library never writes to stdout/stderr on its own; by default warnings go
 * to stderr through a built-in hook. Pass NULL to silence everything.
 *
 * @param fn new hook, or NULL
 * @return the previous hook
 */
UXDP_API uxdp_print_fn uxdp_set_print(uxdp_print_fn fn);

#ifdef __cplusplus
}
#endif

#endif /* UXDP_COMMON_H */
