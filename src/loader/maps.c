// SPDX-License-Identifier: BSD-2-Clause
/*
 * Map stage of the ELF loader: finds every map an object defines, in
 * libbpf's order (legacy `maps` section, BTF-defined `.maps` in section
 * offset order, then one single-entry array per global-data section in
 * section order), parses the definitions the way libbpf does (BTF map
 * fields, inner maps of map-in-map, struct bpf_map_def), names global-data
 * maps as libbpf names them in the kernel, creates the maps with
 * uxdp_map__create() and fills their initial contents, including the static
 * `.values = { ... }` slots of prog_array and map-in-map definitions.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader/loader_internal.h"
#include "map/map_internal.h"
#include "vm/vm_internal.h"

/* Leading part of struct bpf_map_def (legacy `maps` section), as libbpf 0.x read it. */
struct legacy_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

void uxdp_ld_internal_map_name(const char *obj_name, const char *sec_name, char out[16])
{
	size_t sfx_len = strlen(sec_name), pfx_len;
	char *p;

	/*
	 * libbpf's rule: "<up to 8 chars of the object name><section name>" for
	 * .data/.rodata/.bss/.kconfig; custom sections (".data.foo") keep their
	 * own name; the result is cut to 15 characters, then every character
	 * the kernel refuses in a name becomes '_'.
	 */
	if (sfx_len < 7)
		sfx_len = 7;
	if (sfx_len >= 16 || strchr(sec_name + 1, '.'))
		pfx_len = 0;
	else
		pfx_len = strnlen(obj_name, 16 - sfx_len - 1);
	snprintf(out, 16, "%.*s%.*s", (int)pfx_len, obj_name, (int)sfx_len, sec_name);
	for (p = out; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			*p = '_';
}

static struct uxdp_obj_map *add_map(struct uxdp_loader *ld, const char *name)
{
	struct uxdp_object *obj = ld->obj;
	struct uxdp_obj_map *m;
	void *n;

	n = realloc(obj->maps, (obj->map_cnt + 1) * sizeof(*obj->maps));
	if (!n)
		return NULL;
	obj->maps = n;
	m = &obj->maps[obj->map_cnt];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (!m->name)
		return NULL;
	snprintf(m->kname, sizeof(m->kname), "%s", name);
	m->spin_lock_off = -1;
	m->inner_spin_lock_off = -1;
	obj->map_cnt++;
	return m;
}

int uxdp_ld_find_map_at(struct uxdp_loader *ld, size_t sec_idx, uint64_t off)
{
	size_t i;

	for (i = 0; i < ld->obj->map_cnt; i++) {
		const struct uxdp_obj_map *m = &ld->obj->maps[i];

		if (m->kind != UXDP_OBJ_MAP_DATA && m->sec_idx == sec_idx && m->sec_off == off)
			return (int)i;
	}
	return -1;
}

const struct btf_type *uxdp_btf_skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int depth = 0;

	while (t && (btf_is_mod(t) || btf_is_typedef(t)) && depth++ < 32) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = NULL;
	if (res_id)
		*res_id = id;
	return t;
}

/* Offset of a top-level struct bpf_spin_lock member of a value type, or -1. */
static int32_t spin_lock_off(const struct btf *btf, uint32_t type_id)
{
	const struct btf_type *t = uxdp_btf_skip_mods(btf, type_id, NULL);
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_struct(t))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const struct btf_type *mt = uxdp_btf_skip_mods(btf, m->type, NULL);
		const char *n;

		if (!mt || !btf_is_struct(mt))
			continue;
		n = btf__name_by_offset(btf, mt->name_off);
		if (n && !strcmp(n, "bpf_spin_lock"))
			return btf_member_bit_offset(t, i) / 8;
	}
	return -1;
}

