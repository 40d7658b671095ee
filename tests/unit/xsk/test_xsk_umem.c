// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp_xsk_umem__create(): every bad configuration field is refused with
 * EINVAL (the unaligned-chunk flag with EOPNOTSUPP), and a good one moves the
 * area onto shared memory in place: same address, same contents (the tail of
 * a last partial page included), really shared with a forked child, and still
 * mapped after uxdp_xsk_umem__delete().
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "xsk/xsk_client.h"

static void *area_new(size_t len)
{
	void *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return a == MAP_FAILED ? NULL : a;
}

static int try_cfg(void *area, uint64_t size, const struct uxdp_xsk_umem_config *cfg)
{
	struct uxdp_xsk_ring_prod fill;
	struct uxdp_xsk_ring_cons comp;
	struct uxdp_xsk_umem *umem = NULL;
	int rc = uxdp_xsk_umem__create(&umem, area, size, &fill, &comp, cfg);

	if (!rc)
		uxdp_xsk_umem__delete(umem);
	return rc;
}

UXDP_TEST(umem_bad_config, fast)
{
	const struct uxdp_xsk_umem_config good = {
		.fill_size = 2048, .comp_size = 2048, .frame_size = 4096, .frame_headroom = 0};
	struct uxdp_xsk_umem_config c;
	struct uxdp_xsk_ring_prod fill;
	struct uxdp_xsk_ring_cons comp;
	struct uxdp_xsk_umem *umem;
	size_t len = 64 * 4096;
	char *area = area_new(len);

	ASSERT_NOT_NULL(area);
	ASSERT_OK(try_cfg(area, len, &good));
	ASSERT_OK(try_cfg(area, len, NULL));

#define BAD(field, value, err)                                                                     \
	do {                                                                                       \
		c = good;                                                                          \
		c.field = value;                                                                   \
		if (try_cfg(area, len, &c) != (err))                                               \
			UXDP_FAIL_AT("%s = %lld: got %d, want %d", #field, (long long)(value),     \
				     try_cfg(area, len, &c), err);                                 \
	} while (0)
	BAD(frame_size, 1024, -EINVAL);
	BAD(frame_size, 3072, -EINVAL);
	BAD(frame_size, 8192, -EINVAL);
	BAD(frame_size, 0, -EINVAL);
	BAD(fill_size, 0, -EINVAL);
	BAD(fill_size, 1000, -EINVAL);
	BAD(fill_size, 131072, -EINVAL);
	BAD(comp_size, 0, -EINVAL);
	BAD(comp_size, 3, -EINVAL);
	BAD(comp_size, 1u << 20, -EINVAL);
	BAD(frame_headroom, 4096 - 640, -EINVAL);
	BAD(frame_headroom, 5000, -EINVAL);
	BAD(flags, 1u << 5, -EINVAL);
	BAD(flags, XDP_UMEM_UNALIGNED_CHUNK_FLAG, -EOPNOTSUPP);
#undef BAD
	/* the limits themselves */
	c = good;
	c.frame_headroom = 4096 - 641;
	ASSERT_OK(try_cfg(area, len, &c));
	c = good;
	c.frame_size = 2048;
	c.frame_headroom = 2048 - 641;
	c.fill_size = 1;
	c.comp_size = 65536;
	ASSERT_OK(try_cfg(area, len, &c));

	/* area and size */
	ASSERT_EQ(try_cfg(area + 64, len - 4096, &good), -EINVAL);
	ASSERT_EQ(try_cfg(area + 2048, len - 4096, &good), -EINVAL);
	ASSERT_EQ(try_cfg(area, 0, &good), -EINVAL);
	ASSERT_EQ(try_cfg(area, 4096 + 2048, &good), -EINVAL);
	ASSERT_EQ(try_cfg(area, 100, &good), -EINVAL);
	ASSERT_EQ(try_cfg((void *)(uintptr_t)-4096, 8192, &good), -EINVAL);
	/* missing pointers: libxdp's EFAULT */
	ASSERT_EQ(uxdp_xsk_umem__create(NULL, area, len, &fill, &comp, NULL), -EFAULT);
	ASSERT_EQ(uxdp_xsk_umem__create(&umem, NULL, len, &fill, &comp, NULL), -EFAULT);
	ASSERT_EQ(uxdp_xsk_umem__create(&umem, area, len, NULL, &comp, NULL), -EFAULT);
	ASSERT_EQ(uxdp_xsk_umem__create(&umem, area, len, &fill, NULL, NULL), -EFAULT);
	munmap(area, len);
	return UXDP_TEST_PASS;
}

/* Does /proc/self/maps show addr inside a mapping of a memfd named name? */
static bool mapped_from(const void *addr, const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)addr >= lo &&
		    (uintptr_t)addr < hi)
			found = strstr(line, name) != NULL;
	}
	fclose(f);
	return found;
}

