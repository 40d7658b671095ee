/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Umbrella header of libuxdp, the userspace eXpress Data Path: include this
 * to get the whole public API (runtime, maps, ELF objects).
 */
#ifndef UXDP_UXDP_H
#define UXDP_UXDP_H

#include "common.h"
#include "vm.h"
#include "map.h"
#include "object.h"

#endif /* UXDP_UXDP_H */
