// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdp_xsk_umem__create(): every bad configuration field is refused with
 * EINVAL (unaligned chunks take any frame size in range), and a good one moves the
 * area onto shared memory in place: same address, same contents (the tail of
 * a last partial page included), really shared with a forked child, and still
 * mapped after uxdp_xsk_umem__delete(). An area on huge pages moves onto a
 * hugetlb memfd (whole huge pages), or onto ordinary shared memory when no
 * huge page is free.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "huge_pool.h"
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
	BAD(flags, XDP_UMEM_UNALIGNED_CHUNK_FLAG | 2, -EINVAL);
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
	/* unaligned chunks: any frame size in 2048..4096, any UMEM size of at least one */
	c = good;
	c.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	c.frame_size = 3000;
	ASSERT_OK(try_cfg(area, 3000 * 3 + 100, &c));
	ASSERT_EQ(try_cfg(area, 2999, &c), -EINVAL);
	c.frame_size = 4097;
	ASSERT_EQ(try_cfg(area, len, &c), -EINVAL);

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

/* --- huge pages ------------------------------------------------------------------------- */

#define HUGE_SZ (2ul << 20)

/* The page size /proc/self/smaps gives for the mapping holding addr, in KiB. */
static long page_kb_at(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;
	long kb = -1;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (inside && sscanf(line, "KernelPageSize: %ld kB", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb;
}

/* UMEM of `size` bytes at the start of a two-huge-page MAP_HUGETLB area:
 * moved, same bytes (the rest of the last huge page too), shared; the page
 * size of the memory it lands on is returned in *kb. */
static int huge_case(uint64_t size, long *kb)
{
	const size_t len = 2 * HUGE_SZ;
	const struct uxdp_xsk_umem_config cfg = {
		.fill_size = 64, .comp_size = 64, .frame_size = 4096};
	struct uxdp_xsk_ring_prod fill;
	struct uxdp_xsk_ring_cons comp;
	struct uxdp_xsk_umem *umem = NULL;
	unsigned char *area = mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	int status;
	pid_t pid;

	ASSERT_TRUE(area != MAP_FAILED);
	for (size_t i = 0; i < len; i++)
		area[i] = (unsigned char)(i * 13 + 1);
	ASSERT_EQ(page_kb_at(area), 2048);
	ASSERT_OK(uxdp_xsk_umem__create(&umem, area, size, &fill, &comp, &cfg));
	ASSERT_TRUE(mapped_from(area, "uxdp-umem"));
	ASSERT_TRUE(mapped_from(area + len - 1, "uxdp-umem")); /* the whole last huge page */
	*kb = page_kb_at(area);
	for (size_t i = 0; i < len; i++)
		if (area[i] != (unsigned char)(i * 13 + 1))
			UXDP_FAIL_AT("byte %zu changed in the move", i);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		area[HUGE_SZ + 5] = 0xee;
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(area[HUGE_SZ + 5], 0xee);
	ASSERT_OK(uxdp_xsk_umem__delete(umem));
	ASSERT_EQ(munmap(area, len), 0);
	return UXDP_TEST_PASS;
}

UXDP_TEST(umem_hugetlb_area, serial)
{
	long saved = huge_pool_begin(), kb = 0;
	int rc = 1;

	if (saved < 0)
		return UXDP_TEST_SKIP;
	/* No ASSERT here: the pool is put back whatever happens. */
	if (!huge_pool_set_free(3)) {
		fprintf(stderr, "cannot make 3 huge pages free\n");
		goto out;
	}
	/* Room for the area and one page to move through: a hugetlb memfd. A
	 * size that ends mid huge page moves the whole page. */
	rc = huge_case(HUGE_SZ + 5 * 4096, &kb);
	if (rc != UXDP_TEST_PASS)
		goto out;
	rc = 1;
	if (kb != 2048 || huge_pool_free() != 3) {
		fprintf(stderr, "UMEM on %ld KiB pages (want 2048), %ld pages free after (want 3)\n",
			kb, huge_pool_free());
		goto out;
	}
	/* No page free beyond the area's own two: ordinary shared memory. */
	if (!huge_pool_set_free(2)) {
		fprintf(stderr, "cannot make 2 huge pages free\n");
		goto out;
	}
	rc = huge_case(2 * HUGE_SZ, &kb);
	if (rc != UXDP_TEST_PASS)
		goto out;
	rc = 1;
	if (kb != 4 || huge_pool_free() != 2) {
		fprintf(stderr, "fallback UMEM on %ld KiB pages (want 4), %ld pages free after (want 2)\n",
			kb, huge_pool_free());
		goto out;
	}
	rc = UXDP_TEST_PASS;
out:
	if (!huge_pool_end(saved))
		rc = 1;
	return rc;
}
