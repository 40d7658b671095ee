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
#include <sys/types.h>

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

/*
 * xsk allow|deny WHO port=NAME|* queues=LIST|* [copy-only]: who may bind
 * application sockets (uid 0 always may). The first rule matching the peer's
 * uid or one of its groups, the port and the queue decides.
 */
struct cfg_xsk_rule {
	bool allow;
	bool by_group; /* id is a gid (group=, gid=), else a uid (user=, uid=) */
	uint32_t id;
	char who[80];		 /* as written: "user=alice", for messages */
	char port[CFG_NAME_MAX]; /* "" = any port */
	uint64_t queues;	 /* bit q: RX queue q */
	bool copy_only;		 /* the socket runs in copy mode; XDP_ZEROCOPY is refused */
	int line;
};

struct uxdpd_config {
	char *file;
	uint32_t workers;
	uint32_t vector;
	uint32_t idle_sleep_us; /* idle-sleep: 0 = workers never sleep */
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
	struct cfg_xsk_rule xsk_rules[CFG_MAX_ITEMS];
	uint32_t n_xsk_rules;
	bool has_ctl_group; /* control-group: the control socket's group */
	gid_t ctl_group;
	int ctl_group_line;
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

/**
 * May the peer (uid, its SO_PEERCRED gid plus the uid's supplementary groups)
 * bind an application socket to queue of port? *copy_only is set when the
 * deciding rule says copy-only. @return 0, or -EACCES with msg saying why
 * (naming the uid, port, queue and the deciding line)
 */
int uxdpd_xsk_policy(const struct uxdpd_config *cfg, uid_t uid, gid_t gid, const char *port,
		     uint32_t queue, bool *copy_only, char *msg, size_t msg_sz);

#endif /* UXDPD_CONFIG_H */
