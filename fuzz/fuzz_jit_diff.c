// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target: the input bytes drive the generator of fuzz/jit_gen.h; the
 * program runs on the interpreter and on the JIT, and any difference in r0,
 * packet bytes or map contents aborts (so libFuzzer keeps the reproducer).
 */
#include <stdlib.h>

#include "jit_gen.h"

static int quiet(enum uxdp_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;

	if (!init) {
		uxdp_set_print(quiet);
		init = true;
	}
	if (jg_diff(data, size, stderr) < 0)
		abort();
	return 0;
}
