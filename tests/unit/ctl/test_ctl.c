// SPDX-License-Identifier: BSD-2-Clause
/*
 * The control socket's application-socket side, without a daemon: XSK_BIND
 * validation and fd counts (uxdp_ctl_parse, uxdp_ctl_check_fds), and the
 * server's sessions run in a thread with a fake handler: a bind turns the
 * connection into a session, zero-length messages become kicks (and are told
 * apart from the end of the connection), on_close runs exactly once (on EOF,
 * on a failed bind that set a session, at uxdp_ctl_server_free) while the
 * connection fd is still open, received fds are closed after the handler,
 * and a session connection refuses everything but XSK_STATS/XSK_MAP_KEY.
 * A client that never reads its replies does not delay another one and is
 * dropped once its queued output passes the bound (session or not).
 * Also uxdpd's xsk policy (tools/uxdpd/config.c) on a config file.
 */
#include <dirent.h>
#include <poll.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "test.h"
#include "ctl/ctl_proto.h"
#include "uxdp/xsk.h"
#include "../../../tools/uxdpd/config.h"

/* A valid XSK_BIND: 1 MiB UMEM of 2 KiB chunks, four 256-entry rings. */
static void good_bind(struct uxdp_ctl_xsk_bind *b)
{
	memset(b, 0, sizeof(*b));
	b->hdr.magic = UXDP_CTL_MAGIC;
	b->hdr.version = UXDP_CTL_VERSION;
	b->hdr.type = UXDP_CTL_XSK_BIND;
	b->hdr.len = sizeof(*b);
	b->abi = UXDP_XSK_ABI_VERSION;
	strcpy(b->port, "a");
	b->umem_size = 1 << 20;
	b->chunk_size = 2048;
	for (int r = 0; r < UXDP_CTL_XSK_RINGS; r++)
		b->ring[r].entries = 256;
	b->ring[UXDP_CTL_XSK_COMP].off = 4096;
	b->ring[UXDP_CTL_XSK_TX].off = 8192;
}

static int parse(const void *m, size_t n, struct uxdp_ctl_req *req, char *err)
{
	return uxdp_ctl_parse(m, n, req, err, 256);
}

UXDP_TEST(xsk_bind_layout, fast)
{
	/* The wire layout the python tests and the client library build by hand. */
	ASSERT_EQ(sizeof(struct uxdp_ctl_xsk_bind), 192);
	ASSERT_EQ(offsetof(struct uxdp_ctl_xsk_bind, umem_size), 104);
	ASSERT_EQ(offsetof(struct uxdp_ctl_xsk_bind, ring), 128);
	ASSERT_EQ(sizeof(struct uxdp_ctl_xsk_map_key), 96);
	return UXDP_TEST_PASS;
}

