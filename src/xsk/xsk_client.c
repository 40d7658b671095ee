// SPDX-License-Identifier: BSD-2-Clause
/*
 * The client side of uxdpd's AF_XDP-style sockets (include/uxdp/xsk.h): a
 * UMEM moved in place onto a sealed memfd, rings laid out in memfds as the
 * header's diagram says, one SEQPACKET connection per socket that carries the
 * XSK_BIND request (with the memfds as SCM_RIGHTS) and afterwards becomes the
 * socket's fd (poll, kicks, XSK_STATS, XSK_MAP_KEY), and the slow path of the
 * rx ring's wake-up accounting. The rings' fast path is inline in the header;
 * everything here is slow path (setup, teardown, statistics).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"
#include "uxdp/xsk.h"
#include "vm/vm_internal.h"
#include "xsk/xsk_client.h"

#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26 /* <linux/memfd.h>: log2(huge page size) goes here */
#endif

struct uxdp_xsk_umem {
	void *area;
	uint64_t size;	  /* what the application registered */
	uint64_t map_len; /* size rounded up to pages (huge pages: see below): the memfd's size */
	uint64_t huge;	  /* the area's huge page size when it is hugetlb memory, else 0 */
	struct uxdp_xsk_umem_config cfg;
	int memfd;
	/* The UMEM's own fill and completion rings (made by umem__create). */
	int fq_fd;
	void *fq_mem;
	uint64_t fq_len, fill_off, comp_off;
	struct uxdp_xsk_ring_prod *fill_save; /* the caller's structs */
	struct uxdp_xsk_ring_cons *comp_save;
	bool fq_handed; /* a live socket brought them to uxdpd */
	int refcount;	/* sockets bound on this UMEM */
	int fd;		/* the first live socket's fd, -1 */
};

struct uxdp_xsk_socket {
	int fd; /* the connection to uxdpd */
	struct uxdp_xsk_umem *umem;
	void *rt_mem; /* rx and tx rings */
	uint64_t rt_len;
	void *fq_mem; /* this socket's own fill/comp rings (create_shared), or NULL */
	uint64_t fq_len;
	bool brought_umem_rings;
	uint32_t id;
	bool zero_copy;
	uint32_t seq;
	/*
	 * lock serialises readers of the connection: a request waiting for its
	 * reply, and the rx ring's wake-up drain. consumed counts the zero-length
	 * wake-up messages read so far (by either); it is what drained publishes.
	 */
	pthread_mutex_t lock;
	uint32_t consumed;
	uint32_t *signals, *drained; /* the rx ring's words, NULL without an rx ring */
	/* XDP_RING_NEED_WAKEUP words for uxdp_xsk_recvfrom()/poll(): the fill
	 * ring's (NULL when it is shared with an earlier socket: not known
	 * here) and the tx ring's (NULL without a tx ring). */
	uint32_t *fill_flags, *tx_flags;
};

static const struct uxdp_xsk_umem_config umem_defaults = {
	.fill_size = UXDP_XSK_RING_PROD__DEFAULT_NUM_DESCS,
	.comp_size = UXDP_XSK_RING_CONS__DEFAULT_NUM_DESCS,
	.frame_size = UXDP_XSK_UMEM__DEFAULT_FRAME_SIZE,
	.frame_headroom = UXDP_XSK_UMEM__DEFAULT_FRAME_HEADROOM,
	.flags = UXDP_XSK_UMEM__DEFAULT_FLAGS,
};

static const struct uxdp_xsk_socket_config socket_defaults = {
	.rx_size = UXDP_XSK_RING_CONS__DEFAULT_NUM_DESCS,
	.tx_size = UXDP_XSK_RING_PROD__DEFAULT_NUM_DESCS,
};

/* --- ring memory --------------------------------------------------------------------------- */

static uint64_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (uint64_t)p : 4096;
}