/* `int (*type)[N]` style field: the value is the array's element count. */
static int map_field_int(struct uxdp_loader *ld, const char *map, const char *field,
			 uint32_t type_id, uint32_t *res)
{
	const struct btf_type *t = btf__type_by_id(ld->btf, type_id), *arr;

	if (!t || !btf_is_ptr(t)) {
		uxdp_ld_err(ld,
			    "section '.maps': map '%s': field '%s': expected a pointer "
			    "(__uint(%s, N))",
			    map, field, field);
		return -EINVAL;
	}
	arr = btf__type_by_id(ld->btf, t->type);
	if (!arr || !btf_is_array(arr)) {
		uxdp_ld_err(ld,
			    "section '.maps': map '%s': field '%s': expected a pointer to an "
			    "array",
			    map, field);
		return -EINVAL;
	}
	*res = btf_array(arr)->nelems;
	return 0;
}

struct btf_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
	uint32_t key_type_id, value_type_id;
	bool has_values;
	uint32_t values_member; /* index of the `values` member */
};

static int parse_map_def(struct uxdp_loader *ld, const char *map, const struct btf_type *def,
			 struct btf_map_def *d, struct btf_map_def *inner, bool is_inner)
{
	const struct btf_member *m = btf_members(def);
	uint32_t v;
	int i, err;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < btf_vlen(def); i++, m++) {
		const char *name = btf__name_by_offset(ld->btf, m->name_off);
		const struct btf_type *t;
		long long sz;

		if (!name || !*name) {
			uxdp_ld_err(ld, "section '.maps': map '%s': field #%d has no name", map, i);
			return -EINVAL;
		}
		if (!strcmp(name, "type")) {
			if ((err = map_field_int(ld, map, name, m->type, &d->type)))
				return err;
		} else if (!strcmp(name, "max_entries")) {
			if ((err = map_field_int(ld, map, name, m->type, &d->max_entries)))
				return err;
		} else if (!strcmp(name, "map_flags")) {
			if ((err = map_field_int(ld, map, name, m->type, &d->map_flags)))
				return err;
		} else if (!strcmp(name, "numa_node") || !strcmp(name, "pinning") ||
			   !strcmp(name, "map_extra")) {
			/* accepted and ignored: no NUMA, no bpffs, no bloom filters */
			if ((err = map_field_int(ld, map, name, m->type, &v)))
				return err;
		} else if (!strcmp(name, "key_size") || !strcmp(name, "value_size")) {
			uint32_t *dst = name[0] == 'k' ? &d->key_size : &d->value_size;

			if ((err = map_field_int(ld, map, name, m->type, &v)))
				return err;
			if (*dst && *dst != v)
				goto conflict;
			*dst = v;
		} else if (!strcmp(name, "key") || !strcmp(name, "value")) {
			bool key = name[0] == 'k';
			uint32_t *dst = key ? &d->key_size : &d->value_size;

			t = btf__type_by_id(ld->btf, m->type);
			if (!t || !btf_is_ptr(t)) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': field '%s' is not a "
					    "pointer (__type(%s, T))",
					    map, name, name);
				return -EINVAL;
			}
			sz = btf__resolve_size(ld->btf, t->type);
			if (sz < 0 || sz > UINT32_MAX) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': cannot size the %s type",
					    map, name);
				return -EINVAL;
			}
			v = (uint32_t)sz;
			if (*dst && *dst != v)
				goto conflict;
			*dst = v;
			if (key)
				d->key_type_id = t->type;
			else
				d->value_type_id = t->type;
		} else if (!strcmp(name, "values")) {
			bool mim = d->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
				   d->type == BPF_MAP_TYPE_HASH_OF_MAPS;
			bool parr = d->type == BPF_MAP_TYPE_PROG_ARRAY;
			const struct btf_type *el;
			char iname[128];

			if (is_inner) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': inner maps of inner maps "
					    "are not supported",
					    map);
				return -ENOTSUP;
			}
			if (!mim && !parr) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': 'values' needs a "
					    "map-in-map or prog_array type (declare 'type' first)",
					    map);
				return -EINVAL;
			}
			if (d->value_size && d->value_size != 4) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': value size %u, "
					    "map-in-map and prog_array values are 4 bytes",
					    map, d->value_size);
				return -EINVAL;
			}
			d->value_size = 4;
			t = btf__type_by_id(ld->btf, m->type);
			if (!t || !btf_is_array(t) || btf_array(t)->nelems) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': 'values' is not a "
					    "zero-sized array",
					    map);
				return -EINVAL;
			}
			el = uxdp_btf_skip_mods(ld->btf, btf_array(t)->type, NULL);
			if (!el || !btf_is_ptr(el)) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': 'values' is not an array "
					    "of pointers",
					    map);
				return -EINVAL;
			}
			el = uxdp_btf_skip_mods(ld->btf, el->type, NULL);
			d->has_values = true;
			d->values_member = i;
			if (parr) {
				if (!el || !btf_is_func_proto(el)) {
					uxdp_ld_err(ld,
						    "section '.maps': map '%s': prog_array "
						    "'values' must point to functions",
						    map);
					return -EINVAL;
				}
				continue;
			}
			if (!el || !btf_is_struct(el)) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': 'values' must point to "
					    "a map definition struct",
					    map);
				return -EINVAL;
			}
			snprintf(iname, sizeof(iname), "%s.inner", map);
			err = parse_map_def(ld, iname, el, inner, NULL, true);
			if (err)
				return err;
		} else {
			uxdp_ld_err(ld, "section '.maps': map '%s': unknown field '%s'", map, name);
			return -ENOTSUP;
		}
		continue;
