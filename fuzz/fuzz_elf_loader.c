// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the ELF object loader: every input is handed to
 * uxdp_object__open_mem() with a log buffer, and a successfully opened object
 * is walked and closed. Crashes, sanitizer reports, leaks and hangs are the
 * findings; refusals are the expected outcome for almost every input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "uxdp/object.h"
#include "loader/loader_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* the log buffer is enough; stderr would slow the fuzzer down */
	uxdp_set_print(NULL);
	libbpf_set_print(NULL);
	/* a map definition may ask for any size: keep the fuzzer's memory bounded */
	uxdp_loader_set_map_limit(64u << 20);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char log[16384];
	struct uxdp_object_open_opts opts = {
		.sz = sizeof(opts),
		.object_name = "fuzz",
		.ncpus = 2,
		.engine = UXDP_ENGINE_INTERP,
		.log_buf = log,
		.log_size = sizeof(log),
	};
	struct uxdp_object *obj;
	size_t i;

	obj = uxdp_object__open_mem(data, size, &opts);
	if (!obj)
		return 0;
	for (i = 0; i < uxdp_object__prog_cnt(obj); i++)
		(void)uxdp_prog__name(uxdp_object__prog(obj, i));
	for (i = 0; i < uxdp_object__map_cnt(obj); i++)
		(void)uxdp_map__name(uxdp_object__map(obj, i));
	uxdp_object__close(obj);
	return 0;
}