uint64_t uxdp_xsk_page_align(uint64_t n)
{
	uint64_t p = page_size();

	return (n + p - 1) & ~(p - 1);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static bool ring_size_ok(uint32_t entries)
{
	return is_pow2(entries) && entries >= UXDP_XSK_RING_MIN && entries <= UXDP_XSK_RING_MAX;
}

int uxdp_xsk_memfd(const char *name, uint64_t size)
{
	int fd, err;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void uxdp_xsk_ring_mem_init(void *base, uint32_t start)
{
	char *b = base;

	__atomic_store_n((uint32_t *)(b + UXDP_XSK_RING_OFF_PRODUCER), start, __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(b + UXDP_XSK_RING_OFF_CONSUMER), start, __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(b + UXDP_XSK_RING_OFF_FLAGS), 0, __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(b + UXDP_XSK_RING_OFF_SIGNALS), 0, __ATOMIC_RELAXED);
	/* Release: whoever maps the ring after this sees the indices above. */
	__atomic_store_n((uint32_t *)(b + UXDP_XSK_RING_OFF_DRAINED), 0, __ATOMIC_RELEASE);
}

void uxdp_xsk_ring_attach(struct uxdp_xsk_ring *r, void *base, uint32_t size, bool producer)
{
	char *b = base;

	memset(r, 0, sizeof(*r));
	r->size = size;
	r->mask = size - 1;
	r->producer = (uint32_t *)(b + UXDP_XSK_RING_OFF_PRODUCER);
	r->consumer = (uint32_t *)(b + UXDP_XSK_RING_OFF_CONSUMER);
	r->flags = (uint32_t *)(b + UXDP_XSK_RING_OFF_FLAGS);
	r->ring = b + UXDP_XSK_RING_OFF_ENTRIES;
	r->cached_prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	r->cached_cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	/* A producer keeps cached_cons a ring ahead: cached_cons - cached_prod
	 * is then the free space (uxdp_xsk_prod_nb_free()). */
	if (producer)
		r->cached_cons += size;
}

/*
 * Two rings in one memfd: the first at offset 0, the second at the next page
 * boundary (a ring of 0 entries takes no room). Maps it and lays out both
 * rings' headers with indices at 0. @return the fd, or -errno
 */
static int rings_make(const char *name, uint32_t e0, size_t sz0, uint32_t e1, size_t sz1,
		      uint64_t *off1, void **mem, uint64_t *len)
{
	uint64_t o1 = e0 ? uxdp_xsk_page_align(UXDP_XSK_RING_BYTES(e0, sz0)) : 0;
	uint64_t total = o1 + (e1 ? uxdp_xsk_page_align(UXDP_XSK_RING_BYTES(e1, sz1)) : 0);
	void *m;
	int fd, err;

	fd = uxdp_xsk_memfd(name, total);
	if (fd < 0)
		return fd;
	m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	if (e0)
		uxdp_xsk_ring_mem_init(m, 0);
	if (e1)
		uxdp_xsk_ring_mem_init((char *)m + o1, 0);
	*off1 = o1;
	*mem = m;
	*len = total;
	return fd;
}

/* --- UMEM ---------------------------------------------------------------------------------- */

static int umem_config_check(const struct uxdp_xsk_umem_config *c, const void *area, uint64_t size)
{
	bool unaligned = c->flags & XDP_UMEM_UNALIGNED_CHUNK_FLAG;

	if (c->flags & ~XDP_UMEM_UNALIGNED_CHUNK_FLAG)
		return -EINVAL;
	/* Unaligned chunks may have any size in the range (the kernel's rule). */
	if (c->frame_size < 2048 || c->frame_size > 4096 || (!unaligned && !is_pow2(c->frame_size)))
		return -EINVAL;
	/* uxdpd puts XDP_PACKET_HEADROOM (256) and room for its frame metadata
	 * (320) after the application's headroom and needs a minimal frame (64). */
	if (c->frame_headroom >= c->frame_size - 256 - 320 - 64)
		return -EINVAL;
	if (!ring_size_ok(c->fill_size) || !ring_size_ok(c->comp_size))
		return -EINVAL;
	if ((uintptr_t)area & (page_size() - 1))
		return -EINVAL;
	if (size < c->frame_size || (!unaligned && size % c->frame_size) ||
	    (uintptr_t)area + size < (uintptr_t)area)
		return -EINVAL;
	return 0;
}

/*
 * The huge page size of the mapping that holds [area, area + len) when the
 * application took it from hugetlbfs (MAP_HUGETLB, or a hugetlbfs file), else
 * 0 (also when /proc/self/smaps cannot tell). Such a UMEM moves onto a hugetlb
 * memfd, so that uxdpd maps it with huge pages too (one TLB entry per 2 MiB
 * instead of one per chunk, for the daemon as for the application).
 */
static uint64_t area_huge_page_size(const void *area, uint64_t len)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	uintptr_t a = (uintptr_t)area, start, end;
	unsigned long kb;
	bool inside = false;
	uint64_t huge = 0;
	char line[512];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line ("start-end perms ..."); its fields follow
		 * ("Name: value"), none of which reads as two hex numbers and a dash. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			inside = start <= a && a < end;
			if (inside && a + len > end)
				break; /* spans mappings: not one hugetlb mapping */
			continue;
		}
		if (inside && sscanf(line, "KernelPageSize: %lu kB", &kb) == 1) {
			if ((uint64_t)kb * 1024 > page_size())
				huge = (uint64_t)kb * 1024;
			break;
		}
	}
	fclose(f);
	return huge;
}

/* A sealed hugetlb memfd of len bytes (a multiple of huge), its pages not yet
 * allocated: umem_move_huge() takes them one by one. */
static int hugetlb_memfd(uint64_t len, uint64_t huge)
{
	int fd, err;

	fd = memfd_create("uxdp-umem", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
					       ((unsigned int)__builtin_ctzll(huge) << MFD_HUGE_SHIFT));
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * umem_move() for hugetlb memory, one huge page at a time (hugetlbfs has no
 * write()): allocate the file's page, copy through a second mapping, map it
 * over the area. The application's own page is given back as its slice is
 * replaced, so the pool needs one free huge page, not a second UMEM.
 * *moved: the bytes already moved when it fails (0: the area is untouched).
 */
static int umem_move_huge(void *area, uint64_t len, int memfd, uint64_t huge, uint64_t *moved)
{
	char *a = area;

	for (uint64_t off = 0; off < len; off += huge) {
		void *tmp;

		*moved = off;
		if (fallocate(memfd, 0, (off_t)off, (off_t)huge))
			return -errno;
		tmp = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, (off_t)off);
		if (tmp == MAP_FAILED)
			return -errno;
		memcpy(tmp, a + off, huge);
		munmap(tmp, huge);
		if (mmap(a + off, huge, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd,
			 (off_t)off) == MAP_FAILED)
			return -errno;
	}
	return 0;
}

