/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The control protocol between uxdpd (privileged) and its clients (the uxdp
 * CLI, not privileged): versioned, length-prefixed messages over a unix
 * SOCK_SEQPACKET socket, one message per datagram, one request at a time per
 * connection, each answered by one or more UXDP_CTL_REPLY messages (every
 * one but the last carries UXDP_CTL_F_MORE; their texts concatenate).
 *
 *   every message          +--------+---------+------+-----+-------+-----+----------+
 *   (host byte order:      | magic  | version | type | len | flags | seq | reserved |
 *   a local socket)        |  u32   |   u16   | u16  | u32 |  u32  | u32 |   u32    |
 *                          +--------+---------+------+-----+-------+-----+----------+
 *                          len = whole message, header included; seq is echoed
 *
 *   ATTACH    port[64] prog[64] path_len:u32 reserved:u32 path[path_len]
 *             (path absolute, NUL-terminated, path_len counts the NUL; prog "" =
 *             the object's first XDP program)
 *   DETACH    port[64]
 *   STATS     (nothing)                         -> JSON text
 *   MAP_DUMP  port[64] ("" = any) map[64]       -> JSON text, bpftool's shape
 *   REPLY     status:i32 (0 or -errno) text_len:u32 text[text_len] (no NUL):
 *             the JSON, the success message, or the error (loader log included)
 *   XSK_BIND  struct uxdp_ctl_xsk_bind, with fds in SCM_RIGHTS: [0] the UMEM memfd,
 *             [1] the memfd of the rx/tx rings, [2] the memfd of the fill/comp
 *             rings (absent when both their entries are 0: the socket shares
 *             the fill/comp rings its UMEM already has on that port and
 *             queue). Every memfd is sealed against shrinking. On success the
 *             connection becomes the socket (uxdp/xsk.h): the reply text is
 *             {"id":N,"zero_copy":bool,"mode":"..."}; afterwards only
 *             XSK_STATS and XSK_MAP_KEY requests and zero-length kicks are
 *             accepted on it, and closing it releases the socket.
 *             Zero-length messages on a connection that is no socket are
 *             ignored (no reply; with fds: counted as refused, fds closed).
 *   XSK_STATS (nothing; on a bound connection)  -> JSON: the socket's counters
 *   XSK_MAP_KEY map[64] ("" = every xskmap) key:u32 reserved:u32 (bound connection)
 *
 * Names are fixed-size fields that must hold a NUL. The daemon checks every
 * field (sizes, lengths, terminators, reserved bits) before acting, answers a
 * malformed message with an error naming the field, and counts it.
 *
 * Server side (uxdpd): uxdp_ctl_server_new(), _run() until the stop fd is
 * readable, _free(). Client side (uxdp): uxdp_ctl_connect(), uxdp_ctl_call().
 */
#ifndef UXDP_CTL_PROTO_H
#define UXDP_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UXDP_CTL_MAGIC	 0x50445855u /* "UXDP" in memory on little-endian hosts */
#define UXDP_CTL_VERSION 1
/** Largest message either way (one datagram). */
#define UXDP_CTL_MAX_MSG 65536
/** Size of the name fields (port, program, map), NUL included. */
#define UXDP_CTL_NAME_MAX 64
/** Longest object path, NUL included. */
#define UXDP_CTL_PATH_MAX 4096
/** Largest reply a client accepts (all chunks). */
#define UXDP_CTL_MAX_REPLY    (256u << 20)
/**
 * Reply bytes the daemon keeps queued for a connection whose client does not
 * read: a reply that would pass this behind others already queued drops the
 * connection (one reply alone may be larger: it is queued whole).
 */
#define UXDP_CTL_MAX_QUEUED   (4u << 20)
#define UXDP_CTL_DEFAULT_PATH "/run/uxdp/uxdpd.sock"

/* Message types (X-macro: value, name). */
#define UXDP_CTL_TYPES(X)                                                                          \
	X(1, REPLY)                                                                                \
	X(2, ATTACH)                                                                               \
	X(3, DETACH)                                                                               \
	X(4, STATS)                                                                                \
	X(5, MAP_DUMP)                                                                             \
	X(6, XSK_BIND)                                                                             \
	X(7, XSK_STATS)                                                                            \
	X(8, XSK_MAP_KEY)

enum uxdp_ctl_type {
#define UXDP_CTL_ENUM(v, n) UXDP_CTL_##n = v,
	UXDP_CTL_TYPES(UXDP_CTL_ENUM)
#undef UXDP_CTL_ENUM
};

/** The reply continues in the next message. */
#define UXDP_CTL_F_MORE 1u

struct uxdp_ctl_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;
	uint32_t flags;
	uint32_t seq;
	uint32_t reserved;
};

