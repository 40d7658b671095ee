// SPDX-License-Identifier: BSD-2-Clause
/*
 * Validation of control messages (see ctl_proto.h). Everything a client sends
 * crosses the trust boundary into the privileged daemon: the header, every
 * length against the received size, every name field for its NUL, reserved
 * fields for zero. The first problem found is reported by field name.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"
#include "uxdp/xsk.h"

#define ERR(...) (snprintf(err, err_sz, __VA_ARGS__), -EINVAL)

static const char *type_name(uint32_t type)
{
	switch (type) {
#define UXDP_CTL_NAME(v, n)                                                                        \
	case v:                                                                                    \
		return #n;
		UXDP_CTL_TYPES(UXDP_CTL_NAME)
#undef UXDP_CTL_NAME
	}
	return "?";
}

/* A fixed-size name field must hold a NUL; non-empty names must be printable. */
static int check_name(const char *f, const char *what, bool may_be_empty, char *err, size_t err_sz)
{
	const char *nul = memchr(f, '\0', UXDP_CTL_NAME_MAX);

	if (!nul)
		return ERR("field '%s' is not NUL-terminated within %d bytes", what,
			   UXDP_CTL_NAME_MAX);
	if (nul == f && !may_be_empty)
		return ERR("field '%s' is empty", what);
	for (const char *p = f; p < nul; p++)
		if (*p < 0x21 || *p > 0x7e)
			return ERR("field '%s' has a byte 0x%02x that is not a printable character",
				   what, (unsigned char)*p);
	return 0;
}

static const char *const ring_names[UXDP_CTL_XSK_RINGS] = {
	[UXDP_CTL_XSK_FILL] = "fill",
	[UXDP_CTL_XSK_COMP] = "comp",
	[UXDP_CTL_XSK_RX] = "rx",
	[UXDP_CTL_XSK_TX] = "tx",
};

#define XSK_PAGE	    4096u
#define XSK_MAX_BYTES	    (1ull << 40) /* UMEM and ring offsets: 1 TiB */
#define XSK_MAX_ENTRIES	    65536u
#define XSK_KERNEL_HEADROOM 256u /* XDP_PACKET_HEADROOM */
#define XSK_TAILROOM	    320u /* a skb_shared_info's worth, as the kernel keeps */
#define XSK_BIND_FLAGS	    (XDP_SHARED_UMEM | XDP_COPY | XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP)

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t ring_entry_size(int r)
{
	return r == UXDP_CTL_XSK_RX || r == UXDP_CTL_XSK_TX ? sizeof(struct xdp_desc)
							    : sizeof(uint64_t);
}

/*
 * An XSK_BIND's fields, in message order. What needs the memfds (their sizes
 * and seals against the ring offsets) or the data path (port, queue, mode)
 * is checked by uxdp_xsk_srv_bind() and the daemon.
 */