UXDP_TEST(xsk_bind_parse_ok, fast)
{
	struct uxdp_ctl_xsk_bind b;
	struct uxdp_ctl_req req;
	char err[256] = "";

	good_bind(&b);
	ASSERT_OK(parse(&b, sizeof(b), &req, err));
	ASSERT_EQ(req.type, UXDP_CTL_XSK_BIND);
	ASSERT_TRUE(req.xsk_bind == &b);
	ASSERT_STR_CONTAINS(req.port, "a");
	ASSERT_OK(uxdp_ctl_check_fds(&req, 3, err, sizeof(err)));
	ASSERT_EQ(uxdp_ctl_check_fds(&req, 2, err, sizeof(err)), -EINVAL);
	ASSERT_STR_CONTAINS(err, "takes 3 file descriptors");
	/* Without fill/comp: two fds, and the shared-UMEM flag is fine. */
	b.ring[UXDP_CTL_XSK_FILL].entries = b.ring[UXDP_CTL_XSK_COMP].entries = 0;
	b.bind_flags = XDP_SHARED_UMEM | XDP_USE_NEED_WAKEUP | XDP_ZEROCOPY;
	ASSERT_OK(parse(&b, sizeof(b), &req, err));
	ASSERT_OK(uxdp_ctl_check_fds(&req, 2, err, sizeof(err)));
	ASSERT_EQ(uxdp_ctl_check_fds(&req, 3, err, sizeof(err)), -EINVAL);
	/* Edge values that are fine: 1-entry rings, headroom just below the limit, 4 KiB chunks. */
	good_bind(&b);
	b.ring[UXDP_CTL_XSK_RX].entries = 1;
	b.ring[UXDP_CTL_XSK_TX].entries = 0;
	b.ring[UXDP_CTL_XSK_FILL].entries = 65536;
	b.ring[UXDP_CTL_XSK_COMP].off = 1 << 20;
	b.chunk_size = 4096;
	b.headroom = 4096 - 256 - 320 - 1;
	b.umem_size = 1ull << 40;
	ASSERT_OK(parse(&b, sizeof(b), &req, err));
	/* Unaligned chunks: any size in 2048..4096, a UMEM that is not a multiple of it. */
	good_bind(&b);
	b.umem_flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	b.chunk_size = 3000;
	b.umem_size = 3000 * 5 + 17;
	ASSERT_OK(parse(&b, sizeof(b), &req, err));
	b.chunk_size = 4097;
	ASSERT_EQ(parse(&b, sizeof(b), &req, err), -EINVAL);
	ASSERT_STR_CONTAINS(err, "field 'chunk_size' 4097 is not in 2048..4096");
	b.chunk_size = 3000;
	b.umem_size = 2999;
	ASSERT_EQ(parse(&b, sizeof(b), &req, err), -EINVAL);
	ASSERT_STR_CONTAINS(err, "field 'umem_size' 2999 is not at least chunk_size 3000");
	/* Other requests take no fds. */
	good_bind(&b);
	ASSERT_EQ(parse(&b.hdr, sizeof(b.hdr), &req, err), -EINVAL); /* len says 192 */
	b.hdr.type = UXDP_CTL_XSK_STATS;
	b.hdr.len = sizeof(b.hdr);
	ASSERT_OK(parse(&b.hdr, sizeof(b.hdr), &req, err));
	ASSERT_OK(uxdp_ctl_check_fds(&req, 0, err, sizeof(err)));
	ASSERT_EQ(uxdp_ctl_check_fds(&req, 1, err, sizeof(err)), -EINVAL);
	ASSERT_STR_CONTAINS(err, "XSK_STATS message came with 1 file descriptors, it takes none");
	return UXDP_TEST_PASS;
}

UXDP_TEST(xsk_bind_parse_fields, fast)
{
	static const struct {
		int field;
		uint64_t v;
		const char *want;
	} cases[] = {
		{0, 2, "field 'abi'"},
		{1, 0x40, "field 'bind_flags' has unknown bits 0x40"},
		{1, XDP_COPY | XDP_ZEROCOPY, "both XDP_COPY and XDP_ZEROCOPY"},
		{2, 3, "field 'libxdp_flags' has unknown bits 0x2"},
		{3, 2049, "field 'chunk_size' 2049"},
		{3, 1u << 31, "field 'chunk_size'"},
		{4, 1472, "field 'headroom' 1472"},
		{4, 0xffffffff, "field 'headroom'"},
		{5, 0, "field 'umem_size' 0"},
		{5, 2048 * 3 + 1, "field 'umem_size'"},
		{5, (1ull << 40) + 2048, "field 'umem_size'"},
		{6, XDP_UMEM_UNALIGNED_CHUNK_FLAG | 2, "field 'umem_flags' has unknown bits 0x2"},
		{6, 8, "field 'umem_flags' has unknown bits 0x8"},
		{7, 1, "field 'reserved' of XSK_BIND"},
		{8, 0, "field 'ring[fill].entries' is 0"},
		{9, 512 + 1, "field 'ring[comp].entries' 513"},
		{10, 1u << 17, "field 'ring[rx].entries' 131072"},
		{11, 4095, "field 'ring[tx].off' 4095"},
		{11, 0, "field 'ring[tx].off' 0: the ring overlaps ring[rx]"},
		{12, 1, "field 'ring[rx].reserved'"},
		{13, 0, "are both 0"},
		{14, 0, "field 'port' is empty"},
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct uxdp_ctl_xsk_bind b;
		struct uxdp_ctl_req req;

		good_bind(&b);
		switch (cases[i].field) {
		case 0:
			b.abi = (uint32_t)cases[i].v;
			break;
		case 1:
			b.bind_flags = (uint32_t)cases[i].v;
			break;
		case 2:
			b.libxdp_flags = (uint32_t)cases[i].v;
			break;
		case 3:
			b.chunk_size = (uint32_t)cases[i].v;
			break;
		case 4:
			b.headroom = (uint32_t)cases[i].v;
			break;
		case 5:
			b.umem_size = cases[i].v;
			break;
		case 6:
			b.umem_flags = (uint32_t)cases[i].v;
			break;
		case 7:
			b.reserved = (uint32_t)cases[i].v;
			break;
		case 8:
			b.ring[UXDP_CTL_XSK_FILL].entries = (uint32_t)cases[i].v;
			break;
		case 9:
			b.ring[UXDP_CTL_XSK_COMP].entries = (uint32_t)cases[i].v;
			break;
		case 10:
			b.ring[UXDP_CTL_XSK_RX].entries = (uint32_t)cases[i].v;
			break;
		case 11:
			b.ring[UXDP_CTL_XSK_TX].off = cases[i].v;
			break;
		case 12:
			b.ring[UXDP_CTL_XSK_RX].reserved = (uint32_t)cases[i].v;
			break;
		case 13:
			b.ring[UXDP_CTL_XSK_RX].entries = b.ring[UXDP_CTL_XSK_TX].entries = 0;
			break;
		case 14:
			b.port[0] = '\0';
			break;
		}
		err[0] = '\0';
		if (parse(&b, sizeof(b), &req, err) != -EINVAL || !strstr(err, cases[i].want))
			UXDP_FAIL_AT("case %zu: got '%s', want '%s'", i, err, cases[i].want);
	}
	return UXDP_TEST_PASS;
}

