// SPDX-License-Identifier: BSD-2-Clause
/*
 * JSON dump and load of map contents (see map_json.h for the shape). Used by
 * `uxdp test-run` for --json and --maps-in, and by the differential tests,
 * which compare these dumps with the kernel's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/map_json.h"
#include "map/map_internal.h"

char *uxdp_hex_encode(const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = data;
	char *s = malloc(len * 2 + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[len * 2] = '\0';
	return s;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

long uxdp_hex_len(const char *hex)
{
	long n = 0;

	for (const char *p = hex; *p;) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (hex_digit(p[0]) < 0 || hex_digit(p[1]) < 0)
			return -EINVAL;
		p += 2;
		n++;
	}
	return n;
}

int uxdp_hex_decode(const char *hex, void *out, size_t len)
{
	uint8_t *o = out;
	size_t n = 0;

	if (uxdp_hex_len(hex) != (long)len)
		return -EINVAL;
	for (const char *p = hex; *p;) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		o[n++] = (uint8_t)(hex_digit(p[0]) << 4 | hex_digit(p[1]));
		p += 2;
	}
	return 0;
}

bool uxdp_map_json_dumpable(const struct uxdp_map *map)
{
	enum bpf_map_type t = uxdp_map__type(map);

	return t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

static int add_hex(json_t *obj, const char *field, const void *data, size_t len)
{
	char *hex = uxdp_hex_encode(data, len);

	if (!hex)
		return -ENOMEM;
	json_object_set_new(obj, field, json_string(hex));
	free(hex);
	return 0;
}

json_t *uxdp_map_json_dump(const struct uxdp_map *map)
{
	uint32_t ks = uxdp_map__key_size(map), vs = uxdp_map__value_size(map);
	uint32_t vsu = uxdp_map__value_size_user(map), ncpus = uxdp_map__ncpus(map);
	bool percpu = uxdp_map__is_percpu(map);
	uint8_t *key = calloc(1, ks ? ks : 1), *next = calloc(1, ks ? ks : 1);
	uint8_t *value = calloc(1, vsu ? vsu : 1);
	json_t *arr = json_array();
	bool first = true;

	if (!key || !next || !value || !arr)
		goto err;
	while (uxdp_map__get_next_key(map, first ? NULL : key, next) == 0) {
		json_t *ent;
		int err;

		first = false;
		memcpy(key, next, ks);
		err = uxdp_map__lookup_elem(map, key, value);
		if (err == -ENOENT || err == -EOPNOTSUPP)
			continue; /* an empty prog_array slot; xskmap values are not readable */
		if (err)
			goto err;
		ent = json_object();
		if (!ent || add_hex(ent, "key", key, ks))
			goto err;
		if (percpu) {
			json_t *vals = json_array();

			for (uint32_t c = 0; c < ncpus; c++) {
				char *hex = uxdp_hex_encode(value + (size_t)c * uxdp_percpu_stride(vs), vs);

				json_array_append_new(vals, json_string(hex));
				free(hex);
			}
			json_object_set_new(ent, "values", vals);
		} else if (add_hex(ent, "value", value, vsu)) {
			goto err;
		}
		json_array_append_new(arr, ent);
	}
	free(key);
	free(next);
	free(value);
	return arr;
err:
	json_decref(arr);
	free(key);
	free(next);
	free(value);
	return NULL;
}

