/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * uxdpd's configuration file: one statement per line (see uxdpd.8 and
 * docs/uxdpd.md). Parsing checks syntax and values and keeps each
 * statement's line number, so that later errors (a port that will not open,
 * an object that will not load) can name their line too.
 */
#ifndef UXDPD_CONFIG_H
#define UXDPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uxdp/dp.h"
#include "uxdp/vm.h"

#define CFG_NAME_MAX  64 /* names: [A-Za-z0-9_.-], 1..63 characters */
#define CFG_MAX_PORTS 64
#define CFG_MAX_ITEMS 256

struct cfg_port {
	char name[CFG_NAME_MAX];
	char *spec;
	int line;
};

struct cfg_queue {
	uint32_t port; /* index into ports */
	uint16_t qid;
	uint32_t worker;
	int line;
};

struct cfg_object {
	char name[CFG_NAME_MAX];
	char *path; /* resolved against the config file's directory */
	char *maps; /* JSON seed of its maps (uxdp test-run --maps-in shape), or NULL */
	int line;
};

struct cfg_attach {
	uint32_t port;		 /* index into ports */
	uint32_t object;	 /* index into objects */
	char prog[CFG_NAME_MAX]; /* "" = the object's first XDP program */
	int line;
};

/* host PORT HOSTPORT: PORT's XDP_PASS frames are transmitted on HOSTPORT (a tap:). */
struct cfg_host {
	uint32_t port, host; /* indexes into ports */
	int line;
};

struct uxdpd_config {
	char *file;
	uint32_t workers;
	uint32_t vector;
	bool per_packet;
	bool no_pin;
	uint32_t cpus[UXDP_DP_MAX_WORKERS];
	uint32_t n_cpus; /* 0: w modulo the online CPUs */
	enum uxdp_engine engine;
	char *ctl; /* NULL: not given */
	struct cfg_port ports[CFG_MAX_PORTS];
	uint32_t n_ports;
	struct cfg_queue queues[CFG_MAX_ITEMS];
	uint32_t n_queues;
	struct cfg_object objects[CFG_MAX_ITEMS];
	uint32_t n_objects;
	struct cfg_attach attaches[CFG_MAX_PORTS];
	uint32_t n_attaches;
	struct cfg_host hosts[CFG_MAX_PORTS];
	uint32_t n_hosts;
};

/**
 * Read and check a config file. On error returns -errno with err holding
 * "FILE:LINE: FIELD: reason" (or "FILE: reason" when the file cannot be read).
 */
int uxdpd_config_load(const char *file, struct uxdpd_config *cfg, char *err, size_t err_sz);
void uxdpd_config_free(struct uxdpd_config *cfg);
/** Index of the port named name, or -1. */
int uxdpd_config_port(const struct uxdpd_config *cfg, const char *name);
/** True for a valid port/object name. */
bool uxdpd_name_ok(const char *s);

#endif /* UXDPD_CONFIG_H */