UXDP_TEST(xsk_map_key_parse, fast)
{
	struct uxdp_ctl_xsk_map_key k = {.hdr = {.magic = UXDP_CTL_MAGIC,
						 .version = UXDP_CTL_VERSION,
						 .type = UXDP_CTL_XSK_MAP_KEY,
						 .len = sizeof(k)},
					 .key = 9};
	struct uxdp_ctl_req req;
	char err[256];

	ASSERT_OK(parse(&k, sizeof(k), &req, err));
	ASSERT_EQ(req.xsk_key, 9);
	ASSERT_EQ(req.map[0], '\0'); /* "" = every xskmap */
	strcpy(k.map, "xsks_map");
	ASSERT_OK(parse(&k, sizeof(k), &req, err));
	ASSERT_STR_CONTAINS(req.map, "xsks_map");
	k.reserved = 1;
	ASSERT_EQ(parse(&k, sizeof(k), &req, err), -EINVAL);
	ASSERT_STR_CONTAINS(err, "field 'reserved' of XSK_MAP_KEY");
	k.reserved = 0;
	memset(k.map, 'm', sizeof(k.map));
	ASSERT_EQ(parse(&k, sizeof(k), &req, err), -EINVAL);
	ASSERT_STR_CONTAINS(err, "field 'map' is not NUL-terminated");
	return UXDP_TEST_PASS;
}

/* --- the server with a fake handler --------------------------------------------------------- */

struct fake {
	atomic_int binds, kicks, closes, handled_fds, bad_fd_at_close;
	atomic_int fail_bind; /* the handler sets a session, then fails */
	size_t big;	      /* STATS and XSK_STATS answer this many bytes */
	int session_tag;
};

static int fake_handle(void *cookie, const struct uxdp_ctl_req *req, char **text)
{
	struct fake *f = cookie;
	struct stat st;

	for (int i = 0; i < req->nfds; i++)
		if (!fstat(req->fds[i], &st))
			f->handled_fds++;
	switch (req->type) {
	case UXDP_CTL_XSK_BIND:
		if (req->conn_fd < 0 || !req->set_session)
			return -EFAULT;
		*req->set_session = &f->session_tag;
		f->binds++;
		if (f->fail_bind) {
			*text = strdup("bind failed");
			return -EIO;
		}
		*text = strdup("{\"id\":1}");
		return 0;
	case UXDP_CTL_XSK_STATS:
		if (req->session != &f->session_tag)
			return -EFAULT;
		if (f->big)
			goto big;
		if (asprintf(text, "kicks=%d", (int)f->kicks) < 0)
			*text = NULL;
		return 0;
	case UXDP_CTL_STATS:
		if (f->big)
			goto big;
		/* fall through */
	default:
		*text = strdup("ok");
		return 0;
	}
big:
	*text = malloc(f->big + 1);
	if (!*text)
		return -ENOMEM;
	for (size_t i = 0; i < f->big; i++)
		(*text)[i] = (char)('a' + i % 26);
	(*text)[f->big] = '\0';
	return 0;
}

static void fake_kick(void *cookie, void *session)
{
	struct fake *f = cookie;

	if (session == &f->session_tag)
		f->kicks++;
}

static void fake_close(void *cookie, void *session)
{
	struct fake *f = cookie;

	if (session != &f->session_tag)
		return;
	f->closes++;
}

struct srv_run {
	struct uxdp_ctl_server *srv;
	pthread_t th;
	int stop;
	char path[108];
};