/*
 * Replace the pages of [area, area + len) by the same bytes in memfd, a slice
 * at a time (so the area's memory is never needed twice over): copy the
 * slice into the file, then map the file over it. The kernel merges the
 * slices into one mapping. A failure part-way leaves every slice with its
 * contents, some of them already shared.
 */
static int umem_move(void *area, uint64_t len, int memfd)
{
	const uint64_t slice = 4u << 20;
	char *a = area;

	for (uint64_t off = 0; off < len; off += slice) {
		uint64_t n = len - off < slice ? len - off : slice;

		for (uint64_t done = 0; done < n;) {
			ssize_t w = pwrite(memfd, a + off + done, n - done, (off_t)(off + done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			done += (uint64_t)w;
		}
		if (mmap(a + off, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd,
			 (off_t)off) == MAP_FAILED)
			return -errno;
	}
	return 0;
}

int uxdp_xsk_umem__create(struct uxdp_xsk_umem **umem_ptr, void *umem_area, uint64_t size,
			  struct uxdp_xsk_ring_prod *fill, struct uxdp_xsk_ring_cons *comp,
			  const struct uxdp_xsk_umem_config *config)
{
	struct uxdp_xsk_umem *umem;
	bool huge_fd;
	int err;

	if (!umem_ptr || !umem_area || !fill || !comp)
		return -EFAULT;
	umem = calloc(1, sizeof(*umem));
	if (!umem)
		return -ENOMEM;
	umem->cfg = config ? *config : umem_defaults;
	umem->fd = -1;
	umem->fq_fd = -1;
	err = umem_config_check(&umem->cfg, umem_area, size);
	if (err)
		goto err_free;
	umem->area = umem_area;
	umem->size = size;
	/* A size that ends mid-page still moves the whole last page: its tail
	 * (the application's bytes) keeps its contents, now shared too. Huge
	 * pages are replaced whole (hugetlb mappings split only at their
	 * boundaries), within the application's mapping (checked above). */
	umem->huge = area_huge_page_size(umem_area, size);
	if (umem->huge && (uintptr_t)umem_area % umem->huge)
		umem->huge = 0; /* not at a huge page boundary: cannot be hugetlb memory */
	umem->map_len = umem->huge ? (size + umem->huge - 1) / umem->huge * umem->huge
				   : uxdp_xsk_page_align(size);

	umem->memfd = umem->huge ? hugetlb_memfd(umem->map_len, umem->huge) : -1;
	huge_fd = umem->memfd >= 0;
	if (!huge_fd)
		umem->memfd = uxdp_xsk_memfd("uxdp-umem", umem->map_len);
	if (umem->memfd < 0) {
		err = umem->memfd;
		goto err_free;
	}
	umem->fq_fd = rings_make("uxdp-fill-comp", umem->cfg.fill_size, UXDP_XSK_ADDR_ENTRY,
				 umem->cfg.comp_size, UXDP_XSK_ADDR_ENTRY, &umem->comp_off,
				 &umem->fq_mem, &umem->fq_len);
	if (umem->fq_fd < 0) {
		err = umem->fq_fd;
		goto err_close_memfd;
	}
	if (huge_fd) {
		uint64_t moved = 0;

		err = umem_move_huge(umem_area, umem->map_len, umem->memfd, umem->huge, &moved);
		if (err && !moved) {
			/* No free huge page (the area is untouched): ordinary shared
			 * memory instead, which uxdpd maps with small pages. */
			close(umem->memfd);
			huge_fd = false;
			umem->memfd = uxdp_xsk_memfd("uxdp-umem", umem->map_len);
			if (umem->memfd < 0) {
				err = umem->memfd;
				goto err_unmap_rings_nofd;
			}
		}
	}
	if (!huge_fd)
		err = umem_move(umem_area, umem->map_len, umem->memfd);
	if (err)
		goto err_unmap_rings;

	umem->fill_off = 0;
	uxdp_xsk_ring_attach(&fill->r, umem->fq_mem, umem->cfg.fill_size, true);
	uxdp_xsk_ring_attach(&comp->r, (char *)umem->fq_mem + umem->comp_off, umem->cfg.comp_size,
			     false);
	umem->fill_save = fill;
	umem->comp_save = comp;
	*umem_ptr = umem;
	return 0;

err_unmap_rings:
	close(umem->memfd);
err_unmap_rings_nofd:
	munmap(umem->fq_mem, umem->fq_len);
	close(umem->fq_fd);
	goto err_free;
err_close_memfd:
	close(umem->memfd);
err_free:
	free(umem);
	return err;
}

/*
 * The area stays mapped: it is the application's address range, which it
 * passed in and may still use (or free) after deleting the UMEM; the shared
 * mapping keeps the memfd's pages alive until the application unmaps them.
 */
int uxdp_xsk_umem__delete(struct uxdp_xsk_umem *umem)
{
	if (!umem)
		return 0;
	if (umem->refcount)
		return -EBUSY;
	munmap(umem->fq_mem, umem->fq_len);
	close(umem->fq_fd);
	close(umem->memfd);
	free(umem);
	return 0;
}

int uxdp_xsk_umem__fd(const struct uxdp_xsk_umem *umem)
{
	return umem ? umem->fd : -EINVAL;
}

/* --- the connection ------------------------------------------------------------------------ */

/*
 * A zero-length message on the connection is either a wake-up from uxdpd or
 * the end of the connection; recv() says 0 for both. Without a hang-up it is
 * a message; with one, it is a wake-up only while uxdpd has announced more
 * wake-ups (signals) than we have read (uxdpd bumps signals once the message
 * is sent; a daemon gone before bumping is gone: end of connection).
 */
static bool zero_len_is_wakeup(struct uxdp_xsk_socket *s)
{
	struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};

	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP)))
		return s->signals && s->consumed != __atomic_load_n(s->signals, __ATOMIC_ACQUIRE);
	return true;
}