UXDP_TEST(umem_move_in_place, fast)
{
	const size_t frames = 37, len = frames * 4096;
	struct uxdp_xsk_ring_prod fill;
	struct uxdp_xsk_ring_cons comp;
	struct uxdp_xsk_umem *umem = NULL;
	unsigned char *area = area_new(len);
	int status;
	pid_t pid;

	ASSERT_NOT_NULL(area);
	for (size_t i = 0; i < len; i++)
		area[i] = (unsigned char)(i * 31 + 7);
	ASSERT_FALSE(mapped_from(area, "uxdp-umem"));
	ASSERT_OK(uxdp_xsk_umem__create(&umem, area, len, &fill, &comp, NULL));
	ASSERT_TRUE(mapped_from(area, "uxdp-umem"));
	ASSERT_TRUE(mapped_from(area + len - 1, "uxdp-umem"));
	for (size_t i = 0; i < len; i++)
		if (area[i] != (unsigned char)(i * 31 + 7))
			UXDP_FAIL_AT("byte %zu changed in the move", i);
	ASSERT_EQ(uxdp_xsk_umem__fd(umem), -1);

	/* the rings: a fresh fill ring is all free, a fresh comp ring empty */
	ASSERT_EQ(fill.r.size, 2048);
	ASSERT_EQ(fill.r.mask, 2047);
	ASSERT_EQ(fill.r.cached_cons - fill.r.cached_prod, 2048);
	ASSERT_EQ(uxdp_xsk_prod_nb_free(&fill, 2048), 2048);
	ASSERT_EQ(comp.r.size, 2048);
	ASSERT_EQ(comp.r.cached_prod, 0);
	ASSERT_EQ(comp.r.cached_cons, 0);
	ASSERT_NULL(fill.r.signals);
	ASSERT_NULL(comp.r.signals);
	ASSERT_NULL(comp.r.xsk);
	ASSERT_EQ((char *)fill.r.ring - (char *)fill.r.producer, UXDP_XSK_RING_OFF_ENTRIES);
	ASSERT_EQ((char *)fill.r.consumer - (char *)fill.r.producer, UXDP_XSK_RING_OFF_CONSUMER);
	ASSERT_EQ((char *)fill.r.flags - (char *)fill.r.producer, UXDP_XSK_RING_OFF_FLAGS);
	ASSERT_EQ(((uintptr_t)comp.r.producer & 4095), 0);

	/* shared: a child's writes (and a child's ring submit) show in the parent */
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		uint32_t idx;

		memset(area + 5 * 4096, 0xab, 4096);
		area[len - 1] = 0x5a;
		if (uxdp_xsk_ring_prod__reserve(&fill, 1, &idx) != 1)
			_exit(1);
		*uxdp_xsk_ring_prod__fill_addr(&fill, idx) = 5 * 4096;
		uxdp_xsk_ring_prod__submit(&fill, 1);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(area[5 * 4096], 0xab);
	ASSERT_EQ(area[6 * 4096 - 1], 0xab);
	ASSERT_EQ(area[len - 1], 0x5a);
	ASSERT_EQ(area[4 * 4096], (unsigned char)(4 * 4096 * 31 + 7));
	ASSERT_EQ(*fill.r.producer, 1);
	ASSERT_EQ(((uint64_t *)fill.r.ring)[0], 5 * 4096);

	/* deleting the UMEM leaves the application's range mapped and intact */
	ASSERT_OK(uxdp_xsk_umem__delete(umem));
	ASSERT_EQ(area[5 * 4096], 0xab);
	area[0] = 1;
	ASSERT_EQ(area[0], 1);
	munmap(area, len);
	return UXDP_TEST_PASS;
}

/* A size that ends mid-page (2 KiB frames): the rest of the page keeps its bytes. */
UXDP_TEST(umem_partial_last_page, fast)
{
	const struct uxdp_xsk_umem_config cfg = {
		.fill_size = 64, .comp_size = 64, .frame_size = 2048};
	struct uxdp_xsk_ring_prod fill;
	struct uxdp_xsk_ring_cons comp;
	struct uxdp_xsk_umem *umem = NULL;
	unsigned char *area = area_new(4 * 4096);

	ASSERT_NOT_NULL(area);
	memset(area, 0x11, 3 * 2048);
	memset(area + 3 * 2048, 0x77, 2048); /* not UMEM, same page */
	area[3 * 4096] = 0x33;		     /* next page: untouched */
	ASSERT_OK(uxdp_xsk_umem__create(&umem, area, 3 * 2048, &fill, &comp, &cfg));
	ASSERT_EQ(fill.r.size, 64);
	ASSERT_EQ(area[0], 0x11);
	ASSERT_EQ(area[3 * 2048 - 1], 0x11);
	ASSERT_EQ(area[3 * 2048], 0x77);
	ASSERT_EQ(area[4 * 2048 - 1], 0x77);
	ASSERT_EQ(area[3 * 4096], 0x33);
	ASSERT_FALSE(mapped_from(area + 2 * 4096, "uxdp-umem"));
	ASSERT_OK(uxdp_xsk_umem__delete(umem));
	munmap(area, 4 * 4096);
	return UXDP_TEST_PASS;
}