static void *srv_thread(void *arg)
{
	struct srv_run *r = arg;

	uxdp_ctl_server_run(r->srv, r->stop);
	return NULL;
}

static int srv_start(struct srv_run *r, struct fake *f)
{
	char err[256];

	snprintf(r->path, sizeof(r->path), "/tmp/uxdp-ctl-test-%d-%p.sock", (int)getpid(),
		 (void *)r);
	r->srv = uxdp_ctl_server_new(r->path, fake_handle, f, err, sizeof(err));
	if (!r->srv) {
		fprintf(stderr, "server: %s\n", err);
		return -1;
	}
	uxdp_ctl_server_set_session_ops(r->srv, fake_kick, fake_close);
	r->stop = eventfd(0, EFD_CLOEXEC);
	return pthread_create(&r->th, NULL, srv_thread, r) ? -1 : 0;
}

static void srv_stop(struct srv_run *r)
{
	uint64_t one = 1;

	if (write(r->stop, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_join(r->th, NULL);
	uxdp_ctl_server_free(r->srv);
	close(r->stop);
}

static int client(const struct srv_run *r)
{
	char err[256];
	int fd = uxdp_ctl_connect(r->path, err, sizeof(err));
	struct timeval tv = {5, 0};

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send msg with nfds memfds; the reply's status (text in out if given), or -1000 on failure. */
static int send_fds(int fd, void *msg, size_t len, int nfds, char *out, size_t out_sz)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = msg, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[8];
	uint8_t reply[UXDP_CTL_MAX_MSG];
	const struct uxdp_ctl_reply *r = (const void *)reply;
	ssize_t n;

	for (int i = 0; i < nfds; i++) {
		fds[i] = memfd_create("t", MFD_CLOEXEC);
		if (fds[i] < 0 || ftruncate(fds[i], 1 << 20))
			return -1000;
	}
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (n != (ssize_t)len)
		return -1000;
	do
		n = recv(fd, reply, sizeof(reply), 0);
	while (n == 0); /* wake-ups would be zero-length; none are sent here */
	if (n < (ssize_t)sizeof(*r) || r->hdr.type != UXDP_CTL_REPLY)
		return -1000;
	if (out)
		snprintf(out, out_sz, "%.*s", (int)r->text_len, r->text);
	return r->status;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static bool wait_for(atomic_int *v, int want)
{
	for (int i = 0; i < 500 && *v != want; i++)
		usleep(10000);
	return *v == want;
}

UXDP_TEST(server_session_kicks_close, fast)
{
	struct fake f = {0};
	struct srv_run r;
	struct uxdp_ctl_xsk_bind b;
	struct uxdp_ctl_hdr h = {.type = UXDP_CTL_XSK_STATS};
	char text[256];
	int fd, base_fds;
	uint32_t conns, sessions;
	uint64_t kicks;

	ASSERT_OK(srv_start(&r, &f));
	base_fds = open_fds();
	fd = client(&r);
	ASSERT_TRUE(fd >= 0);
	/* Before the bind, zero-length messages are ignored: nobody is kicked. */
	ASSERT_EQ(send(fd, NULL, 0, 0), 0);
	h.magic = UXDP_CTL_MAGIC;
	h.version = UXDP_CTL_VERSION;
	h.len = sizeof(h);
	ASSERT_EQ(send_fds(fd, &h, sizeof(h), 0, text, sizeof(text)), -ENOTCONN);
	ASSERT_STR_CONTAINS(text, "not a bound socket");
	good_bind(&b);
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 2, text, sizeof(text)), -EINVAL);
	ASSERT_STR_CONTAINS(text, "fds: XSK_BIND with fill/comp rings takes 3");
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 3, text, sizeof(text)), 0);
	ASSERT_STR_CONTAINS(text, "{\"id\":1}");
	ASSERT_EQ(f.handled_fds, 3);
	ASSERT_EQ(f.binds, 1);
	/* Three kicks, then XSK_STATS on the same connection sees them (served in order). */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0), 0);
	ASSERT_EQ(send_fds(fd, &h, sizeof(h), 0, text, sizeof(text)), 0);
	ASSERT_STR_CONTAINS(text, "kicks=3");
	/* A socket connection takes nothing else. */
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 3, text, sizeof(text)), -EISCONN);
	h.type = UXDP_CTL_STATS;
	ASSERT_EQ(send_fds(fd, &h, sizeof(h), 0, text, sizeof(text)), -EINVAL);
	ASSERT_STR_CONTAINS(text, "takes XSK_STATS, XSK_MAP_KEY and zero-length kicks only");
	uxdp_ctl_server_conns(r.srv, &conns, &sessions, &kicks);
	ASSERT_EQ(conns, 1);
	ASSERT_EQ(sessions, 1);
	ASSERT_EQ(kicks, 3);
	ASSERT_EQ(f.closes, 0);
	/* Received fds were closed after the handler (3 + 2 refused + 3 refused). */
	ASSERT_EQ(open_fds(), base_fds + 2); /* the client end and the server end */
	/* A last kick and the close: on_close exactly once, the kick may be lost. */
	ASSERT_EQ(send(fd, NULL, 0, 0), 0);
	close(fd);
	ASSERT_TRUE(wait_for(&f.closes, 1));
	usleep(50000);
	ASSERT_EQ(f.closes, 1);
	uxdp_ctl_server_conns(r.srv, &conns, &sessions, &kicks);
	ASSERT_EQ(conns, 0);
	ASSERT_EQ(sessions, 0);
	srv_stop(&r);
	ASSERT_EQ(f.closes, 1);
	ASSERT_EQ(open_fds(), base_fds - 2); /* the listener and the stop eventfd are gone */
	return UXDP_TEST_PASS;
}