/*
 * Send one request (fds in SCM_RIGHTS if nfds) and read its reply, skipping
 * (and counting) wake-ups. Caller holds s->lock. *text gets the reply text
 * (NUL-terminated, caller frees). @return the daemon's status or -errno
 */
static int xsk_call(struct uxdp_xsk_socket *s, void *msg, size_t len, const int *fds, int nfds,
		    char **text)
{
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct uxdp_ctl_hdr *h = msg;
	struct iovec iov = {.iov_base = msg, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	uint32_t consumed0 = s->consumed;
	struct uxdp_ctl_reply *r;
	size_t have = 0;
	int status = 0;
	ssize_t n;
	char *t;

	*text = NULL;
	h->magic = UXDP_CTL_MAGIC;
	h->version = UXDP_CTL_VERSION;
	h->len = (uint32_t)len;
	h->seq = ++s->seq;
	if (nfds) {
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EMSGSIZE;

	r = malloc(UXDP_CTL_MAX_MSG);
	t = calloc(1, 1);
	if (!r || !t) {
		status = -ENOMEM;
		goto out;
	}
	for (;;) {
		int more;

		n = recv(s->fd, r, UXDP_CTL_MAX_MSG, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			status = -errno;
			goto out;
		}
		if (n == 0) {
			if (!zero_len_is_wakeup(s)) {
				status = -ECONNRESET;
				goto out;
			}
			s->consumed++;
			continue;
		}
		more = uxdp_ctl_reply_chunk(r, (size_t)n, s->seq, &t, &have, &status);
		if (more < 0) {
			status = more;
			goto out;
		}
		if (!more)
			break;
	}
	if (status > 0)
		status = -EPROTO;
	*text = t;
	t = NULL;
out:
	/* Wake-ups read while waiting are consumed: publish them, as a drain would. */
	if (s->drained && s->consumed != consumed0)
		__atomic_store_n(s->drained, s->consumed, __ATOMIC_RELEASE);
	free(t);
	free(r);
	return status;
}

/*
 * The rx ring was seen empty while uxdpd had announced wake-ups we have not
 * read (signals != drained): read them, so that poll() stops reporting
 * POLLIN, and publish how many we have read in drained.
 *
 * uxdpd sends a wake-up only when none is outstanding (signals == drained)
 * and bumps signals once the send succeeded (a message that could not be
 * sent is never announced). drained is the count of wake-up messages actually
 * read, not a copy of signals: had we stored a signals value read before
 * draining, a wake-up sent during the drain could be read here yet left
 * unaccounted, and uxdpd, thinking it still outstanding, would send no other
 * while the application sleeps in poll() with a non-empty ring. Counting
 * instead, signals != drained always means one message is still queued:
 * poll() will return, and the next empty peek reads it. A message that
 * arrives before its bump is left for a later peek (one spurious POLLIN at
 * most). We read at most signals - consumed messages and
 * peek before each so that a dead daemon (recv() says 0 for ever) cannot spin
 * us, and a reply to a request (not a zero-length message) is never eaten.
 * If another thread is inside a request, it reads and counts the wake-ups
 * itself (xsk_call), so we do not wait for it.
 */
void uxdp_xsk_ring__drain_wakeups(struct uxdp_xsk_ring *r)
{
	struct uxdp_xsk_socket *s = r ? r->xsk : NULL;
	uint32_t target;

	if (!s || !r->signals || !r->drained)
		return;
	if (pthread_mutex_trylock(&s->lock))
		return;
	/* Acquire: pairs with uxdpd's release store of signals. */
	target = __atomic_load_n(r->signals, __ATOMIC_ACQUIRE);
	while (s->consumed != target) {
		char c;

		if (recv(s->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) != 0)
			break; /* nothing queued yet, or not a wake-up */
		if (recv(s->fd, NULL, 0, MSG_DONTWAIT) != 0)
			break;
		s->consumed++;
	}
	/* Release: pairs with uxdpd's acquire load before it sends a wake-up. */
	__atomic_store_n(r->drained, s->consumed, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->lock);
}

/*
 * Live sockets by fd, for uxdp_xsk_getsockopt(): applications ask about a
 * socket by its fd. Sockets come and go rarely; a lock and a small array do.
 */
static pthread_mutex_t sockets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct uxdp_xsk_socket **sockets;
static size_t sockets_n, sockets_cap;

static void sockets_add(struct uxdp_xsk_socket *s)
{
	pthread_mutex_lock(&sockets_lock);
	if (sockets_n == sockets_cap) {
		size_t cap = sockets_cap ? sockets_cap * 2 : 8;
		struct uxdp_xsk_socket **n = realloc(sockets, cap * sizeof(*n));

		if (!n) {
			pthread_mutex_unlock(&sockets_lock);
			return; /* getsockopt on this fd then passes through to the kernel */
		}
		sockets = n;
		sockets_cap = cap;
	}
	sockets[sockets_n] = s;
	__atomic_store_n(&sockets_n, sockets_n + 1, __ATOMIC_RELAXED); /* see socket_of_fd() */
	pthread_mutex_unlock(&sockets_lock);
}

/* The live socket whose fd this is, or NULL. Its use after the lookup is the
 * caller's business, as with any fd: a socket deleted meanwhile is a bug of
 * the application's (the kernel's fd would be gone too). */
static struct uxdp_xsk_socket *socket_of_fd(int fd)
{
	struct uxdp_xsk_socket *s = NULL;

	if (fd < 0 || !__atomic_load_n(&sockets_n, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&sockets_lock);
	for (size_t i = 0; i < sockets_n; i++)
		if (sockets[i]->fd == fd)
			s = sockets[i];
	pthread_mutex_unlock(&sockets_lock);
	return s;
}

static void sockets_del(struct uxdp_xsk_socket *s)
{
	pthread_mutex_lock(&sockets_lock);
	for (size_t i = 0; i < sockets_n; i++)
		if (sockets[i] == s) {
			sockets[i] = sockets[sockets_n - 1];
			__atomic_store_n(&sockets_n, sockets_n - 1, __ATOMIC_RELAXED);
			break;
		}
	pthread_mutex_unlock(&sockets_lock);
}

/* --- sockets ------------------------------------------------------------------------------- */

static int copy_name(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n >= UXDP_CTL_NAME_MAX)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

static int bind_reply_parse(struct uxdp_xsk_socket *s, const char *text)
{
	json_t *root, *id, *zc;
	int err = -EPROTO;

	root = json_loads(text, 0, NULL);
	if (!root)
		return -EPROTO;
	id = json_object_get(root, "id");
	zc = json_object_get(root, "zero_copy");
	if (json_is_integer(id) && json_integer_value(id) >= 0 &&
	    json_integer_value(id) <= UINT32_MAX && json_is_boolean(zc)) {
		s->id = (uint32_t)json_integer_value(id);
		s->zero_copy = json_is_true(zc);
		err = 0;
	}
	json_decref(root);
	return err;
}

enum fq_source {
	FQ_UMEM,  /* bring the UMEM's own fill/comp rings */
	FQ_OWN,	  /* bring new ones, made for this socket */
	FQ_SHARE, /* none: uxdpd uses those the UMEM has on (port, queue) */
};

static int xsk_create(struct uxdp_xsk_socket **xsk_ptr, const char *ifname, uint32_t queue_id,
		      struct uxdp_xsk_umem *umem, struct uxdp_xsk_ring_cons *rx,
		      struct uxdp_xsk_ring_prod *tx, struct uxdp_xsk_ring_prod *fill,
		      struct uxdp_xsk_ring_cons *comp, const struct uxdp_xsk_socket_config *config)
{
	const uint16_t known_bind = XDP_SHARED_UMEM | XDP_COPY | XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
	struct uxdp_xsk_socket_config cfg = config ? *config : socket_defaults;
	struct uxdp_ctl_xsk_bind msg;
	struct uxdp_xsk_socket *s;
	uint32_t rx_n, tx_n, fill_n = 0, comp_n = 0;
	uint64_t tx_off, fq_comp_off = 0;
	enum fq_source src;
	int fds[3], nfds = 2;
	int rt_fd, fq_fd = -1, err;
	char *text = NULL;
	const char *path;

	if (!xsk_ptr || !ifname || !umem || (!rx && !tx))
		return -EFAULT;
	if (!fill != !comp)
		return -EFAULT;
	/* A ring of 0 entries is no ring (as the ring struct were NULL). */
	rx_n = rx ? cfg.rx_size : 0;
	tx_n = tx ? cfg.tx_size : 0;
	if ((rx_n && !ring_size_ok(rx_n)) || (tx_n && !ring_size_ok(tx_n)) || (!rx_n && !tx_n))
		return -EINVAL;
	if (!rx_n)
		rx = NULL;
	if (!tx_n)
		tx = NULL;
	if ((cfg.bind_flags & ~known_bind) ||
	    (cfg.bind_flags & (XDP_COPY | XDP_ZEROCOPY)) == (XDP_COPY | XDP_ZEROCOPY))
		return -EINVAL;
	if (cfg.libxdp_flags & ~UXDP_XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD)
		return -EINVAL;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = UXDP_CTL_XSK_BIND;
	msg.abi = UXDP_XSK_ABI_VERSION;
	msg.queue = queue_id;
	if (copy_name(msg.port, ifname))
		return -EINVAL;

	/* Whose fill/comp rings (libxdp's rules): the UMEM's own go with its
	 * first socket; a later socket given other rings brings them; one given
	 * none, or the UMEM's, shares those of its (port, queue). */
	if (!umem->fq_handed)
		src = FQ_UMEM;
	else if (fill && !(fill == umem->fill_save && comp == umem->comp_save))
		src = FQ_OWN;
	else
		src = FQ_SHARE;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->umem = umem;
	err = pthread_mutex_init(&s->lock, NULL);
	if (err) {
		free(s);
		return -err;
	}
	path = secure_getenv("UXDP_SOCKET");
	if (!path || !*path)
		path = UXDP_CTL_DEFAULT_PATH;
	{
		char why[256];

		s->fd = uxdp_ctl_connect(path, why, sizeof(why));
	}
	if (s->fd < 0) {
		err = s->fd;
		goto err_free;
	}

	rt_fd = rings_make("uxdp-rx-tx", rx_n, UXDP_XSK_DESC_ENTRY, tx_n, UXDP_XSK_DESC_ENTRY,
			   &tx_off, &s->rt_mem, &s->rt_len);
	if (rt_fd < 0) {
		err = rt_fd;
		goto err_close;
	}
	if (src == FQ_OWN) {
		fill_n = umem->cfg.fill_size;
		comp_n = umem->cfg.comp_size;
		fq_fd = rings_make("uxdp-fill-comp", fill_n, UXDP_XSK_ADDR_ENTRY, comp_n,
				   UXDP_XSK_ADDR_ENTRY, &fq_comp_off, &s->fq_mem, &s->fq_len);
		if (fq_fd < 0) {
			err = fq_fd;
			goto err_unmap_rt;
		}
	} else if (src == FQ_UMEM) {
		fill_n = umem->cfg.fill_size;
		comp_n = umem->cfg.comp_size;
		fq_fd = umem->fq_fd;
		fq_comp_off = umem->comp_off;
	}

	msg.bind_flags = cfg.bind_flags;
	if (umem->refcount)
		msg.bind_flags |= XDP_SHARED_UMEM;
	msg.libxdp_flags = cfg.libxdp_flags;
	msg.umem_size = umem->size;
	msg.chunk_size = umem->cfg.frame_size;
	msg.headroom = umem->cfg.frame_headroom;
	msg.umem_flags = umem->cfg.flags;
	msg.ring[UXDP_CTL_XSK_FILL] = (struct uxdp_ctl_xsk_ring){.off = 0, .entries = fill_n};
	msg.ring[UXDP_CTL_XSK_COMP] =
		(struct uxdp_ctl_xsk_ring){.off = fq_comp_off, .entries = comp_n};
	msg.ring[UXDP_CTL_XSK_RX] = (struct uxdp_ctl_xsk_ring){.off = 0, .entries = rx_n};
	msg.ring[UXDP_CTL_XSK_TX] = (struct uxdp_ctl_xsk_ring){.off = tx_off, .entries = tx_n};
	fds[0] = umem->memfd;
	fds[1] = rt_fd;
	if (fq_fd >= 0) {
		fds[2] = fq_fd;
		nfds = 3;
	}

	/* The rx ring's view knows its socket before any wake-up can come. */
	if (rx) {
		uxdp_xsk_ring_attach(&rx->r, s->rt_mem, rx_n, false);
		rx->r.signals = (uint32_t *)((char *)s->rt_mem + UXDP_XSK_RING_OFF_SIGNALS);
		rx->r.drained = (uint32_t *)((char *)s->rt_mem + UXDP_XSK_RING_OFF_DRAINED);
		rx->r.xsk = s;
		s->signals = rx->r.signals;
		s->drained = rx->r.drained;
	}
	if (tx) {
		uxdp_xsk_ring_attach(&tx->r, (char *)s->rt_mem + tx_off, tx_n, true);
		s->tx_flags = tx->r.flags;
	}

	pthread_mutex_lock(&s->lock);
	err = xsk_call(s, &msg, sizeof(msg), fds, nfds, &text);
	pthread_mutex_unlock(&s->lock);
	if (err) {
		if (text && *text)
			uxdp_pr(UXDP_WARN, "uxdpd refused the socket on %s queue %u: %s\n", ifname,
				queue_id, text);
		goto err_unmap_fq;
	}
	err = bind_reply_parse(s, text);
	if (err)
		goto err_unmap_fq;
	free(text);

	/* Bound: only now touch the caller's fill/comp structs and the UMEM. */
	if (src == FQ_OWN) {
		uxdp_xsk_ring_attach(&fill->r, s->fq_mem, fill_n, true);
		uxdp_xsk_ring_attach(&comp->r, (char *)s->fq_mem + fq_comp_off, comp_n, false);
		s->fill_flags = fill->r.flags;
		close(fq_fd);
	} else if (src == FQ_UMEM) {
		s->fill_flags = (uint32_t *)((char *)umem->fq_mem + UXDP_XSK_RING_OFF_FLAGS);
		if (fill && fill != umem->fill_save)
			*fill = *umem->fill_save;
		if (comp && comp != umem->comp_save)
			*comp = *umem->comp_save;
		umem->fq_handed = true;
		s->brought_umem_rings = true;
	}
	close(rt_fd);
	if (umem->fd < 0)
		umem->fd = s->fd;
	umem->refcount++;
	sockets_add(s);
	*xsk_ptr = s;
	return 0;

err_unmap_fq:
	free(text);
	if (src == FQ_OWN) {
		munmap(s->fq_mem, s->fq_len);
		close(fq_fd);
	}
err_unmap_rt:
	munmap(s->rt_mem, s->rt_len);
	close(rt_fd);
	if (rx)
		memset(&rx->r, 0, sizeof(rx->r));
	if (tx)
		memset(&tx->r, 0, sizeof(tx->r));
err_close:
	close(s->fd);
err_free:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return err;
}

/* --- getsockopt(SOL_XDP) ------------------------------------------------------------------ */

/* The kernel's first struct xdp_statistics (three fields), for sizes. */
#define XDP_STATISTICS_V1_SIZE (3 * sizeof(__u64))

int uxdp_xsk_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	struct uxdp_xsk_socket *s = NULL;
	struct uxdp_xsk_stats st;
	int err;

	if (level == SOL_XDP)
		s = socket_of_fd(fd);
	if (!s) /* not ours: what the kernel says about it (a kernel AF_XDP fd works too) */
		return getsockopt(fd, level, optname, optval, optlen);
	if (!optval || !optlen) {
		errno = EFAULT;
		return -1;
	}
	switch (optname) {
	case XDP_STATISTICS: {
		struct xdp_statistics out = {0};
		size_t size = *optlen >= sizeof(out) ? sizeof(out) : XDP_STATISTICS_V1_SIZE;

		if (*optlen < XDP_STATISTICS_V1_SIZE) {
			errno = EINVAL;
			return -1;
		}
		err = uxdp_xsk_socket__get_stats(s, &st);
		if (err) {
			errno = -err;
			return -1;
		}
		out.rx_dropped = st.rx_dropped;
		out.rx_invalid_descs = st.rx_invalid_descs;
		out.tx_invalid_descs = st.tx_invalid_descs;
		if (size == sizeof(out)) {
			out.rx_ring_full = st.rx_ring_full;
			out.rx_fill_ring_empty_descs = st.rx_fill_ring_empty_descs;
			out.tx_ring_empty_descs = st.tx_ring_empty_descs;
		} else {
			out.rx_dropped += st.rx_ring_full; /* the kernel folds it in for v1 */
		}
		memcpy(optval, &out, size);
		*optlen = (socklen_t)size;
		return 0;
	}
	case XDP_OPTIONS: {
		struct xdp_options o = {.flags = s->zero_copy ? XDP_OPTIONS_ZEROCOPY : 0};

		if (*optlen < sizeof(o)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(optval, &o, sizeof(o));
		*optlen = sizeof(o);
		return 0;
	}
	case XDP_MMAP_OFFSETS:
		/* uxdp's rings are not mmap()ed from the fd; <uxdp/xsk.h> documents them. */
		errno = EOPNOTSUPP;
		return -1;
	default:
		errno = ENOPROTOOPT;
		return -1;
	}
}

int uxdp_xsk_socket__create(struct uxdp_xsk_socket **xsk, const char *ifname, uint32_t queue_id,
			    struct uxdp_xsk_umem *umem, struct uxdp_xsk_ring_cons *rx,
			    struct uxdp_xsk_ring_prod *tx,
			    const struct uxdp_xsk_socket_config *config)
{
	return xsk_create(xsk, ifname, queue_id, umem, rx, tx, NULL, NULL, config);
}

int uxdp_xsk_socket__create_shared(struct uxdp_xsk_socket **xsk, const char *ifname,
				   uint32_t queue_id, struct uxdp_xsk_umem *umem,
				   struct uxdp_xsk_ring_cons *rx, struct uxdp_xsk_ring_prod *tx,
				   struct uxdp_xsk_ring_prod *fill, struct uxdp_xsk_ring_cons *comp,
				   const struct uxdp_xsk_socket_config *config)
{
	if (!fill || !comp)
		return -EFAULT;
	return xsk_create(xsk, ifname, queue_id, umem, rx, tx, fill, comp, config);
}

void uxdp_xsk_socket__delete(struct uxdp_xsk_socket *xsk)
{
	struct uxdp_xsk_umem *umem;

	if (!xsk)
		return;
	umem = xsk->umem;
	sockets_del(xsk);
	/* Closing the connection is what releases the socket in uxdpd. */
	close(xsk->fd);
	munmap(xsk->rt_mem, xsk->rt_len);
	if (xsk->fq_mem)
		munmap(xsk->fq_mem, xsk->fq_len);
	if (umem->fd == xsk->fd)
		umem->fd = -1;
	/* Once no socket holds the UMEM, uxdpd forgets it, fill/comp rings
	 * included: the next socket brings them again. */
	if (--umem->refcount == 0)
		umem->fq_handed = false;
	pthread_mutex_destroy(&xsk->lock);
	free(xsk);
}

int uxdp_xsk_socket__fd(const struct uxdp_xsk_socket *xsk)
{
	return xsk ? xsk->fd : -EINVAL;
}

bool uxdp_xsk_socket__zero_copy(const struct uxdp_xsk_socket *xsk)
{
	return xsk && xsk->zero_copy;
}

#define XSK_STATS_FIELDS(X)                                                                        \
	X(rx_dropped)                                                                              \
	X(rx_invalid_descs)                                                                        \
	X(tx_invalid_descs)                                                                        \
	X(rx_ring_full)                                                                            \
	X(rx_fill_ring_empty_descs)                                                                \
	X(tx_ring_empty_descs)                                                                     \
	X(rx_packets)                                                                              \
	X(rx_bytes)                                                                                \
	X(tx_packets)                                                                              \
	X(tx_bytes)                                                                                \
	X(wakeups)                                                                                 \
	X(kicks)

/* Counters uxdpd does not send stay 0 (a newer or older daemon); a wrong type is an error. */
static int stats_parse(const char *text, struct uxdp_xsk_stats *st)
{
	json_t *root, *v;
	int err = 0;

	root = json_loads(text, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return -EPROTO;
	}
	memset(st, 0, sizeof(*st));
#define XSK_STAT_GET(f)                                                                            \
	v = json_object_get(root, #f);                                                             \
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 0))                              \
		err = -EPROTO;                                                                     \
	else if (v)                                                                                \
		st->f = (uint64_t)json_integer_value(v);
	XSK_STATS_FIELDS(XSK_STAT_GET)
#undef XSK_STAT_GET
	v = json_object_get(root, "zero_copy");
	if (v && !json_is_boolean(v))
		err = -EPROTO;
	st->zero_copy = json_is_true(v);
	json_decref(root);
	return err;
}

/* xsk is const in the API (libxdp's shape) but its connection state is not. */
int uxdp_xsk_socket__get_stats(const struct uxdp_xsk_socket *xsk, struct uxdp_xsk_stats *stats)
{
	struct uxdp_xsk_socket *s = (struct uxdp_xsk_socket *)xsk;
	struct uxdp_ctl_hdr req = {.type = UXDP_CTL_XSK_STATS};
	char *text = NULL;
	int err;

	if (!s || !stats)
		return -EFAULT;
	pthread_mutex_lock(&s->lock);
	err = xsk_call(s, &req, sizeof(req), NULL, 0, &text);
	pthread_mutex_unlock(&s->lock);
	if (!err)
		err = stats_parse(text, stats);
	free(text);
	return err;
}

int uxdp_xsk_socket__update_xskmap_key(struct uxdp_xsk_socket *xsk, const char *map_name,
				       uint32_t key)
{
	struct uxdp_ctl_xsk_map_key req;
	char *text = NULL;
	int err;

	if (!xsk)
		return -EFAULT;
	memset(&req, 0, sizeof(req));
	req.hdr.type = UXDP_CTL_XSK_MAP_KEY;
	req.key = key;
	if (map_name && copy_name(req.map, map_name))
		return -ENOENT; /* no map has a name that long */
	pthread_mutex_lock(&xsk->lock);
	err = xsk_call(xsk, &req, sizeof(req), NULL, 0, &text);
	pthread_mutex_unlock(&xsk->lock);
	if (err && text && *text)
		uxdp_pr(UXDP_WARN, "uxdpd refused the xskmap key %u: %s\n", key, text);
	free(text);
	return err;
}

/* --- kicks: sendto(), recvfrom(), poll() ------------------------------------------------- */

static bool wants_kick(const uint32_t *flags)
{
	return flags && (__atomic_load_n(flags, __ATOMIC_SEQ_CST) & XDP_RING_NEED_WAKEUP);
}

/*
 * A zero-length message: uxdpd wakes the socket's worker. A full socket
 * buffer means kicks are already queued (nothing lost); a connection uxdpd
 * has closed means the socket is no longer bound (the kernel's ENXIO).
 */
static int kick(struct uxdp_xsk_socket *s)
{
	if (send(s->fd, NULL, 0, MSG_DONTWAIT | MSG_NOSIGNAL) == 0 || errno == EAGAIN ||
	    errno == EINTR)
		return 0;
	if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
		errno = ENXIO;
	return -1;
}

ssize_t uxdp_xsk_sendto(int fd, const void *buf, size_t len, int flags,
			const struct sockaddr *dest, socklen_t dest_len)
{
	struct uxdp_xsk_socket *s = socket_of_fd(fd);

	if (!s)
		return sendto(fd, buf, len, flags, dest, dest_len);
	if (!(flags & MSG_DONTWAIT)) {
		errno = EOPNOTSUPP; /* the kernel's answer: an AF_XDP kick never blocks */
		return -1;
	}
	if (!s->tx_flags) {
		errno = ENOBUFS;
		return -1;
	}
	return kick(s) ? -1 : 0;
}

ssize_t uxdp_xsk_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
			  socklen_t *src_len)
{
	struct uxdp_xsk_socket *s = socket_of_fd(fd);

	if (!s)
		return recvfrom(fd, buf, len, flags, src, src_len);
	if (!(flags & MSG_DONTWAIT)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	/* Nothing is read from the connection: its zero-length messages are
	 * poll() wake-ups, which the rx ring's drain accounts for. */
	if (!s->fill_flags || wants_kick(s->fill_flags))
		return kick(s) ? -1 : 0;
	return 0;
}

int uxdp_xsk_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	for (nfds_t i = 0; i < nfds; i++) {
		struct uxdp_xsk_socket *s = socket_of_fd(fds[i].fd);

		if (s && (wants_kick(s->fill_flags) || wants_kick(s->tx_flags)))
			(void)kick(s); /* poll() reports a dead daemon itself (POLLHUP) */
	}
	return poll(fds, nfds, timeout);
}