conflict:
		uxdp_ld_err(ld, "section '.maps': map '%s': conflicting %s", map, name);
		return -EINVAL;
	}
	if (d->type == BPF_MAP_TYPE_UNSPEC) {
		uxdp_ld_err(ld, "section '.maps': map '%s': map type not specified", map);
		return -EINVAL;
	}
	return 0;
}

static uint32_t ringbuf_size(uint32_t sz)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), r = page;

	if (!sz)
		return (uint32_t)page;
	while (r < sz && r <= UINT32_MAX / 2)
		r *= 2;
	return (uint32_t)r;
}

static void fill_defaults(struct uxdp_loader *ld, uint32_t *type, uint32_t *max_entries)
{
	if (*type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !*max_entries)
		*max_entries = ld->ncpus;
	if (*type == BPF_MAP_TYPE_RINGBUF)
		*max_entries = ringbuf_size(*max_entries);
}

/* Value of the symbol naming a variable of a section, or -1. */
static long long var_sym_off(struct uxdp_loader *ld, size_t sec_idx, const char *name)
{
	size_t i;

	for (i = 0; i < ld->sym_cnt; i++) {
		const GElf_Sym *s = &ld->syms[i];

		if (s->st_shndx == sec_idx && GELF_ST_TYPE(s->st_info) != STT_SECTION &&
		    !strcmp(ld->sym_names[i], name))
			return (long long)s->st_value;
	}
	return -1;
}

static int cmp_maps_off(const void *a, const void *b)
{
	const struct uxdp_obj_map *x = a, *y = b;

	return x->sec_off < y->sec_off ? -1 : x->sec_off > y->sec_off;
}