UXDP_TEST(server_session_closed_at_free, fast)
{
	struct fake f = {0};
	struct srv_run r;
	struct uxdp_ctl_xsk_bind b;
	int fd;

	ASSERT_OK(srv_start(&r, &f));
	fd = client(&r);
	ASSERT_TRUE(fd >= 0);
	good_bind(&b);
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 3, NULL, 0), 0);
	/* The daemon stops with the socket still bound: on_close at free, once. */
	srv_stop(&r);
	ASSERT_EQ(f.closes, 1);
	/* The client sees the end of its connection. */
	{
		char c;

		ASSERT_EQ(recv(fd, &c, 1, 0), 0);
	}
	close(fd);
	return UXDP_TEST_PASS;
}

UXDP_TEST(server_failed_bind_keeps_nothing, fast)
{
	struct fake f = {.fail_bind = 1};
	struct srv_run r;
	struct uxdp_ctl_xsk_bind b;
	struct uxdp_ctl_hdr h = {.magic = UXDP_CTL_MAGIC,
				 .version = UXDP_CTL_VERSION,
				 .type = UXDP_CTL_XSK_STATS,
				 .len = sizeof(h)};
	char text[256];
	int fd;

	ASSERT_OK(srv_start(&r, &f));
	fd = client(&r);
	ASSERT_TRUE(fd >= 0);
	good_bind(&b);
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 3, text, sizeof(text)), -EIO);
	ASSERT_STR_CONTAINS(text, "bind failed");
	/* The session the failing handler left was closed at once; no session remains. */
	ASSERT_EQ(f.closes, 1);
	ASSERT_EQ(send_fds(fd, &h, sizeof(h), 0, text, sizeof(text)), -ENOTCONN);
	/* A retry that succeeds makes it a session. */
	f.fail_bind = 0;
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 3, text, sizeof(text)), 0);
	ASSERT_EQ(send_fds(fd, &h, sizeof(h), 0, text, sizeof(text)), 0);
	close(fd);
	ASSERT_TRUE(wait_for(&f.closes, 2));
	srv_stop(&r);
	ASSERT_EQ(f.closes, 2);
	return UXDP_TEST_PASS;
}

UXDP_TEST(server_too_many_fds, fast)
{
	struct fake f = {0};
	struct srv_run r;
	struct uxdp_ctl_xsk_bind b;
	char text[256];
	int fd, base_fds;

	ASSERT_OK(srv_start(&r, &f));
	base_fds = open_fds();
	fd = client(&r);
	ASSERT_TRUE(fd >= 0);
	good_bind(&b);
	/* Four fit the daemon's buffer (counted, refused), eight do not (MSG_CTRUNC). */
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 4, text, sizeof(text)), -EINVAL);
	ASSERT_STR_CONTAINS(text, "4 came");
	ASSERT_EQ(send_fds(fd, &b, sizeof(b), 8, text, sizeof(text)), -EINVAL);
	ASSERT_STR_CONTAINS(text, "more file descriptors than a message takes");
	ASSERT_EQ(f.binds, 0);
	ASSERT_EQ(f.handled_fds, 0);
	ASSERT_EQ(open_fds(), base_fds + 2); /* the client end and the server end */
	close(fd);
	srv_stop(&r);
	return UXDP_TEST_PASS;
}

/* --- a client that does not read its replies -------------------------------------------- */