struct uxdp_ctl_attach {
	struct uxdp_ctl_hdr hdr;
	char port[UXDP_CTL_NAME_MAX];
	char prog[UXDP_CTL_NAME_MAX];
	uint32_t path_len;
	uint32_t reserved;
	char path[];
};

struct uxdp_ctl_detach {
	struct uxdp_ctl_hdr hdr;
	char port[UXDP_CTL_NAME_MAX];
};

struct uxdp_ctl_map_dump {
	struct uxdp_ctl_hdr hdr;
	char port[UXDP_CTL_NAME_MAX];
	char map[UXDP_CTL_NAME_MAX];
};

/* Rings of an XSK_BIND, in this order; rx/tx offsets are in the rx/tx memfd,
 * fill/comp offsets in the fill/comp memfd. */
enum { UXDP_CTL_XSK_FILL, UXDP_CTL_XSK_COMP, UXDP_CTL_XSK_RX, UXDP_CTL_XSK_TX, UXDP_CTL_XSK_RINGS };

/** Where one ring lives in the ring memfd; entries 0 = no such ring. */
struct uxdp_ctl_xsk_ring {
	uint64_t off; /* page-aligned (4096), below 1 TiB */
	uint32_t entries; /* 0 or a power of 2 in 1..65536 (the kernel takes any power of 2) */
	uint32_t reserved;
};

struct uxdp_ctl_xsk_bind {
	struct uxdp_ctl_hdr hdr;
	uint32_t abi; /* UXDP_XSK_ABI_VERSION */
	uint32_t queue;
	char port[UXDP_CTL_NAME_MAX];
	uint32_t bind_flags;   /* XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP, XDP_SHARED_UMEM */
	uint32_t libxdp_flags; /* UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD */
	uint64_t umem_size;    /* bytes; a multiple of chunk_size (unaligned: at least one) */
	uint32_t chunk_size;   /* power of 2, 2048..4096 (unaligned: any in 2048..4096) */
	uint32_t headroom;     /* umem frame_headroom */
	uint32_t umem_flags;   /* 0 or XDP_UMEM_UNALIGNED_CHUNK_FLAG */
	uint32_t reserved;
	/* fill and comp entries 0: use those this UMEM already has on (port, queue) */
	struct uxdp_ctl_xsk_ring ring[UXDP_CTL_XSK_RINGS];
};

struct uxdp_ctl_xsk_map_key {
	struct uxdp_ctl_hdr hdr;
	char map[UXDP_CTL_NAME_MAX];
	uint32_t key;
	uint32_t reserved;
};

struct uxdp_ctl_reply {
	struct uxdp_ctl_hdr hdr;
	int32_t status;
	uint32_t text_len;
	char text[];
};

/** A request that passed validation; strings point into the message. */
struct uxdp_ctl_req {
	enum uxdp_ctl_type type;
	uint32_t seq;
	const char *port; /* ATTACH, DETACH, MAP_DUMP ("" = any for MAP_DUMP) */
	const char *prog; /* ATTACH ("" = first XDP program) */
	const char *path; /* ATTACH */
	const char *map;  /* MAP_DUMP, XSK_MAP_KEY ("" = every xskmap) */
	const struct uxdp_ctl_xsk_bind *xsk_bind; /* XSK_BIND (fields checked, fds not) */
	uint32_t xsk_key; /* XSK_MAP_KEY */
	/* fds that came with the message (SCM_RIGHTS), -1 if none: XSK_BIND takes
	 * [0] the UMEM memfd, [1] the rx/tx memfd, [2] the fill/comp memfd (only
	 * when fill/comp entries are given). The server closes them after the
	 * handler returns; a handler that keeps one dup()s it. */
	int fds[3];
	int nfds;
	/* The peer's credentials (SO_PEERCRED). */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	/* Filled by the server for the handler: the connection (borrowed; the
	 * server closes it, for a session only after on_close returned), the
	 * connection's session (XSK_STATS, XSK_MAP_KEY; NULL otherwise), and for
	 * XSK_BIND where to store the new session: a handler that returns 0 with
	 * *set_session non-NULL turns the connection into that socket's session. */
	int conn_fd;
	void *session;
	void **set_session;
};

/**
 * Check a received message of n bytes and fill req. On error returns -EINVAL
 * (-EPROTO for a wrong version or magic) with err naming the field; req->seq
 * is filled whenever the header could be read.
 */
int uxdp_ctl_parse(const void *msg, size_t n, struct uxdp_ctl_req *req, char *err, size_t err_sz);