static int collect_btf_maps(struct uxdp_loader *ld)
{
	const struct uxdp_sec *sec = &ld->secs[ld->maps_idx];
	const struct btf_var_secinfo *vi;
	const struct btf_type *ds;
	size_t first = ld->obj->map_cnt;
	uint64_t sec_size = sec->shdr.sh_size;
	int id, i, err;

	id = btf__find_by_name_kind(ld->btf, ".maps", BTF_KIND_DATASEC);
	if (id < 0) {
		uxdp_ld_err(ld, "section '.maps': no DATASEC '.maps' in BTF");
		return -EINVAL;
	}
	ds = btf__type_by_id(ld->btf, id);
	vi = btf_var_secinfos(ds);
	for (i = 0; i < btf_vlen(ds); i++, vi++) {
		const struct btf_type *var = btf__type_by_id(ld->btf, vi->type), *def;
		struct btf_map_def d, inner = {0};
		struct uxdp_obj_map *m;
		const char *name;
		long long off;

		if (!var || !btf_is_var(var)) {
			uxdp_ld_err(ld, "section '.maps': entry #%d is not a variable", i);
			return -EINVAL;
		}
		name = btf__name_by_offset(ld->btf, var->name_off);
		if (!name || !*name) {
			uxdp_ld_err(ld, "section '.maps': entry #%d has no name", i);
			return -EINVAL;
		}
		if (btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED) {
			uxdp_ld_err(ld,
				    "section '.maps': map '%s': static or extern maps are not "
				    "supported",
				    name);
			return -EOPNOTSUPP;
		}
		def = uxdp_btf_skip_mods(ld->btf, var->type, NULL);
		if (!def || !btf_is_struct(def)) {
			uxdp_ld_err(ld, "section '.maps': map '%s': definition is not a struct",
				    name);
			return -EINVAL;
		}
		off = var_sym_off(ld, ld->maps_idx, name);
		if (off < 0) {
			uxdp_ld_err(ld, "section '.maps': map '%s': no ELF symbol", name);
			return -EINVAL;
		}
		if (def->size > vi->size || (uint64_t)off > sec_size ||
		    def->size > sec_size - (uint64_t)off) {
			uxdp_ld_err(ld,
				    "section '.maps': map '%s': definition of %u bytes at offset "
				    "%lld does not fit",
				    name, def->size, off);
			return -EINVAL;
		}
		err = parse_map_def(ld, name, def, &d, &inner, false);
		if (err)
			return err;
		m = add_map(ld, name);
		if (!m)
			return -ENOMEM;
		m->kind = UXDP_OBJ_MAP_BTF;
		m->sec_idx = ld->maps_idx;
		m->sec_off = (uint64_t)off;
		m->sec_size = vi->size;
		m->type = d.type;
		m->key_size = d.key_size;
		m->value_size = d.value_size;
		m->max_entries = d.max_entries;
		m->map_flags = d.map_flags;
		m->btf_key_type_id = d.key_type_id;
		m->btf_value_type_id = d.value_type_id;
		if (d.value_type_id)
			m->spin_lock_off = spin_lock_off(ld->btf, d.value_type_id);
		fill_defaults(ld, &m->type, &m->max_entries);
		if (d.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || d.type == BPF_MAP_TYPE_HASH_OF_MAPS) {
			if (!d.has_values) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': map-in-map needs an inner "
					    "map definition (__array(values, ...))",
					    name);
				return -EINVAL;
			}
			m->has_inner = true;
			m->inner_type = inner.type;
			m->inner_key_size = inner.key_size;
			m->inner_value_size = inner.value_size;
			m->inner_max_entries = inner.max_entries;
			m->inner_map_flags = inner.map_flags;
			fill_defaults(ld, &m->inner_type, &m->inner_max_entries);
			if (inner.value_type_id)
				m->inner_spin_lock_off =
					spin_lock_off(ld->btf, inner.value_type_id);
		}
	}
	qsort(ld->obj->maps + first, ld->obj->map_cnt - first, sizeof(*ld->obj->maps),
	      cmp_maps_off);
	return 0;
}

