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
#include <string.h>

#include "ctl/ctl_proto.h"

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
		want = sizeof(struct uxdp_ctl_hdr);
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
	default:
		break;
	}
	return 0;
}