/**
 * Check the number of fds (SCM_RIGHTS) that came with a parsed request: 3 for
 * an XSK_BIND with fill/comp rings, 2 for one without, none for anything else.
 * @return 0, or -EINVAL with err naming what was expected
 */
int uxdp_ctl_check_fds(const struct uxdp_ctl_req *req, int nfds, char *err, size_t err_sz);

/* --- server (uxdpd) ------------------------------------------------------------------------ */

struct uxdp_ctl_server;

/**
 * Handle one valid request: return 0 or -errno, with *text (malloc'd, may stay
 * NULL) the reply text: JSON, a message, or the error.
 */
typedef int (*uxdp_ctl_handler_fn)(void *cookie, const struct uxdp_ctl_req *req, char **text);

/**
 * Session callbacks (control thread, the handler's cookie): on_kick for each
 * zero-length message on a session connection (the application's sendto/
 * recvfrom kick), on_close exactly once when the connection ends (EOF, hang-up,
 * error, replies queued past UXDP_CTL_MAX_QUEUED, or uxdp_ctl_server_free());
 * the fd is closed only after on_close returns.
 */
typedef void (*uxdp_ctl_session_fn)(void *cookie, void *session);

/** Connections not (yet) bound to a socket. When a new one comes and this
 *  many are open, the longest idle of them (no reply pending) is closed to
 *  make room (counted: uxdp_ctl_server_evicted); only when every one has a
 *  reply in flight is the new connection closed instead. */
#define UXDP_CTL_MAX_CONNS 64
/** Connections that are socket sessions (on top of UXDP_CTL_MAX_CONNS). */
#define UXDP_CTL_MAX_SESSIONS 1024

/**
 * Listen on path (its directory is made if missing; a stale socket is
 * replaced, a live one is -EADDRINUSE). The socket gets mode 0660.
 * @return the server, or NULL with errno and the reason in err
 */
struct uxdp_ctl_server *uxdp_ctl_server_new(const char *path, uxdp_ctl_handler_fn fn, void *cookie,
					    char *err, size_t err_sz);
/** Set the session callbacks (before _run; without them XSK_BIND is refused). */
void uxdp_ctl_server_set_session_ops(struct uxdp_ctl_server *srv, uxdp_ctl_session_fn on_kick,
				     uxdp_ctl_session_fn on_close);
/** Serve clients until stop_fd is readable. @return 0 or -errno */
int uxdp_ctl_server_run(struct uxdp_ctl_server *srv, int stop_fd);
/** Requests served and requests refused as malformed so far. */
void uxdp_ctl_server_counts(const struct uxdp_ctl_server *srv, uint64_t *requests,
			    uint64_t *refused);
/** Open connections now, and how many of them are socket sessions; kicks received so far. */
void uxdp_ctl_server_conns(const struct uxdp_ctl_server *srv, uint32_t *conns, uint32_t *sessions,
			   uint64_t *kicks);
/** Connections dropped so far for not reading their replies (UXDP_CTL_MAX_QUEUED). */
uint64_t uxdp_ctl_server_dropped(const struct uxdp_ctl_server *srv);
/** Idle connections closed so far to make room for a new one (UXDP_CTL_MAX_CONNS). */
uint64_t uxdp_ctl_server_evicted(const struct uxdp_ctl_server *srv);
/** Close every connection (on_close for sessions) and the socket, and unlink its path. */
void uxdp_ctl_server_free(struct uxdp_ctl_server *srv);

/* --- client (uxdp) ------------------------------------------------------------------------- */

/**
 * One received datagram of the reply to request seq (n bytes at r): checked
 * (magic, version, type, lengths, seq) and its text appended to *text, which
 * stays NUL-terminated (*have bytes so far, the whole reply at most
 * UXDP_CTL_MAX_REPLY). @return 1 if more chunks follow, 0 after the last one
 * (*status = the daemon's status), -EPROTO for a malformed datagram,
 * -EMSGSIZE for a reply too large (or no memory for it)
 */
int uxdp_ctl_reply_chunk(const struct uxdp_ctl_reply *r, size_t n, uint32_t seq, char **text,
			 size_t *have, int *status);

/** Connect to the daemon. @return the fd, or -errno with the reason in err */
int uxdp_ctl_connect(const char *path, char *err, size_t err_sz);

/**
 * Send one request (msg: a whole message; its header's magic, version, len
 * and seq are filled in here) and read the reply. *text gets the reply text,
 * NUL-terminated (caller frees). @return the daemon's status (0 or -errno);
 * a transport failure is also -errno, with *text describing it
 */
int uxdp_ctl_call(int fd, void *msg, size_t len, char **text);

#endif /* UXDP_CTL_PROTO_H */