static int collect_legacy_maps(struct uxdp_loader *ld)
{
	const struct uxdp_sec *sec = &ld->secs[ld->legacy_maps_idx];
	size_t first = ld->obj->map_cnt, i, nr = 0, def_sz, j;

	if (!sec->data)
		return 0;
	for (i = 0; i < ld->sym_cnt; i++)
		if (ld->syms[i].st_shndx == ld->legacy_maps_idx &&
		    GELF_ST_TYPE(ld->syms[i].st_info) != STT_SECTION)
			nr++;
	if (!nr)
		return 0;
	if (sec->data->d_size % nr) {
		uxdp_ld_err(ld,
			    "section 'maps': %zu bytes for %zu maps: cannot tell the size of "
			    "a map definition",
			    sec->data->d_size, nr);
		return -EINVAL;
	}
	def_sz = sec->data->d_size / nr;
	if (def_sz < sizeof(struct legacy_map_def) - sizeof(uint32_t)) {
		uxdp_ld_err(ld, "section 'maps': map definitions of %zu bytes are too small",
			    def_sz);
		return -EINVAL;
	}
	for (i = 0; i < ld->sym_cnt; i++) {
		const GElf_Sym *s = &ld->syms[i];
		struct legacy_map_def d = {0};
		const unsigned char *p;
		struct uxdp_obj_map *m;

		if (s->st_shndx != ld->legacy_maps_idx || GELF_ST_TYPE(s->st_info) == STT_SECTION)
			continue;
		if (s->st_value > sec->data->d_size || def_sz > sec->data->d_size - s->st_value) {
			uxdp_ld_err(ld,
				    "section 'maps': map '%s' at offset %llu crosses the "
				    "section end",
				    ld->sym_names[i], (unsigned long long)s->st_value);
			return -EINVAL;
		}
		p = (const unsigned char *)sec->data->d_buf + s->st_value;
		memcpy(&d, p, def_sz < sizeof(d) ? def_sz : sizeof(d));
		for (j = sizeof(d); j < def_sz; j++) {
			if (p[j]) {
				uxdp_ld_err(ld,
					    "section 'maps': map '%s': unknown non-zero fields "
					    "after struct bpf_map_def",
					    ld->sym_names[i]);
				return -EINVAL;
			}
		}
		m = add_map(ld, ld->sym_names[i]);
		if (!m)
			return -ENOMEM;
		m->kind = UXDP_OBJ_MAP_LEGACY;
		m->sec_idx = ld->legacy_maps_idx;
		m->sec_off = s->st_value;
		m->sec_size = (uint32_t)def_sz;
		m->type = d.type;
		m->key_size = d.key_size;
		m->value_size = d.value_size;
		m->max_entries = d.max_entries;
		m->map_flags = d.map_flags;
		fill_defaults(ld, &m->type, &m->max_entries);
	}
	qsort(ld->obj->maps + first, ld->obj->map_cnt - first, sizeof(*ld->obj->maps),
	      cmp_maps_off);
	return 0;
}

static int collect_data_maps(struct uxdp_loader *ld)
{
	size_t i;

	for (i = 1; i < ld->sec_cnt; i++) {
		struct uxdp_sec *s = &ld->secs[i];
		struct uxdp_obj_map *m;
		int id;

		if (s->kind != UXDP_SEC_DATA && s->kind != UXDP_SEC_RODATA &&
		    s->kind != UXDP_SEC_BSS)
			continue;
		if (s->shdr.sh_size > UINT32_MAX) {
			uxdp_ld_err(ld, "section '%s': too large for a global-data map", s->name);
			return -E2BIG;
		}
		m = add_map(ld, s->name);
		if (!m)
			return -ENOMEM;
		uxdp_ld_internal_map_name(ld->obj->name, s->name, m->kname);
		m->kind = UXDP_OBJ_MAP_DATA;
		m->sec_idx = i;
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->shdr.sh_size;
		m->max_entries = 1;
		m->map_flags = s->kind == UXDP_SEC_RODATA ? BPF_F_RDONLY_PROG : 0;
		if (ld->btf) {
			id = btf__find_by_name_kind(ld->btf, s->name, BTF_KIND_DATASEC);
			if (id > 0)
				m->btf_value_type_id = id;
		}
		s->map_idx = (int)(ld->obj->map_cnt - 1);
	}
	return 0;
}

int uxdp_ld_collect_maps(struct uxdp_loader *ld)
{
	int err = 0;

	if (ld->legacy_maps_idx)
		err = collect_legacy_maps(ld);
	if (!err && ld->maps_idx)
		err = collect_btf_maps(ld);
	return err ?: collect_data_maps(ld);
}

