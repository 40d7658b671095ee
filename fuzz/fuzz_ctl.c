// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target for the control protocol's validation (uxdp_ctl_parse and
 * uxdp_ctl_check_fds): the first input byte is how many fds came with the
 * message (0..4), the rest is the message, copied into a buffer of exactly
 * its size so ASan sees any read past it. Whatever the bytes, parsing must
 * not crash, the error must be a NUL-terminated text naming something, and an
 * accepted message must satisfy what the daemon relies on afterwards: names
 * NUL-terminated inside the message, an ATTACH path absolute and whole, an
 * XSK_BIND whose sizes, flags and ring geometry are within the documented
 * limits (rings that share a memfd disjoint). The seed corpus
 * (make_ctl_corpus.py) holds one valid message of each type and a few
 * XSK_BIND variants.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"
#include "uxdp/xsk.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_name(const char *name, const uint8_t *msg, size_t n)
{
	const uint8_t *p = (const uint8_t *)name;

	CHECK(p >= msg && p + UXDP_CTL_NAME_MAX <= msg + n);
	CHECK(memchr(name, '\0', UXDP_CTL_NAME_MAX));
}

static uint64_t ring_end(const struct uxdp_ctl_xsk_bind *b, int r)
{
	uint64_t esz = r == UXDP_CTL_XSK_RX || r == UXDP_CTL_XSK_TX ? 16 : 8;

	return b->ring[r].off + UXDP_XSK_RING_BYTES(b->ring[r].entries, esz);
}

static void check_bind(const struct uxdp_ctl_xsk_bind *b)
{
	bool unaligned = b->umem_flags & XDP_UMEM_UNALIGNED_CHUNK_FLAG;

	CHECK(b->abi == UXDP_XSK_ABI_VERSION);
	/* aligned: 2048 or 4096; unaligned chunks: any size in between */
	CHECK(b->chunk_size == 2048 || b->chunk_size == 4096 ||
	      (unaligned && b->chunk_size > 2048 && b->chunk_size < 4096));
	CHECK(b->headroom < b->chunk_size - 256 - 320);
	CHECK(b->umem_size >= b->chunk_size && b->umem_size <= 1ull << 40);
	CHECK(unaligned || b->umem_size % b->chunk_size == 0);
	CHECK(!(b->bind_flags & ~(uint32_t)(XDP_SHARED_UMEM | XDP_COPY | XDP_ZEROCOPY |
					    XDP_USE_NEED_WAKEUP)));
	CHECK((b->bind_flags & (XDP_COPY | XDP_ZEROCOPY)) != (XDP_COPY | XDP_ZEROCOPY));
	CHECK(b->libxdp_flags <= 1 && !(b->umem_flags & ~XDP_UMEM_UNALIGNED_CHUNK_FLAG) &&
	      !b->reserved);
	for (int r = 0; r < UXDP_CTL_XSK_RINGS; r++) {
		uint32_t e = b->ring[r].entries;

		CHECK(!(e & (e - 1)) && e <= 65536);
		CHECK(b->ring[r].off % 4096 == 0 && b->ring[r].off < 1ull << 40);
		CHECK(!b->ring[r].reserved);
	}
	CHECK(b->ring[UXDP_CTL_XSK_RX].entries || b->ring[UXDP_CTL_XSK_TX].entries);
	CHECK(!b->ring[UXDP_CTL_XSK_FILL].entries == !b->ring[UXDP_CTL_XSK_COMP].entries);
	for (int r = 0; r < UXDP_CTL_XSK_RINGS; r += 2)
		if (b->ring[r].entries && b->ring[r + 1].entries)
			CHECK(ring_end(b, r) <= b->ring[r + 1].off ||
			      ring_end(b, r + 1) <= b->ring[r].off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uxdp_ctl_req req;
	char err[512];
	uint8_t *msg;
	size_t n;
	int nfds, rc;

	if (size < 1 || size > UXDP_CTL_MAX_MSG + 1)
		return 0;
	nfds = data[0] % 5;
	n = size - 1;
	msg = malloc(n ? n : 1); /* malloc's alignment, as the server's buffer has */
	if (!msg)
		return 0;
	memcpy(msg, data + 1, n);
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rc = uxdp_ctl_parse(msg, n, &req, err, sizeof(err));
	if (rc) {
		CHECK(rc == -EINVAL || rc == -EPROTO);
		CHECK(err[0] != 'x' && memchr(err, '\0', sizeof(err)));
		goto out;
	}
	CHECK(n >= sizeof(struct uxdp_ctl_hdr) && ((const struct uxdp_ctl_hdr *)msg)->len == n);
	switch (req.type) {
	case UXDP_CTL_ATTACH:
		check_name(req.port, msg, n);
		check_name(req.prog, msg, n);
		CHECK(req.path[0] == '/' && (const uint8_t *)req.path + strlen(req.path) < msg + n);
		break;
	case UXDP_CTL_DETACH:
		check_name(req.port, msg, n);
		CHECK(req.port[0]);
		break;
	case UXDP_CTL_MAP_DUMP:
		check_name(req.port, msg, n);
		check_name(req.map, msg, n);
		break;
	case UXDP_CTL_XSK_BIND:
		CHECK(n == sizeof(struct uxdp_ctl_xsk_bind) && req.xsk_bind == (const void *)msg);
		check_name(req.port, msg, n);
		check_bind(req.xsk_bind);
		break;
	case UXDP_CTL_XSK_MAP_KEY:
		check_name(req.map, msg, n);
		break;
	case UXDP_CTL_STATS:
	case UXDP_CTL_XSK_STATS:
		CHECK(n == sizeof(struct uxdp_ctl_hdr));
		break;
	default:
		abort(); /* REPLY and unknown types are never accepted */
	}
	rc = uxdp_ctl_check_fds(&req, nfds, err, sizeof(err));
	if (req.type == UXDP_CTL_XSK_BIND)
		CHECK(!rc == (nfds == (req.xsk_bind->ring[UXDP_CTL_XSK_FILL].entries ? 3 : 2)));
	else
		CHECK(!rc == (nfds == 0));
out:
	free(msg);
	return 0;
}
