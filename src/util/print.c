// SPDX-License-Identifier: BSD-2-Clause
/*
 * The library's only output channel: a replaceable print hook (libbpf's
 * libbpf_set_print model) and the load-log appender used by the loader and
 * the program preparation passes.
 */
#include <stdio.h>
#include <string.h>

#include "uxdp/common.h"
#include "vm/vm_internal.h"

static int default_print(enum uxdp_print_level level, const char *fmt, va_list ap)
{
	if (level > UXDP_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uxdp_print_fn print_hook = default_print;

uxdp_print_fn uxdp_set_print(uxdp_print_fn fn)
{
	uxdp_print_fn old = print_hook;

	print_hook = fn;
	return old;
}

void uxdp_pr(enum uxdp_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_hook)
		return;
	va_start(ap, fmt);
	print_hook(level, fmt, ap);
	va_end(ap);
}

void uxdp_log(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (buf && size) {
		used = strnlen(buf, size);
		if (used < size - 1) {
			va_start(ap, fmt);
			vsnprintf(buf + used, size - used, fmt, ap);
			va_end(ap);
		}
	}
	/* Errors reach the embedder through the hook even without a log buffer. */
	if (print_hook) {
		va_start(ap, fmt);
		print_hook(UXDP_DEBUG, fmt, ap);
		va_end(ap);
	}
}
