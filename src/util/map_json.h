/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Maps to and from JSON, in the shape `uxdp test-run --json` prints and
 * `--maps-in` reads: {NAME: [{"key": "<hex>", "value": "<hex>"} or
 * {"key": "<hex>", "values": ["<hex>", ... one per CPU slot]}]}. Array maps
 * list every index; prog_array entries read by map_json_load() may name a
 * program instead of a value: {"key": "<hex>", "prog": "NAME"}.
 */
#ifndef UXDP_MAP_JSON_H
#define UXDP_MAP_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uxdp/map.h"
#include "uxdp/object.h"

/* Lower-case hex of len bytes (caller frees). */
char *uxdp_hex_encode(const void *data, size_t len);
/* Decode hex (whitespace allowed between bytes) into out[len]; -EINVAL if malformed or sized wrong. */
int uxdp_hex_decode(const char *hex, void *out, size_t len);
/* Number of bytes a hex string holds, or -EINVAL. */
long uxdp_hex_len(const char *hex);

/* True for maps test-run dumps (everything but ringbuf and perf_event_array). */
bool uxdp_map_json_dumpable(const struct uxdp_map *map);

/* JSON array of the map's entries (new reference), or NULL on error. */
json_t *uxdp_map_json_dump(const struct uxdp_map *map);

/*
 * Seed the object's maps from a "maps" object. Errors name the map, the entry
 * index and the field, in err[err_sz]. @return 0 or -errno
 */
int uxdp_map_json_load(const struct uxdp_object *obj, json_t *maps, char *err, size_t err_sz);

#endif /* UXDP_MAP_JSON_H */