static void get_conns(struct srv_run *r, uint32_t *conns, uint32_t *sessions)
{
	uint64_t kicks;

	uxdp_ctl_server_conns(r->srv, conns, sessions, &kicks);
}

/* Wait (hang guard only: 10 s) until the server has n connections. */
static bool wait_conns(struct srv_run *r, uint32_t n)
{
	uint32_t conns, sessions;

	for (int i = 0; i < 1000; i++) {
		get_conns(r, &conns, &sessions);
		if (conns == n)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * Client A (a socket session, or a plain connection) sends requests whose
 * 200 KiB replies it never reads; client B asks meanwhile and must get its
 * whole reply while A is still connected with replies unread, with nothing
 * dropped. Then A keeps asking until its queue passes the bound: dropped once
 * (counted; on_close once for a session). What A did get is whole datagrams,
 * then EOF. Fds return to the baseline.
 */
static int slow_client(bool session)
{
	struct fake f = {.big = 200 * 1024};
	struct srv_run r;
	struct uxdp_ctl_xsk_bind b;
	struct uxdp_ctl_hdr h = {.magic = UXDP_CTL_MAGIC,
				 .version = UXDP_CTL_VERSION,
				 .type = session ? UXDP_CTL_XSK_STATS : UXDP_CTL_STATS,
				 .len = sizeof(h)};
	struct uxdp_ctl_hdr hb = {.type = UXDP_CTL_STATS};
	struct pollfd p;
	uint8_t *buf = malloc(UXDP_CTL_MAX_MSG + 1);
	uint32_t conns, sessions;
	char *text = NULL;
	int a, bfd, base_fds, sent = 0, datagrams = 0;
	ssize_t n;

	ASSERT_TRUE(buf != NULL);
	ASSERT_OK(srv_start(&r, &f));
	base_fds = open_fds();
	a = client(&r);
	bfd = client(&r);
	ASSERT_TRUE(a >= 0 && bfd >= 0);
	if (session) {
		good_bind(&b);
		ASSERT_EQ(send_fds(a, &b, sizeof(b), 3, NULL, 0), 0);
	}
	/* 8 requests: 1.6 MiB of replies, more than the socket takes, less than the bound. */
	for (int i = 0; i < 8; i++) {
		h.seq = 100 + i;
		ASSERT_EQ(send(a, &h, sizeof(h), MSG_NOSIGNAL), (ssize_t)sizeof(h));
	}
	p = (struct pollfd){.fd = a, .events = POLLIN};
	ASSERT_EQ(poll(&p, 1, 10000), 1); /* the server has started answering A */
	/* B is answered in full while A reads nothing. */
	ASSERT_EQ(uxdp_ctl_call(bfd, &hb, sizeof(hb), &text), 0);
	ASSERT_EQ(strlen(text), f.big);
	ASSERT_EQ(text[f.big - 1], (char)('a' + (f.big - 1) % 26));
	free(text);
	/* ... and A is still there, not dropped. */
	get_conns(&r, &conns, &sessions);
	ASSERT_EQ(conns, 2);
	ASSERT_EQ(sessions, session ? 1 : 0);
	ASSERT_EQ(uxdp_ctl_server_dropped(r.srv), 0);
	ASSERT_EQ(f.closes, 0);
	/* A goes on asking: dropped once its queue passes the bound (4 MiB: ~21 replies). */
	for (sent = 0; sent < 200; sent++) {
		h.seq = 200 + sent;
		if (send(a, &h, sizeof(h), MSG_NOSIGNAL) != (ssize_t)sizeof(h))
			break; /* the server closed its end */
		if (sent > 40 && uxdp_ctl_server_dropped(r.srv))
			break;
		usleep(1000);
	}
	ASSERT_TRUE(wait_conns(&r, 1));
	ASSERT_EQ(uxdp_ctl_server_dropped(r.srv), 1);
	if (session) {
		ASSERT_TRUE(wait_for(&f.closes, 1));
		get_conns(&r, &conns, &sessions);
		ASSERT_EQ(sessions, 0);
	}
	/* What A got: whole reply datagrams (never a split one), then the end (the
	 * server's close with A's requests unread there may first say ECONNRESET). */
	for (int resets = 0;;) {
		const struct uxdp_ctl_reply *rp = (const void *)buf;

		n = recv(a, buf, UXDP_CTL_MAX_MSG + 1, MSG_TRUNC);
		if (n < 0 && errno == ECONNRESET && !resets++)
			continue;
		if (n <= 0)
			break;
		ASSERT_TRUE(n >= (ssize_t)sizeof(*rp) && n <= UXDP_CTL_MAX_MSG);
		ASSERT_EQ(rp->hdr.len, (uint32_t)n);
		ASSERT_EQ(rp->text_len, (uint32_t)n - sizeof(*rp));
		ASSERT_EQ(rp->hdr.type, UXDP_CTL_REPLY);
		datagrams++;
	}
	ASSERT_EQ(n, 0);
	ASSERT_TRUE(datagrams >= 1);
	/* B still works after the drop. */
	ASSERT_EQ(uxdp_ctl_call(bfd, &hb, sizeof(hb), &text), 0);
	ASSERT_EQ(strlen(text), f.big);
	free(text);
	close(a);
	close(bfd);
	ASSERT_TRUE(wait_conns(&r, 0));
	ASSERT_EQ(open_fds(), base_fds);
	srv_stop(&r);
	ASSERT_EQ(f.closes, session ? 1 : 0);
	free(buf);
	return UXDP_TEST_PASS;
}

UXDP_TEST(server_slow_client_plain, fast)
{
	return slow_client(false);
}

UXDP_TEST(server_slow_client_session, fast)
{
	return slow_client(true);
}

/* --- uxdpd's xsk policy ------------------------------------------------------------------- */

/*
 * Clients that connect and never ask cannot lock others out: with
 * UXDP_CTL_MAX_CONNS idle connections open, a new client still gets its
 * answer, and the connection closed to make room is the one idle longest
 * (not one that asked something since). Sessions are never candidates.
 */
UXDP_TEST(server_idle_connections_evicted, fast)
{
	struct fake f = {0};
	struct srv_run r;
	struct uxdp_ctl_hdr h = {.magic = UXDP_CTL_MAGIC,
				 .version = UXDP_CTL_VERSION,
				 .type = UXDP_CTL_STATS,
				 .len = sizeof(h)};
	struct uxdp_ctl_xsk_bind b;
	int idle[UXDP_CTL_MAX_CONNS], sess, fresh, base_fds;
	char text[64], byte;
	uint32_t conns, sessions;

	ASSERT_OK(srv_start(&r, &f));
	base_fds = open_fds();
	/* a socket session first: it must survive everything below */
	sess = client(&r);
	ASSERT_TRUE(sess >= 0);
	good_bind(&b);
	ASSERT_EQ(send_fds(sess, &b, sizeof(b), 3, text, sizeof(text)), 0);
	for (int i = 0; i < UXDP_CTL_MAX_CONNS; i++) {
		idle[i] = client(&r);
		ASSERT_TRUE(idle[i] >= 0);
		ASSERT_TRUE(wait_conns(&r, (uint32_t)i + 2)); /* accepted in this order */
	}
	/* the oldest asks something: now idle[1] is the longest idle */
	ASSERT_EQ(send_fds(idle[0], &h, sizeof(h), 0, text, sizeof(text)), 0);
	ASSERT_EQ(strcmp(text, "ok"), 0);

	fresh = client(&r);
	ASSERT_TRUE(fresh >= 0);
	ASSERT_EQ(send_fds(fresh, &h, sizeof(h), 0, text, sizeof(text)), 0);
	ASSERT_EQ(strcmp(text, "ok"), 0);
	ASSERT_EQ(uxdp_ctl_server_evicted(r.srv), 1);
	ASSERT_EQ(recv(idle[1], &byte, 1, 0), 0); /* EOF: closed by the server */
	ASSERT_EQ(send_fds(idle[0], &h, sizeof(h), 0, text, sizeof(text)), 0);
	ASSERT_EQ(send_fds(idle[2], &h, sizeof(h), 0, text, sizeof(text)), 0);
	get_conns(&r, &conns, &sessions);
	ASSERT_EQ(conns, UXDP_CTL_MAX_CONNS + 1);
	ASSERT_EQ(sessions, 1);
	ASSERT_EQ(f.closes, 0);

	/* one more: idle[3] goes next (idle[0] and idle[2] asked since) */
	close(fresh);
	ASSERT_TRUE(wait_conns(&r, UXDP_CTL_MAX_CONNS)); /* fresh's end is gone */
	fresh = client(&r);
	ASSERT_TRUE(fresh >= 0);
	ASSERT_TRUE(wait_conns(&r, UXDP_CTL_MAX_CONNS + 1));
	ASSERT_EQ(uxdp_ctl_server_evicted(r.srv), 1); /* there was room: nobody closed */
	close(idle[0]);
	ASSERT_TRUE(wait_conns(&r, UXDP_CTL_MAX_CONNS));
	idle[0] = client(&r);
	ASSERT_TRUE(idle[0] >= 0);
	ASSERT_TRUE(wait_conns(&r, UXDP_CTL_MAX_CONNS + 1));
	ASSERT_EQ(send_fds(idle[0], &h, sizeof(h), 0, text, sizeof(text)), 0);
	{
		int extra = client(&r);

		ASSERT_TRUE(extra >= 0);
		ASSERT_EQ(send_fds(extra, &h, sizeof(h), 0, text, sizeof(text)), 0);
		ASSERT_EQ(uxdp_ctl_server_evicted(r.srv), 2);
		ASSERT_EQ(recv(idle[3], &byte, 1, 0), 0);
		close(extra);
	}
	ASSERT_EQ(send_fds(sess, &(struct uxdp_ctl_hdr){.magic = UXDP_CTL_MAGIC,
							.version = UXDP_CTL_VERSION,
							.type = UXDP_CTL_XSK_STATS,
							.len = sizeof(h)},
			   sizeof(h), 0, text, sizeof(text)),
		  0); /* the session is still served */

	close(fresh);
	close(sess);
	for (int i = 0; i < UXDP_CTL_MAX_CONNS; i++)
		close(idle[i]);
	ASSERT_TRUE(wait_conns(&r, 0));
	ASSERT_TRUE(wait_for(&f.closes, 1));
	ASSERT_EQ(open_fds(), base_fds);
	srv_stop(&r);
	return UXDP_TEST_PASS;
}

UXDP_TEST(xsk_policy_rules, fast)
{
	char path[] = "/tmp/uxdp-policy-XXXXXX", err[512], msg[512];
	struct uxdpd_config cfg;
	bool copy_only;
	FILE *f;
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "port a null:\nport b null:\n"
		   "xsk deny uid=1001 port=a queues=*\n"	      /* 3 */
		   "xsk allow gid=500 port=a queues=0-1,5\n"	      /* 4 */
		   "xsk allow uid=1001 port=* queues=*\n"	      /* 5 */
		   "xsk allow uid=1002 port=b queues=7 copy-only\n"); /* 6 */
	fclose(f);
	ASSERT_OK(uxdpd_config_load(path, &cfg, err, sizeof(err)));
	ASSERT_EQ(cfg.n_xsk_rules, 4);
	/* root always */
	ASSERT_OK(uxdpd_xsk_policy(&cfg, 0, 0, "a", 63, &copy_only, msg, sizeof(msg)));
	ASSERT_FALSE(copy_only);
	/* first match wins: 1001 is denied on a (line 3) before line 5 allows it */
	ASSERT_EQ(uxdpd_xsk_policy(&cfg, 1001, 1001, "a", 0, &copy_only, msg, sizeof(msg)),
		  -EACCES);
	ASSERT_STR_CONTAINS(msg, "uid 1001 may not bind port 'a' queue 0 (denied by");
	ASSERT_STR_CONTAINS(msg, ":3: uid=1001)");
	ASSERT_OK(uxdpd_xsk_policy(&cfg, 1001, 1001, "b", 9, &copy_only, msg, sizeof(msg)));
	/* the peer's gid (SO_PEERCRED) counts for group rules; queue lists */
	ASSERT_OK(uxdpd_xsk_policy(&cfg, 3000, 500, "a", 5, &copy_only, msg, sizeof(msg)));
	ASSERT_EQ(uxdpd_xsk_policy(&cfg, 3000, 500, "a", 2, &copy_only, msg, sizeof(msg)), -EACCES);
	ASSERT_STR_CONTAINS(msg, "no rule lets uid 3000 (gid 500) bind port 'a' queue 2");
	ASSERT_EQ(uxdpd_xsk_policy(&cfg, 3000, 501, "a", 0, &copy_only, msg, sizeof(msg)), -EACCES);
	/* copy-only comes back to the caller */
	ASSERT_OK(uxdpd_xsk_policy(&cfg, 1002, 1002, "b", 7, &copy_only, msg, sizeof(msg)));
	ASSERT_TRUE(copy_only);
	/* an unknown peer (no credentials) matches nothing */
	ASSERT_EQ(
		uxdpd_xsk_policy(&cfg, (uid_t)-1, (gid_t)-1, "b", 7, &copy_only, msg, sizeof(msg)),
		-EACCES);
	uxdpd_config_free(&cfg);
	unlink(path);
	return UXDP_TEST_PASS;
}