static int check_xsk_bind(const struct uxdp_ctl_xsk_bind *b, char *err, size_t err_sz)
{
	bool unaligned;
	int rc;

	if (b->abi != UXDP_XSK_ABI_VERSION)
		return ERR("field 'abi' is %u, this daemon speaks ring ABI %d", b->abi,
			   UXDP_XSK_ABI_VERSION);
	rc = check_name(b->port, "port", false, err, err_sz);
	if (rc)
		return rc;
	if (b->bind_flags & ~XSK_BIND_FLAGS)
		return ERR("field 'bind_flags' has unknown bits 0x%x (known: XDP_SHARED_UMEM, "
			   "XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP)",
			   b->bind_flags & ~XSK_BIND_FLAGS);
	if ((b->bind_flags & XDP_COPY) && (b->bind_flags & XDP_ZEROCOPY))
		return ERR("field 'bind_flags' has both XDP_COPY and XDP_ZEROCOPY");
	if (b->libxdp_flags & ~UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD)
		return ERR("field 'libxdp_flags' has unknown bits 0x%x (known: "
			   "XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD)",
			   b->libxdp_flags & ~UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD);
	if (b->umem_flags & ~XDP_UMEM_UNALIGNED_CHUNK_FLAG)
		return ERR("field 'umem_flags' has unknown bits 0x%x (known: "
			   "XDP_UMEM_UNALIGNED_CHUNK_FLAG)",
			   b->umem_flags & ~XDP_UMEM_UNALIGNED_CHUNK_FLAG);
	unaligned = b->umem_flags & XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	/* Aligned chunks: a power of 2 (an address's chunk is addr / chunk_size).
	 * Unaligned: any size in the range, as the kernel allows. */
	if (b->chunk_size < 2048 || b->chunk_size > 4096 || (!unaligned && !pow2(b->chunk_size)))
		return ERR("field 'chunk_size' %u is not %s", b->chunk_size,
			   unaligned ? "in 2048..4096"
				     : "2048 or 4096 (a power of 2 in 2048..4096; any size "
				       "there with XDP_UMEM_UNALIGNED_CHUNK_FLAG)");
	/* The kernel's frame layout: the UMEM headroom, then XDP_PACKET_HEADROOM,
	 * then the packet, and tailroom the size of a skb_shared_info. */
	if (b->headroom >= b->chunk_size - XSK_KERNEL_HEADROOM - XSK_TAILROOM)
		return ERR("field 'headroom' %u leaves no room for a packet in a %u-byte chunk "
			   "(want below %u: %u bytes of XDP headroom and %u of tailroom are kept)",
			   b->headroom, b->chunk_size,
			   b->chunk_size - XSK_KERNEL_HEADROOM - XSK_TAILROOM, XSK_KERNEL_HEADROOM,
			   XSK_TAILROOM);
	/* Unaligned: chunks sit anywhere, so the size need not be a multiple. */
	if (b->umem_size < b->chunk_size || (!unaligned && b->umem_size % b->chunk_size) ||
	    b->umem_size > XSK_MAX_BYTES)
		return ERR("field 'umem_size' %llu is not %s chunk_size %u up to %llu bytes",
			   (unsigned long long)b->umem_size,
			   unaligned ? "at least" : "a non-zero multiple of", b->chunk_size,
			   (unsigned long long)XSK_MAX_BYTES);
	if (b->reserved)
		return ERR("field 'reserved' of XSK_BIND must be 0");
	for (int r = 0; r < UXDP_CTL_XSK_RINGS; r++) {
		const struct uxdp_ctl_xsk_ring *ring = &b->ring[r];

		if (ring->entries && (!pow2(ring->entries) || ring->entries > XSK_MAX_ENTRIES))
			return ERR("field 'ring[%s].entries' %u is not 0 or a power of 2 up to %u",
				   ring_names[r], ring->entries, XSK_MAX_ENTRIES);
		if (ring->off % XSK_PAGE || ring->off >= XSK_MAX_BYTES)
			return ERR("field 'ring[%s].off' %llu is not a multiple of %u below %llu",
				   ring_names[r], (unsigned long long)ring->off, XSK_PAGE,
				   (unsigned long long)XSK_MAX_BYTES);
		if (ring->reserved)
			return ERR("field 'ring[%s].reserved' must be 0", ring_names[r]);
	}
	if (!b->ring[UXDP_CTL_XSK_RX].entries && !b->ring[UXDP_CTL_XSK_TX].entries)
		return ERR("field 'ring[rx].entries' and 'ring[tx].entries' are both 0 (a socket "
			   "needs an rx or a tx ring)");
	if (!b->ring[UXDP_CTL_XSK_FILL].entries != !b->ring[UXDP_CTL_XSK_COMP].entries)
		return ERR("field 'ring[%s].entries' is 0 but 'ring[%s].entries' is not (give both "
			   "or neither)",
			   b->ring[UXDP_CTL_XSK_FILL].entries ? "comp" : "fill",
			   b->ring[UXDP_CTL_XSK_FILL].entries ? "fill" : "comp");
	/* Rings sharing a memfd (rx with tx, fill with comp) must not overlap. */
	for (int r = 0; r < UXDP_CTL_XSK_RINGS; r += 2) {
		const struct uxdp_ctl_xsk_ring *a = &b->ring[r], *c = &b->ring[r + 1];
		uint64_t a_end = a->off + UXDP_XSK_RING_BYTES(a->entries, ring_entry_size(r));
		uint64_t c_end = c->off + UXDP_XSK_RING_BYTES(c->entries, ring_entry_size(r + 1));

		if (a->entries && c->entries && a->off < c_end && c->off < a_end)
			return ERR("field 'ring[%s].off' %llu: the ring overlaps ring[%s] at %llu",
				   ring_names[r + 1], (unsigned long long)c->off, ring_names[r],
				   (unsigned long long)a->off);
	}
	return 0;
}

int uxdp_ctl_check_fds(const struct uxdp_ctl_req *req, int nfds, char *err, size_t err_sz)
{
	int want = 0;

	if (req->type == UXDP_CTL_XSK_BIND)
		want = req->xsk_bind->ring[UXDP_CTL_XSK_FILL].entries ? 3 : 2;
	if (nfds == want)
		return 0;
	if (!want)
		return ERR("%s message came with %d file descriptors, it takes none",
			   type_name(req->type), nfds);
	return ERR("fds: XSK_BIND %s fill/comp rings takes %d file descriptors (UMEM, rx/tx "
		   "rings%s), %d came",
		   want == 3 ? "with" : "without", want, want == 3 ? ", fill/comp rings" : "",
		   nfds);
}

