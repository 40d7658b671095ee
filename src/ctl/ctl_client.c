// SPDX-License-Identifier: BSD-2-Clause
/*
 * The client side of the control socket (used by the uxdp CLI): connect,
 * send one request, gather the reply's chunks into one NUL-terminated text.
 * The daemon's replies are checked as carefully as it checks requests
 * (magic, version, type, lengths, sequence number), and capped in total size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"

int uxdp_ctl_connect(const char *path, char *err, size_t err_sz)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_sz, "control socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_sz, "socket: %s", strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = -errno;
		snprintf(err, err_sz, "cannot connect to uxdpd at %s: %s%s", path, strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED
				 ? " (is uxdpd running? --ctl PATH)"
				 : "");
		close(fd);
		return rc;
	}
	return fd;
}

static int fail(char **text, int rc, const char *what)
{
	free(*text);
	*text = NULL;
	if (asprintf(text, "control socket: %s", what) < 0)
		*text = NULL;
	return rc;
}

int uxdp_ctl_call(int fd, void *msg, size_t len, char **text)
{
	static uint32_t next_seq = 1;
	struct uxdp_ctl_hdr *h = msg;
	struct uxdp_ctl_reply *r;
	uint32_t seq = next_seq++;
	size_t have = 0;
	int status = 0;
	ssize_t n;

	*text = NULL;
	h->magic = UXDP_CTL_MAGIC;
	h->version = UXDP_CTL_VERSION;
	h->len = (uint32_t)len;
	h->seq = seq;
	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return fail(text, -errno, strerror(errno));
	r = malloc(UXDP_CTL_MAX_MSG);
	if (!r)
		return fail(text, -ENOMEM, "out of memory");
	*text = calloc(1, 1);
	for (int more = 1; more > 0;) {
		n = recv(fd, r, UXDP_CTL_MAX_MSG, MSG_TRUNC);
		more = n <= 0 ? -EPROTO
			      : uxdp_ctl_reply_chunk(r, (size_t)n, seq, text, &have, &status);
		if (more < 0) {
			free(r);
			return fail(text, n < 0 ? -errno : more,
				    n < 0		? strerror(errno)
				    : n == 0		? "the daemon closed the connection"
				    : more == -EMSGSIZE ? "reply too large"
							: "malformed reply");
		}
	}
	free(r);
	return status;
}
