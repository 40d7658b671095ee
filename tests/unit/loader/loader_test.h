/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers shared by the loader unit tests: locating the clang-built test
 * objects in the build tree, reading files, opening objects with a log, and
 * finding sections inside an ELF image (to corrupt them on purpose).
 */
#ifndef UXDP_LOADER_TEST_H
#define UXDP_LOADER_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "uxdp/object.h"
#include "loader/loader_internal.h"

#ifndef UXDP_BUILD_ROOT
#define UXDP_BUILD_ROOT "."
#endif

#define LD_LOG_SIZE 65536

static inline const char *ld_obj_path(const char *name, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/tests/unit/loader/%s.bpf.o", UXDP_BUILD_ROOT, name);
	return buf;
}

/* Whole file into a malloc'd buffer, or NULL. */
static inline void *ld_read_file(const char *path, size_t *size)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size);
	if (buf && read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*size = st.st_size;
	return buf;
}

/* Read a test object or skip the case (no clang at build time). */
#define LD_LOAD_OR_SKIP(name, bufvar, sizevar)                                                     \
	do {                                                                                       \
		char _p[512];                                                                      \
		bufvar = ld_read_file(ld_obj_path(name, _p, sizeof(_p)), &sizevar);                \
		if (!bufvar) {                                                                     \
			fprintf(stderr, "%s not built (no clang -target bpf?)\n", _p);             \
			return UXDP_TEST_SKIP;                                                     \
		}                                                                                  \
	} while (0)

/* Open a test object by name (load=false: relocate only), log into log. */
static inline struct uxdp_object *ld_open(const char *name, char *log, bool load,
					  const char *obj_name)
{
	char p[512];
	struct uxdp_object_open_opts o = {
		.sz = sizeof(o), .log_buf = log, .log_size = LD_LOG_SIZE, .object_name = obj_name};

	if (log)
		log[0] = '\0';
	return uxdp_object_open_file_internal(ld_obj_path(name, p, sizeof(p)), &o, load);
}

static inline bool ld_have(const char *name)
{
	char p[512];

	return access(ld_obj_path(name, p, sizeof(p)), R_OK) == 0;
}

#define LD_REQUIRE(name)                                                                           \
	do {                                                                                       \
		if (!ld_have(name)) {                                                              \
			fprintf(stderr, "%s.bpf.o not built (no clang -target bpf?)\n", name);     \
			return UXDP_TEST_SKIP;                                                     \
		}                                                                                  \
	} while (0)

/* File offset and size of a section of an ELF image; false if absent. */
static inline bool ld_find_section(void *img, size_t size, const char *name, size_t *off,
				   size_t *sz)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool found = false;

	elf_version(EV_CURRENT);
	elf = elf_memory(img, size);
	if (!elf)
		return false;
	if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *n;

			if (!gelf_getshdr(scn, &sh))
				break;
			n = elf_strptr(elf, shstrndx, sh.sh_name);
			if (n && !strcmp(n, name)) {
				*off = sh.sh_offset;
				*sz = sh.sh_size;
				found = true;
				break;
			}
		}
	}
	elf_end(elf);
	return found;
}

/* st_value of a named symbol of a test object, or -1. */
static inline long long ld_sym_value(const char *obj_name, const char *sym)
{
	char p[512];
	size_t size, i;
	void *img = ld_read_file(ld_obj_path(obj_name, p, sizeof(p)), &size);
	long long v = -1;
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (!img)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_memory(img, size);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; d && i < d->d_size / sizeof(Elf64_Sym); i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(d, (int)i, &s))
				break;
			n = elf_strptr(elf, sh.sh_link, s.st_name);
			if (n && !strcmp(n, sym))
				v = (long long)s.st_value;
		}
	}
	if (elf)
		elf_end(elf);
	free(img);
	return v;
}

/* Open an in-memory image (relocate only) and expect a refusal naming frag. */
static inline int ld_expect_refusal(const void *img, size_t size, const char *frag, char *log)
{
	struct uxdp_object_open_opts o = {
		.sz = sizeof(o), .log_buf = log, .log_size = LD_LOG_SIZE, .object_name = "bad"};
	struct uxdp_object *obj;

	errno = 0;
	obj = uxdp_object_open_mem_internal(img, size, &o, true);
	if (obj) {
		uxdp_object__close(obj);
		fprintf(stderr, "object was accepted; wanted a refusal with '%s'\n", frag);
		return UXDP_TEST_FAIL;
	}
	ASSERT_NE(errno, 0);
	ASSERT_STR_CONTAINS(log, frag);
	return UXDP_TEST_PASS;
}

#endif /* UXDP_LOADER_TEST_H */