int uxdp_ctl_parse(const void *msg, size_t n, struct uxdp_ctl_req *req, char *err, size_t err_sz)
{
	const struct uxdp_ctl_hdr *h = msg;
	size_t want = 0;
	int rc;

	memset(req, 0, sizeof(*req));
	if (n < sizeof(*h))
		return ERR("short message: %zu bytes, a header takes %zu", n, sizeof(*h));
	req->seq = h->seq;
	if (h->magic != UXDP_CTL_MAGIC) {
		snprintf(err, err_sz, "bad magic 0x%08x (want 0x%08x)", h->magic, UXDP_CTL_MAGIC);
		return -EPROTO;
	}
	if (h->version != UXDP_CTL_VERSION) {
		snprintf(err, err_sz,
			 "protocol version %u is not supported (this daemon speaks %u)", h->version,
			 UXDP_CTL_VERSION);
		return -EPROTO;
	}
	if (h->len != n)
		return ERR("field 'len' says %u bytes, the message has %zu", h->len, n);
	if (h->flags || h->reserved)
		return ERR("field '%s' must be 0 in a request", h->flags ? "flags" : "reserved");
	switch (h->type) {
	case UXDP_CTL_ATTACH:
		want = sizeof(struct uxdp_ctl_attach);
		break;
	case UXDP_CTL_DETACH:
		want = sizeof(struct uxdp_ctl_detach);
		break;
	case UXDP_CTL_STATS:
	case UXDP_CTL_XSK_STATS:
		want = sizeof(struct uxdp_ctl_hdr);
		break;
	case UXDP_CTL_XSK_BIND:
		want = sizeof(struct uxdp_ctl_xsk_bind);
		break;
	case UXDP_CTL_XSK_MAP_KEY:
		want = sizeof(struct uxdp_ctl_xsk_map_key);
		break;
	case UXDP_CTL_MAP_DUMP:
		want = sizeof(struct uxdp_ctl_map_dump);
		break;
	default:
		return ERR("unknown message type %u", h->type);
	}
	if (n < want || (h->type != UXDP_CTL_ATTACH && n != want))
		return ERR("%s message of %zu bytes, want %s%zu", type_name(h->type), n,
			   h->type == UXDP_CTL_ATTACH ? "at least " : "", want);
	req->type = h->type;
	switch (h->type) {
	case UXDP_CTL_ATTACH: {
		const struct uxdp_ctl_attach *a = msg;

		rc = check_name(a->port, "port", false, err, err_sz);
		rc = rc ?: check_name(a->prog, "prog", true, err, err_sz);
		if (rc)
			return rc;
		if (a->reserved)
			return ERR("field 'reserved' of ATTACH must be 0");
		if (a->path_len != n - want)
			return ERR("field 'path_len' says %u bytes, %zu follow", a->path_len,
				   n - want);
		if (a->path_len < 2 || a->path_len > UXDP_CTL_PATH_MAX)
			return ERR("field 'path_len' %u is not in 2..%d", a->path_len,
				   UXDP_CTL_PATH_MAX);
		if (a->path[a->path_len - 1] != '\0')
			return ERR("field 'path' is not NUL-terminated");
		if (strlen(a->path) != a->path_len - 1)
			return ERR("field 'path' has a NUL inside");
		if (a->path[0] != '/')
			return ERR("field 'path' must be an absolute path");
		req->port = a->port;
		req->prog = a->prog;
		req->path = a->path;
		break;
	}
	case UXDP_CTL_DETACH: {
		const struct uxdp_ctl_detach *d = msg;

		rc = check_name(d->port, "port", false, err, err_sz);
		if (rc)
			return rc;
		req->port = d->port;
		break;
	}
	case UXDP_CTL_MAP_DUMP: {
		const struct uxdp_ctl_map_dump *m = msg;

		rc = check_name(m->port, "port", true, err, err_sz);
		rc = rc ?: check_name(m->map, "map", false, err, err_sz);
		if (rc)
			return rc;
		req->port = m->port;
		req->map = m->map;
		break;
	}
	case UXDP_CTL_XSK_BIND: {
		const struct uxdp_ctl_xsk_bind *b = msg;

		rc = check_xsk_bind(b, err, err_sz);
		if (rc)
			return rc;
		req->port = b->port;
		req->xsk_bind = b;
		break;
	}
	case UXDP_CTL_XSK_MAP_KEY: {
		const struct uxdp_ctl_xsk_map_key *k = msg;

		rc = check_name(k->map, "map", true, err, err_sz);
		if (rc)
			return rc;
		if (k->reserved)
			return ERR("field 'reserved' of XSK_MAP_KEY must be 0");
		req->map = k->map;
		req->xsk_key = k->key;
		break;
	}
	default:
		break;
	}
	return 0;
}

int uxdp_ctl_reply_chunk(const struct uxdp_ctl_reply *r, size_t n, uint32_t seq, char **text,
			 size_t *have, int *status)
{
	char *t;

	if (n > UXDP_CTL_MAX_MSG || n < sizeof(*r) || r->hdr.magic != UXDP_CTL_MAGIC ||
	    r->hdr.version != UXDP_CTL_VERSION || r->hdr.type != UXDP_CTL_REPLY ||
	    r->hdr.len != n || r->text_len != n - sizeof(*r) || r->hdr.seq != seq)
		return -EPROTO;
	if (*have + r->text_len > UXDP_CTL_MAX_REPLY ||
	    !(t = realloc(*text, *have + r->text_len + 1)))
		return -EMSGSIZE;
	*text = t;
	memcpy(t + *have, r->text, r->text_len);
	*have += r->text_len;
	t[*have] = '\0';
	*status = r->status;
	return r->hdr.flags & UXDP_CTL_F_MORE ? 1 : 0;
}