/* 0 = no limit; set by embedders that open untrusted objects (and by the fuzzer). */
static uint64_t map_bytes_limit;

void uxdp_loader_set_map_limit(uint64_t bytes)
{
	map_bytes_limit = bytes;
}

/* Rough memory a map asks for: what the limit is checked against. */
static uint64_t map_bytes(uint32_t type, uint32_t key, uint32_t value, uint32_t max, uint32_t ncpus)
{
	uint64_t per = (uint64_t)key + value + 16;

	if (type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	    type == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		per = key + (uint64_t)((value + 7) & ~7u) * ncpus + 16;
	if (type == BPF_MAP_TYPE_RINGBUF)
		return max;
	return per * max;
}

static struct uxdp_map *create_one(struct uxdp_loader *ld, struct uxdp_obj_map *m)
{
	struct uxdp_map *inner = NULL, *map;
	char iname[16];
	int e;

	if (map_bytes_limit &&
	    (map_bytes(m->type, m->key_size, m->value_size, m->max_entries, ld->ncpus) >
		     map_bytes_limit ||
	     (m->has_inner && map_bytes(m->inner_type, m->inner_key_size, m->inner_value_size,
					m->inner_max_entries, ld->ncpus) > map_bytes_limit))) {
		uxdp_ld_err(ld,
			    "map '%s': %u entries of %u+%u bytes exceed the map size limit "
			    "(%llu bytes)",
			    m->name, m->max_entries, m->key_size, m->value_size,
			    (unsigned long long)map_bytes_limit);
		errno = E2BIG;
		return NULL;
	}
	if (m->has_inner) {
		UXDP_OPTS(uxdp_map_create_opts, io, .map_flags = m->inner_map_flags,
			  .ncpus = ld->ncpus);
		snprintf(iname, sizeof(iname), "%.9s.inner", m->kname);
		inner = uxdp_map__create(m->inner_type, iname, m->inner_key_size,
					 m->inner_value_size, m->inner_max_entries, &io);
		if (!inner) {
			e = errno;
			uxdp_ld_err(ld,
				    "map '%s': cannot create the inner map template (type %u, "
				    "key %u, value %u, max_entries %u): %s",
				    m->name, m->inner_type, m->inner_key_size, m->inner_value_size,
				    m->inner_max_entries, strerror(e));
			errno = e;
			return NULL;
		}
		inner->spin_lock_off = m->inner_spin_lock_off;
	}
	UXDP_OPTS(uxdp_map_create_opts, o, .map_flags = m->map_flags, .ncpus = ld->ncpus,
		  .inner_map = inner, .btf_key_type_id = m->btf_key_type_id,
		  .btf_value_type_id = m->btf_value_type_id);
	/* libbpf also makes global-data arrays mmapable, as the kernel shows them */
	if (m->kind == UXDP_OBJ_MAP_DATA)
		o.map_flags |= BPF_F_MMAPABLE;
	map = uxdp_map__create(m->type, m->kname, m->key_size, m->value_size, m->max_entries, &o);
	if (!map && m->kind == UXDP_OBJ_MAP_DATA && errno == EINVAL) {
		o.map_flags &= ~BPF_F_MMAPABLE;
		map = uxdp_map__create(m->type, m->kname, m->key_size, m->value_size,
				       m->max_entries, &o);
	}
	e = errno;
	if (inner)
		uxdp_map__put(inner);
	if (!map) {
		uxdp_ld_err(ld,
			    "map '%s': cannot create (type %u, key %u, value %u, max_entries "
			    "%u, flags 0x%x): %s",
			    m->name, m->type, m->key_size, m->value_size, m->max_entries,
			    m->map_flags, strerror(e));
		errno = e;
		return NULL;
	}
	map->spin_lock_off = m->spin_lock_off;
	return map;
}

int uxdp_ld_create_maps(struct uxdp_loader *ld)
{
	struct uxdp_object *obj = ld->obj;
	size_t i;

	obj->map_ptrs = calloc(obj->map_cnt ? obj->map_cnt : 1, sizeof(*obj->map_ptrs));
	if (!obj->map_ptrs)
		return -ENOMEM;
	for (i = 0; i < obj->map_cnt; i++) {
		struct uxdp_obj_map *m = &obj->maps[i];
		const struct uxdp_sec *s;
		uint32_t zero = 0;
		void *base;
		int err;

		m->map = create_one(ld, m);
		if (!m->map)
			return errno ? -errno : -EINVAL;
		obj->map_ptrs[i] = m->map;
		if (m->kind != UXDP_OBJ_MAP_DATA)
			continue;
		s = &ld->secs[m->sec_idx];
		if (s->kind == UXDP_SEC_BSS || !s->data)
			continue;
		base = uxdp_map__array_data(m->map);
		if (base) {
			memcpy(base, s->data->d_buf, m->value_size);
			continue;
		}
		err = uxdp_map__update_elem(m->map, &zero, s->data->d_buf, 0);
		if (err) {
			uxdp_ld_err(
				ld,
				"map '%s': cannot store the initial contents of section '%s': %s",
				m->kname, s->name, strerror(-err));
			return err;
		}
	}
	return 0;
}

int uxdp_ld_collect_map_relos(struct uxdp_loader *ld, size_t rel_idx)
{
	const struct uxdp_sec *rs = &ld->secs[rel_idx];
	size_t i, n;

	if (!rs->data)
		return 0;
	if (!ld->btf) {
		uxdp_ld_err(ld, "section '%s': relocations of .maps without BTF", rs->name);
		return -EINVAL;
	}
	n = rs->data->d_size / sizeof(Elf64_Rel);
	for (i = 0; i < n; i++) {
		struct uxdp_obj_map *m = NULL, *t;
		const struct btf_type *def, *var;
		const GElf_Sym *sym;
		const char *sname;
		uint64_t off, moff;
		GElf_Rel rel;
		size_t j, sidx;
		int target = -1, bit_off;
		uint32_t slot;

		if (!gelf_getrel(rs->data, (int)i, &rel)) {
			uxdp_ld_err(ld, "section '%s': relocation #%zu unreadable", rs->name, i);
			return -EINVAL;
		}
		sidx = GELF_R_SYM(rel.r_info);
		if (sidx >= ld->sym_cnt) {
			uxdp_ld_err(ld, "section '%s': relocation #%zu: no symbol #%zu", rs->name,
				    i, sidx);
			return -EINVAL;
		}
		sym = &ld->syms[sidx];
		sname = ld->sym_names[sidx];
		for (j = 0; j < ld->obj->map_cnt; j++) {
			t = &ld->obj->maps[j];
			if (t->kind == UXDP_OBJ_MAP_BTF && t->sec_off <= rel.r_offset &&
			    rel.r_offset + 8 <= t->sec_off + t->sec_size) {
				m = t;
				break;
			}
		}
		if (!m) {
			uxdp_ld_err(ld,
				    "section '.maps': relocation #%zu at offset %llu is not "
				    "inside a map definition",
				    i, (unsigned long long)rel.r_offset);
			return -EINVAL;
		}
		if (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == BPF_MAP_TYPE_HASH_OF_MAPS) {
			if (sym->st_shndx != ld->maps_idx ||
			    (target = uxdp_ld_find_map_at(ld, ld->maps_idx, sym->st_value)) < 0) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': initial value '%s' is not "
					    "a BTF-defined map",
					    m->name, sname);
				return -EINVAL;
			}
			if (m->type == BPF_MAP_TYPE_HASH_OF_MAPS && m->key_size != 4) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': a statically initialised "
					    "hash of maps needs 4-byte keys",
					    m->name);
				return -EINVAL;
			}
		} else if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
			struct uxdp_func *f = NULL;

			if (sym->st_shndx < ld->sec_cnt && GELF_ST_TYPE(sym->st_info) == STT_FUNC)
				f = uxdp_ld_find_func(ld, sym->st_shndx, sym->st_value / 8);
			if (!f || f->is_sub || f->prog_idx < 0 ||
			    (uint64_t)f->sec_insn_off * 8 != sym->st_value) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': initial value '%s' is not "
					    "an XDP entry program",
					    m->name, sname);
				return -EINVAL;
			}
			target = (int)(f - ld->funcs);
		} else {
			uxdp_ld_err(ld,
				    "section '.maps': map '%s': relocation '%s' in a map of type "
				    "%u (only prog_array and map-in-map take initial values)",
				    m->name, sname, m->type);
			return -EINVAL;
		}
		/* The pointer must sit in the trailing `values` array. */
		var = NULL;
		def = NULL;
		{
			int id = btf__find_by_name_kind(ld->btf, m->name, BTF_KIND_VAR);

			var = id > 0 ? btf__type_by_id(ld->btf, id) : NULL;
			def = var ? uxdp_btf_skip_mods(ld->btf, var->type, NULL) : NULL;
		}
		if (!def || !btf_is_struct(def) || !btf_vlen(def)) {
			uxdp_ld_err(ld,
				    "section '.maps': map '%s': no definition for initial values",
				    m->name);
			return -EINVAL;
		}
		{
			const char *mn = btf__name_by_offset(
				ld->btf, btf_members(def)[btf_vlen(def) - 1].name_off);

			if (!mn || strcmp(mn, "values")) {
				uxdp_ld_err(ld,
					    "section '.maps': map '%s': initial values need "
					    "'values' as the last field",
					    m->name);
				return -EINVAL;
			}
		}
		bit_off = (int)btf_member_bit_offset(def, btf_vlen(def) - 1);
		moff = (uint64_t)bit_off / 8;
		off = rel.r_offset - m->sec_off;
		if (off < moff || (off - moff) % 8) {
			uxdp_ld_err(ld,
				    "section '.maps': map '%s': relocation at offset %llu is not "
				    "a 'values' slot",
				    m->name, (unsigned long long)rel.r_offset);
			return -EINVAL;
		}
		slot = (uint32_t)((off - moff) / 8);
		if (slot >= m->max_entries) {
			uxdp_ld_err(ld,
				    "section '.maps': map '%s': initial value #%u beyond "
				    "max_entries %u",
				    m->name, slot, m->max_entries);
			return -EINVAL;
		}
		if (slot >= m->init_slot_cnt) {
			int *ns = realloc(m->init_slots, (slot + 1) * sizeof(*ns));

			if (!ns)
				return -ENOMEM;
			for (j = m->init_slot_cnt; j <= slot; j++)
				ns[j] = -1;
			m->init_slots = ns;
			m->init_slot_cnt = slot + 1;
		}
		m->init_slots[slot] = target;
	}
	return 0;
}

int uxdp_ld_init_map_slots(struct uxdp_loader *ld, bool progs)
{
	struct uxdp_object *obj = ld->obj;
	size_t i;
	uint32_t k;

	for (i = 0; i < obj->map_cnt; i++) {
		struct uxdp_obj_map *m = &obj->maps[i];
		bool parr = m->type == BPF_MAP_TYPE_PROG_ARRAY;

		if (!m->init_slot_cnt || parr != progs)
			continue;
		for (k = 0; k < m->init_slot_cnt; k++) {
			uint32_t id;
			int err;

			if (m->init_slots[k] < 0)
				continue;
			if (parr) {
				const struct uxdp_func *f = &ld->funcs[m->init_slots[k]];

				id = uxdp_prog__id(obj->progs[f->prog_idx].prog);
			} else {
				id = uxdp_map__id(obj->maps[m->init_slots[k]].map);
			}
			err = uxdp_map__update_elem(m->map, &k, &id, 0);
			if (err) {
				uxdp_ld_err(ld, "map '%s': cannot store initial value #%u: %s",
					    m->name, k, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}
