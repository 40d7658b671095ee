/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading extensible options structs (see include/uxdp/common.h): a field is
 * read only when the caller's struct is large enough to hold it, so programs
 * built against an older header keep working.
 */
#ifndef UXDP_UTIL_OPTS_H
#define UXDP_UTIL_OPTS_H

#include <stddef.h>

#define UXDP_OFFSETOFEND(TYPE, FIELD) (offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

/* Does the caller's opts struct hold FIELD? */
#define UXDP_OPTS_HAS(opts, FIELD)                                                                 \
	((opts) && (opts)->sz >= UXDP_OFFSETOFEND(__typeof__(*(opts)), FIELD))

/* FIELD from opts, or FALLBACK when the struct is too old (or NULL). */
#define UXDP_OPTS_GET(opts, FIELD, FALLBACK) (UXDP_OPTS_HAS(opts, FIELD) ? (opts)->FIELD : (FALLBACK))

#endif /* UXDP_UTIL_OPTS_H */
