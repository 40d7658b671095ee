// SPDX-License-Identifier: BSD-2-Clause
/*
 * The libxdp compatibility header: code written against libxdp's <xdp/xsk.h>
 * (its type, function and constant names, and the ring members some
 * applications read directly) compiles against libuxdp and behaves the same
 * on the parts that need no daemon (UMEM and its fill/completion rings);
 * getsockopt() written in such code reaches uxdp_xsk_getsockopt(), which
 * passes anything that is not SOL_XDP on a uxdp socket through.
 */
#include <sys/mman.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "test.h"

#define UXDP_STR_(x) #x
#define UXDP_STR(x)  UXDP_STR_(x)

UXDP_TEST(compat_names_and_ring_members, fast)
{
	struct xsk_umem_config cfg = {
		.fill_size = 1024,
		.comp_size = 512,
		.frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE,
		.frame_headroom = XSK_UMEM__DEFAULT_FRAME_HEADROOM,
		.flags = XSK_UMEM__DEFAULT_FLAGS,
	};
	size_t size = (size_t)64 * XSK_UMEM__DEFAULT_FRAME_SIZE;
	void *area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_umem *umem;
	__u32 idx;

	ASSERT_TRUE(area != MAP_FAILED);
	ASSERT_OK(xsk_umem__create(&umem, area, size, &fill, &comp, &cfg));
	/* Members libxdp applications read (e.g. to size their refills). */
	ASSERT_EQ(fill.size, 1024);
	ASSERT_EQ(fill.mask, 1023);
	ASSERT_EQ(comp.size, 512);
	ASSERT_EQ(fill.cached_cons, fill.size);
	ASSERT_EQ(fill.cached_prod, 0);
	ASSERT_NOT_NULL(fill.ring);
	ASSERT_NOT_NULL(fill.producer);
	ASSERT_EQ(*fill.producer, 0);
	/* The same ring through the functions and through the members. */
	ASSERT_EQ(xsk_prod_nb_free(&fill, 10), 1024);
	ASSERT_EQ(xsk_ring_prod__reserve(&fill, 10, &idx), 10);
	for (__u32 i = 0; i < 10; i++)
		*xsk_ring_prod__fill_addr(&fill, idx + i) = (__u64)i * XSK_UMEM__DEFAULT_FRAME_SIZE;
	xsk_ring_prod__submit(&fill, 10);
	ASSERT_EQ(fill.cached_prod, 10);
	ASSERT_EQ(*fill.producer, 10);
	ASSERT_EQ(((__u64 *)fill.ring)[9], 9ull * XSK_UMEM__DEFAULT_FRAME_SIZE);
	ASSERT_EQ(fill.r.cached_prod, fill.cached_prod); /* one object, two names */
	ASSERT_EQ(xsk_cons_nb_avail(&comp, 8), 0);
	ASSERT_EQ(xsk_ring_prod__needs_wakeup(&fill), 0);
	ASSERT_EQ(*(char *)xsk_umem__get_data(area, 0), 0);
	ASSERT_OK(xsk_umem__delete(umem));
	munmap(area, size);
	return UXDP_TEST_PASS;
}

/* The header routes getsockopt(); what is not a uxdp socket's SOL_XDP is unchanged. */
UXDP_TEST(compat_getsockopt_routed_and_passed_through, fast)
{
	int sv[2], type = 0, err;
	socklen_t len = sizeof(type);
	struct xdp_statistics st;

	ASSERT_TRUE(!strcmp(UXDP_STR(getsockopt(0, 0, 0, 0, 0)), "uxdp_xsk_getsockopt(0, 0, 0, 0, 0)"));
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len));
	ASSERT_EQ(type, SOCK_DGRAM);
	len = sizeof(st);
	ASSERT_EQ(getsockopt(sv[0], SOL_XDP, XDP_STATISTICS, &st, &len), -1);
	err = errno;
	ASSERT_TRUE(err == ENOPROTOOPT || err == EOPNOTSUPP);
	close(sv[0]);
	close(sv[1]);
	return UXDP_TEST_PASS;
}
