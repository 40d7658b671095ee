// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp_prog__test_run(): the library's BPF_PROG_TEST_RUN for XDP programs,
 * with the kernel's frame geometry (net/bpf/test_run.c): a page-sized frame,
 * 256 bytes of headroom, 320 bytes of tailroom for skb_shared_info, so at
 * most 3520 linear bytes; the rest of a longer packet goes into page-sized
 * fragments. The output is the frame from data_meta to data_end followed by
 * the fragments. Repeated runs reuse the same frame without resetting it,
 * as the kernel's do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm_internal.h"
#include "util/opts.h"

#define PAGE_SZ 4096u
#define ETH_HLEN_ 14u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


int uxdp_prog__test_run(const struct uxdp_prog *prog, struct uxdp_exec *ex,
			struct uxdp_test_run_opts *opts)
{
	const uint32_t max_linear = PAGE_SZ - UXDP_XDP_HEADROOM - UXDP_XDP_TAILROOM;
	/* fragment pages, kept apart: a program shrinking the tail drops frags from xdp */
	uint8_t *pages[UXDP_XDP_MAX_FRAGS] = { 0 };
	struct uxdp_xdp_buff xdp;
	uint32_t size, linear, repeat, retval = 0, out_size, off;
	uint64_t start, spent;
	uint8_t *frame;
	int err = 0;

	if (!prog || !ex || !opts || (!opts->data_in && opts->data_size_in))
		return -EINVAL;
	if (prog->type == UXDP_PROG_RAW || prog->type == UXDP_PROG_XDP_DEVMAP ||
	    prog->type == UXDP_PROG_XDP_CPUMAP)
		return -EINVAL; /* the kernel test-runs only plain XDP programs */
	size = opts->data_size_in;
	if (size < ETH_HLEN_)
		return -EINVAL;
	linear = size > max_linear ? max_linear : size;

	frame = aligned_alloc(PAGE_SZ, PAGE_SZ);
	if (!frame)
		return -ENOMEM;
	memset(frame, 0, PAGE_SZ);
	memset(&xdp, 0, sizeof(xdp));
	memcpy(frame + UXDP_XDP_HEADROOM, opts->data_in, linear);
	xdp.data_hard_start = frame;
	xdp.data = frame + UXDP_XDP_HEADROOM;
	xdp.data_meta = xdp.data;
	xdp.data_end = xdp.data + linear;
	xdp.frame_sz = PAGE_SZ;
	xdp.ingress_ifindex = opts->ingress_ifindex ? opts->ingress_ifindex : 1;
	xdp.rx_queue_index = opts->rx_queue_index;

	for (off = linear; off < size;) {
		uint32_t len = size - off > PAGE_SZ ? PAGE_SZ : size - off;
		struct uxdp_xdp_frag *frag;

		if (xdp.nr_frags == UXDP_XDP_MAX_FRAGS) {
			err = -ENOMEM;
			goto out;
		}
		frag = &xdp.frags[xdp.nr_frags];
		frag->data = pages[xdp.nr_frags] = calloc(1, PAGE_SZ);
		if (!frag->data) {
			err = -ENOMEM;
			goto out;
		}
		xdp.nr_frags++;
		memcpy(frag->data, (const uint8_t *)opts->data_in + off, len);
		frag->len = len;
		frag->size = PAGE_SZ;
		xdp.frags_size += len;
		off += len;
	}

	if (UXDP_OPTS_GET(opts, count_insns, false)) {
		/* Count on a throw-away copy so the timed runs see the original frame. */
		struct uxdp_xdp_buff copy = xdp;
		uint8_t *frame2 = aligned_alloc(PAGE_SZ, PAGE_SZ);

		if (!frame2) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(frame2, frame, PAGE_SZ);
		copy.data_hard_start = frame2;
		copy.data = frame2 + (xdp.data - frame);
		copy.data_meta = frame2 + (xdp.data_meta - frame);
		copy.data_end = frame2 + (xdp.data_end - frame);
		uxdp_interp_run_counting(prog, &copy, 0, ex);
		opts->insn_cnt = ex->insn_count;
		free(frame2);
	}

	repeat = opts->repeat ? opts->repeat : 1;
	start = now_ns();
	for (uint32_t i = 0; i < repeat; i++)
		retval = uxdp_prog__run_xdp(prog, &xdp, ex);
	spent = now_ns() - start;

	opts->retval = retval;
	opts->duration_ns = spent / repeat;

	out_size = (uint32_t)(xdp.data_end - xdp.data_meta) + xdp.frags_size;
	if (opts->data_out) {
		uint32_t cap = opts->data_size_out, copied, n;

		n = (uint32_t)(xdp.data_end - xdp.data_meta);
		copied = n < cap ? n : cap;
		memcpy(opts->data_out, xdp.data_meta, copied);
		for (uint32_t f = 0; f < xdp.nr_frags && copied < cap; f++) {
			n = xdp.frags[f].len < cap - copied ? xdp.frags[f].len : cap - copied;
			memcpy((uint8_t *)opts->data_out + copied, xdp.frags[f].data, n);
			copied += n;
		}
		if (out_size > cap)
			err = -ENOSPC;
	}
	opts->data_size_out = out_size;
out:
	for (uint32_t f = 0; f < UXDP_XDP_MAX_FRAGS; f++)
		free(pages[f]);
	free(frame);
	return err;
}