static int load_entry(const struct uxdp_object *obj, struct uxdp_map *map, const char *name,
		      size_t idx, json_t *ent, char *err, size_t err_sz)
{
	uint32_t ks = uxdp_map__key_size(map), vs = uxdp_map__value_size(map);
	uint32_t vsu = uxdp_map__value_size_user(map), ncpus = uxdp_map__ncpus(map);
	json_t *jkey = json_object_get(ent, "key"), *jval = json_object_get(ent, "value");
	json_t *jvals = json_object_get(ent, "values"), *jprog = json_object_get(ent, "prog");
	uint8_t key[512], *value;
	int rc;

	if (!json_is_object(ent)) {
		snprintf(err, err_sz, "map '%s' entry %zu: not an object", name, idx);
		return -EINVAL;
	}
	if (ks > sizeof(key) || !json_is_string(jkey) ||
	    uxdp_hex_decode(json_string_value(jkey), key, ks)) {
		snprintf(err, err_sz, "map '%s' entry %zu: field \"key\" must be %u bytes of hex", name,
			 idx, ks);
		return -EINVAL;
	}
	value = calloc(1, vsu ? vsu : 1);
	if (!value)
		return -ENOMEM;
	if (jprog) {
		struct uxdp_prog *prog;
		uint32_t id;

		prog = json_is_string(jprog) ? uxdp_object__find_prog(obj, json_string_value(jprog))
					     : NULL;
		if (uxdp_map__type(map) != BPF_MAP_TYPE_PROG_ARRAY || !prog) {
			snprintf(err, err_sz,
				 "map '%s' entry %zu: field \"prog\" must name a program of the object "
				 "and the map must be a prog_array",
				 name, idx);
			rc = -EINVAL;
			goto out;
		}
		id = uxdp_prog__id(prog);
		memcpy(value, &id, sizeof(id));
	} else if (uxdp_map__is_percpu(map)) {
		if (!json_is_array(jvals) || json_array_size(jvals) != ncpus) {
			snprintf(err, err_sz,
				 "map '%s' entry %zu: field \"values\" must list %u values (one per "
				 "CPU slot)",
				 name, idx, ncpus);
			rc = -EINVAL;
			goto out;
		}
		for (uint32_t c = 0; c < ncpus; c++) {
			json_t *v = json_array_get(jvals, c);

			if (!json_is_string(v) ||
			    uxdp_hex_decode(json_string_value(v),
					    value + (size_t)c * uxdp_percpu_stride(vs), vs)) {
				snprintf(err, err_sz,
					 "map '%s' entry %zu: field \"values\"[%u] must be %u bytes of "
					 "hex",
					 name, idx, c, vs);
				rc = -EINVAL;
				goto out;
			}
		}
	} else if (!json_is_string(jval) || uxdp_hex_decode(json_string_value(jval), value, vsu)) {
		snprintf(err, err_sz, "map '%s' entry %zu: field \"value\" must be %u bytes of hex",
			 name, idx, vsu);
		rc = -EINVAL;
		goto out;
	}
	rc = uxdp_map__update_elem(map, key, value, BPF_ANY);
	if (rc)
		snprintf(err, err_sz, "map '%s' entry %zu: update failed: %s", name, idx,
			 strerror(-rc));
out:
	free(value);
	return rc;
}

int uxdp_map_json_load(const struct uxdp_object *obj, json_t *maps, char *err, size_t err_sz)
{
	const char *name;
	json_t *entries;

	if (!json_is_object(maps)) {
		snprintf(err, err_sz, "the top level must be an object of map names");
		return -EINVAL;
	}
	json_object_foreach(maps, name, entries)
	{
		struct uxdp_map *map = uxdp_object__find_map(obj, name);
		size_t idx;
		json_t *ent;

		if (!map) {
			snprintf(err, err_sz, "map '%s': the object has no map of that name", name);
			return -ENOENT;
		}
		if (!uxdp_map_json_dumpable(map)) {
			snprintf(err, err_sz, "map '%s': ring buffers and perf event arrays cannot be "
				 "seeded", name);
			return -EINVAL;
		}
		if (!json_is_array(entries)) {
			snprintf(err, err_sz, "map '%s': must be an array of entries", name);
			return -EINVAL;
		}
		json_array_foreach(entries, idx, ent)
		{
			int rc = load_entry(obj, map, name, idx, ent, err, err_sz);

			if (rc)
				return rc;
		}
	}
	return 0;
}
