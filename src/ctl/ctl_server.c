// SPDX-License-Identifier: BSD-2-Clause
/*
 * The daemon side of the control socket: a unix SOCK_SEQPACKET listener and a
 * poll loop over it and its connections, one thread (the daemon's control
 * thread). A request is read whole (MSG_TRUNC tells an oversized one apart),
 * validated by uxdp_ctl_parse(), handed to the daemon's handler, and answered
 * in chunks of at most UXDP_CTL_MAX_MSG bytes. A malformed request is answered
 * with the reason and counted; the connection stays usable. A client that
 * does not read its reply within a second is dropped, so no client can stall
 * the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"

#define MAX_CLIENTS 64

struct uxdp_ctl_server {
	int fd;
	char *path;
	uxdp_ctl_handler_fn fn;
	void *cookie;
	int clients[MAX_CLIENTS];
	uint32_t n_clients;
	uint64_t requests, refused;
	uint8_t *buf; /* one message, +1 byte to see an oversized one */
};

static int make_dirs(const char *path)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	p = strrchr(tmp, '/');
	if (!p || p == tmp)
		return 0;
	*p = '\0';
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

struct uxdp_ctl_server *uxdp_ctl_server_new(const char *path, uxdp_ctl_handler_fn fn, void *cookie,
					    char *err, size_t err_sz)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct uxdp_ctl_server *srv;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_sz, "control socket path '%s' is longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	rc = make_dirs(path);
	if (rc) {
		snprintf(err, err_sz, "cannot make the directory of %s: %s", path, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err_sys;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int probe;

		if (errno != EADDRINUSE)
			goto err_close;
		/* A live daemon answers a connect; a stale socket file does not. */
		probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
			close(probe);
			close(fd);
			snprintf(err, err_sz, "another daemon is listening on %s", path);
			errno = EADDRINUSE;
			return NULL;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto err_close;
	}
	if (chmod(path, 0660) || listen(fd, 16))
		goto err_unlink;
	srv = calloc(1, sizeof(*srv));
	if (!srv || !(srv->buf = malloc(UXDP_CTL_MAX_MSG + 1)) || !(srv->path = strdup(path))) {
		if (srv)
			free(srv->buf);
		free(srv);
		errno = ENOMEM;
		goto err_unlink;
	}
	srv->fd = fd;
	srv->fn = fn;
	srv->cookie = cookie;
	return srv;

err_unlink:
	rc = errno;
	unlink(path);
	errno = rc;
err_close:
	rc = errno;
	close(fd);
	errno = rc;
err_sys:
	snprintf(err, err_sz, "control socket %s: %s", path, strerror(errno));
	return NULL;
}

/* Send the reply in chunks; false if the client is gone or does not read. */
static bool send_reply(int fd, uint32_t seq, int status, const char *text, size_t len)
{
	const size_t room = UXDP_CTL_MAX_MSG - sizeof(struct uxdp_ctl_reply);
	struct uxdp_ctl_reply *r = malloc(UXDP_CTL_MAX_MSG);
	size_t off = 0;
	bool ok = true;

	if (!r)
		return false;
	do {
		size_t n = len - off < room ? len - off : room;

		memset(r, 0, sizeof(*r));
		r->hdr.magic = UXDP_CTL_MAGIC;
		r->hdr.version = UXDP_CTL_VERSION;
		r->hdr.type = UXDP_CTL_REPLY;
		r->hdr.len = (uint32_t)(sizeof(*r) + n);
		r->hdr.flags = off + n < len ? UXDP_CTL_F_MORE : 0;
		r->hdr.seq = seq;
		r->status = status;
		r->text_len = (uint32_t)n;
		if (n)
			memcpy(r->text, text + off, n);
		if (send(fd, r, r->hdr.len, MSG_NOSIGNAL) != (ssize_t)r->hdr.len) {
			ok = false;
			break;
		}
		off += n;
	} while (off < len);
	free(r);
	return ok;
}

/* Serve one message of a client; false when the connection is to be closed. */
static bool serve(struct uxdp_ctl_server *srv, int fd)
{
	struct uxdp_ctl_req req;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char err[256];
	char *text = NULL;
	ssize_t n;
	int status;
	bool ok;

	n = recv(fd, srv->buf, UXDP_CTL_MAX_MSG + 1, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false; /* end of connection (or an empty datagram: nothing to answer) */
	srv->requests++;
	if (n > UXDP_CTL_MAX_MSG) {
		const struct uxdp_ctl_hdr *h = (const void *)srv->buf;

		srv->refused++;
		snprintf(err, sizeof(err), "message of %zd bytes is over the %d-byte limit", n,
			 UXDP_CTL_MAX_MSG);
		return send_reply(fd, h->seq, -EMSGSIZE, err, strlen(err));
	}
	status = uxdp_ctl_parse(srv->buf, (size_t)n, &req, err, sizeof(err));
	if (status) {
		srv->refused++;
		return send_reply(fd, req.seq, status, err, strlen(err));
	}
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
		req.uid = cred.uid;
		req.gid = cred.gid;
		req.pid = cred.pid;
	} else {
		req.uid = (uid_t)-1; /* unknown: treated as nobody */
		req.gid = (gid_t)-1;
	}
	status = srv->fn(srv->cookie, &req, &text);
	ok = send_reply(fd, req.seq, status, text ? text : "", text ? strlen(text) : 0);
	free(text);
	return ok;
}

static void drop_client(struct uxdp_ctl_server *srv, uint32_t i)
{
	close(srv->clients[i]);
	srv->clients[i] = srv->clients[--srv->n_clients];
}

int uxdp_ctl_server_run(struct uxdp_ctl_server *srv, int stop_fd)
{
	struct pollfd pfd[MAX_CLIENTS + 2];

	for (;;) {
		uint32_t n = srv->n_clients;

		pfd[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = srv->fd, .events = POLLIN};
		for (uint32_t i = 0; i < n; i++)
			pfd[2 + i] = (struct pollfd){.fd = srv->clients[i], .events = POLLIN};
		if (poll(pfd, n + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents)
			return 0;
		/* Walk backwards: dropping client i moves the last one into its slot. */
		for (uint32_t i = n; i-- > 0;) {
			if (!pfd[2 + i].revents)
				continue;
			if ((pfd[2 + i].revents & POLLIN) ? !serve(srv, srv->clients[i]) : true)
				drop_client(srv, i);
		}
		if (pfd[1].revents & POLLIN) {
			int c = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
			struct timeval tv = {1, 0};

			if (c < 0)
				continue;
			if (srv->n_clients == MAX_CLIENTS) {
				close(c); /* too many: the client sees the connection end */
				continue;
			}
			setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			srv->clients[srv->n_clients++] = c;
		}
	}
}

void uxdp_ctl_server_counts(const struct uxdp_ctl_server *srv, uint64_t *requests,
			    uint64_t *refused)
{
	*requests = srv->requests;
	*refused = srv->refused;
}

void uxdp_ctl_server_free(struct uxdp_ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->n_clients)
		drop_client(srv, 0);
	close(srv->fd);
	unlink(srv->path);
	free(srv->path);
	free(srv->buf);
	free(srv);
}
