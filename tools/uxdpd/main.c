// SPDX-License-Identifier: BSD-2-Clause
/*
 * uxdpd: the uxdp daemon. It reads a config file (config.c: ports, queues,
 * workers, objects and which program runs on which port), builds the data
 * path, starts its workers and serves the control socket (src/ctl/) until
 * SIGINT or SIGTERM: attach and detach on live ports (the data path's atomic
 * replace), stats, and map dumps in bpftool's JSON shape. Its clients are not
 * trusted: requests are validated by the ctl layer, object files are opened
 * here (regular files the client may read, read into memory first) and the
 * loader's log goes back to the client. A failing request never stops the
 * daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "uxdp/uxdp.h"
#include "uxdp/dp.h"
#include "uxdp/port.h"
#include "ctl/ctl_proto.h"
#include "util/map_json.h"
#include "xsk/xsk_srv.h"
#include "config.h"

#define MAX_OBJECT_BYTES (64u << 20)
#define LOG_BYTES	 (64u << 10)

/* A loaded object; config objects stay until exit, attached ones while a port runs them. */
struct dobj {
	struct uxdp_object *obj;
	char *path;
	int refs;
	struct dobj *next;
};

struct dport {
	const char *name;
	struct uxdp_port *port;
	struct dobj *obj; /* attached program's object, or NULL */
	struct uxdp_prog *prog;
	uint32_t owner[UXDP_PORT_MAX_QUEUES]; /* worker of each RX queue */
};

struct daemon {
	struct uxdpd_config cfg;
	struct uxdp_dp *dp;
	struct dport ports[CFG_MAX_PORTS];
	uint32_t n_ports;
	struct dobj *objs;
	struct uxdp_ctl_server *srv;
};

static const char *prog_name = "uxdpd";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uxdpd --config FILE [--ctl SOCKET] [--check]\n"
		"  --config FILE  ports, queues, workers and programs (see uxdpd(8))\n"
		"  --ctl SOCKET   control socket (default: the config's ctl line, else %s)\n"
		"  --check        check the config (and open ports and objects), then exit\n",
		UXDP_CTL_DEFAULT_PATH);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static bool may_read(const struct stat *st, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return true;
	if (st->st_uid == uid)
		return st->st_mode & S_IRUSR;
	if (st->st_gid == gid)
		return st->st_mode & S_IRGRP;
	return st->st_mode & S_IROTH;
}

static char *obj_default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strchr(base, '.');
	return strndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

/*
 * Open an object file on behalf of uid/gid: a regular file that user may
 * read, read whole into memory (so a FIFO or a file swapped after the check
 * cannot be what the loader sees). On error returns NULL with *msg set.
 */
static struct dobj *load_object(struct daemon *d, const char *path, uid_t uid, gid_t gid,
				char **msg)
{
	UXDP_OPTS(uxdp_object_open_opts, oo, .ncpus = d->cfg.workers, .engine = d->cfg.engine);
	struct dobj *o = NULL;
	char *buf = NULL, *log = NULL, *name = NULL;
	struct stat st;
	size_t got = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		*msg = fmt("cannot open %s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	if (fstat(fd, &st)) {
		err = errno;
		*msg = fmt("cannot stat %s: %s", path, strerror(err));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		*msg = fmt("%s is not a regular file", path);
		goto err_close;
	}
	if (!may_read(&st, uid, gid)) {
		err = EACCES;
		*msg = fmt("%s: the requesting user (uid %d) may not read it", path, (int)uid);
		goto err_close;
	}
	if (st.st_size > MAX_OBJECT_BYTES) {
		err = EFBIG;
		*msg = fmt("%s: %lld bytes, over the %u-byte object limit", path,
			   (long long)st.st_size, MAX_OBJECT_BYTES);
		goto err_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	log = calloc(1, LOG_BYTES);
	name = obj_default_name(path);
	o = calloc(1, sizeof(*o));
	if (!buf || !log || !name || !o) {
		err = ENOMEM;
		*msg = fmt("out of memory");
		goto err_free;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			*msg = fmt("cannot read %s: %s", path, strerror(err));
			goto err_free;
		}
		if (n == 0 || (got += (size_t)n) > (size_t)st.st_size)
			break;
	}
	if (got != (size_t)st.st_size) {
		err = EIO;
		*msg = fmt("%s changed size while being read", path);
		goto err_free;
	}
	oo.object_name = name;
	oo.log_buf = log;
	oo.log_size = LOG_BYTES;
	o->obj = uxdp_object__open_mem(buf, got, &oo);
	if (!o->obj) {
		err = errno;
		*msg = fmt("cannot load %s: %s%s%s", path, strerror(err), log[0] ? "\n" : "", log);
		goto err_free;
	}
	o->path = strdup(path);
	free(buf);
	free(log);
	free(name);
	close(fd);
	o->next = d->objs;
	d->objs = o;
	return o;

err_free:
	free(o);
	free(buf);
	free(log);
	free(name);
err_close:
	close(fd);
	errno = err;
	return NULL;
}

static void obj_put(struct daemon *d, struct dobj *o)
{
	if (!o || --o->refs > 0)
		return;
	for (struct dobj **pp = &d->objs; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	uxdp_object__close(o->obj);
	free(o->path);
	free(o);
}

static char *prog_list(const struct uxdp_object *obj)
{
	char *s = strdup("");

	for (size_t i = 0; s && i < uxdp_object__prog_cnt(obj); i++) {
		char *n =
			fmt("%s%s%s", s, i ? ", " : "", uxdp_prog__name(uxdp_object__prog(obj, i)));

		free(s);
		s = n;
	}
	return s;
}

/* The program to attach: by name, or the object's first XDP program. */
static struct uxdp_prog *pick_prog(const struct dobj *o, const char *name, char **msg)
{
	const struct uxdp_object *obj = o->obj;
	struct uxdp_prog *p = NULL;
	char *list;

	if (name && name[0]) {
		p = uxdp_object__find_prog(obj, name);
		if (p && uxdp_prog__type(p) == UXDP_PROG_XDP)
			return p;
	} else {
		for (size_t i = 0; i < uxdp_object__prog_cnt(obj); i++)
			if (uxdp_prog__type(uxdp_object__prog(obj, i)) == UXDP_PROG_XDP)
				return uxdp_object__prog(obj, i);
	}
	list = prog_list(obj);
	if (p)
		*msg = fmt("program '%s' of %s is not an XDP program (section SEC(\"xdp\") is)",
			   name, o->path);
	else if (name && name[0])
		*msg = fmt("no program '%s' in %s (programs: %s)", name, o->path,
			   list && list[0] ? list : "none");
	else
		*msg = fmt("%s has no XDP program (programs: %s)", o->path,
			   list && list[0] ? list : "none");
	free(list);
	errno = ENOENT;
	return NULL;
}

/* Run prog (from o, whose reference the port takes over) on port; drops the old one. */
static int port_attach(struct daemon *d, struct dport *dp, struct dobj *o, struct uxdp_prog *prog)
{
	struct dobj *old = dp->obj;
	int rc = 0;

	/* The new program's xskmaps hold the sockets bound on the port before
	 * its first packet: a replace never loses a socket's traffic. */
	if (prog)
		rc = uxdp_xsk_srv_fill_maps(d->dp, dp->port, prog);
	rc = rc ?: uxdp_dp__attach(d->dp, dp->port, prog);
	if (rc)
		return rc;
	/* uxdp_dp__attach returned: no worker still runs the old program. */
	dp->obj = o;
	dp->prog = prog;
	obj_put(d, old);
	return 0;
}

static struct dport *find_port(struct daemon *d, const char *name)
{
	for (uint32_t i = 0; i < d->n_ports; i++)
		if (!strcmp(d->ports[i].name, name))
			return &d->ports[i];
	return NULL;
}

static char *port_names(const struct daemon *d)
{
	char *s = strdup("");

	for (uint32_t i = 0; s && i < d->n_ports; i++) {
		char *n = fmt("%s%s%s", s, i ? ", " : "", d->ports[i].name);

		free(s);
		s = n;
	}
	return s;
}

static int no_port(struct daemon *d, const char *name, char **text)
{
	char *list = port_names(d);

	*text = fmt("no port '%s' (ports: %s)", name, list ? list : "?");
	free(list);
	return -ENODEV;
}

/* --- requests ------------------------------------------------------------------------------ */

static int do_attach(struct daemon *d, const struct uxdp_ctl_req *req, char **text)
{
	struct dport *p = find_port(d, req->port);
	struct uxdp_prog *prog;
	struct dobj *o;
	int rc;

	if (!p)
		return no_port(d, req->port, text);
	o = load_object(d, req->path, req->uid, req->gid, text);
	if (!o)
		return -errno;
	o->refs = 1;
	prog = pick_prog(o, req->prog, text);
	if (!prog) {
		obj_put(d, o);
		return -ENOENT;
	}
	rc = port_attach(d, p, o, prog);
	if (rc) {
		*text = fmt("%s: cannot attach %s: %s", p->name, uxdp_prog__name(prog),
			    strerror(-rc));
		obj_put(d, o);
		return rc;
	}
	*text = fmt("%s: attached %s (id %u) of %s\n", p->name, uxdp_prog__name(prog),
		    uxdp_prog__id(prog), req->path);
	return 0;
}

static int do_detach(struct daemon *d, const struct uxdp_ctl_req *req, char **text)
{
	struct dport *p = find_port(d, req->port);
	int rc;

	if (!p)
		return no_port(d, req->port, text);
	if (!p->prog) {
		*text = fmt("%s: no program attached\n", p->name);
		return 0;
	}
	rc = port_attach(d, p, NULL, NULL);
	if (rc) {
		*text = fmt("%s: cannot detach: %s", p->name, strerror(-rc));
		return rc;
	}
	*text = fmt("%s: detached; frames take the PASS path\n", p->name);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define SET_U64(o, k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))

static void add_dp_stats(json_t *o, const struct uxdp_dp_queue_stats *s)
{
	SET_U64(o, "rx_packets", s->rx_packets);
	SET_U64(o, "rx_bytes", s->rx_bytes);
	SET_U64(o, "aborted", s->aborted);
	SET_U64(o, "drop", s->drop);
	SET_U64(o, "pass", s->pass);
	SET_U64(o, "tx", s->tx);
	SET_U64(o, "redirect", s->redirect);
	SET_U64(o, "invalid", s->invalid);
	SET_U64(o, "redirect_err", s->redirect_err);
	SET_U64(o, "xsk", s->xsk);
	SET_U64(o, "tx_err", s->tx_err);
	SET_U64(o, "egress_drop", s->egress_drop);
}

static void add_port_stats(json_t *o, const struct uxdp_port_queue_stats *s)
{
	SET_U64(o, "rx_nobuf", s->rx_nobuf);
	SET_U64(o, "rx_errors", s->rx_errors);
	SET_U64(o, "rx_kernel_drops", s->rx_kernel_drops);
	SET_U64(o, "tx_packets", s->tx_packets);
	SET_U64(o, "tx_bytes", s->tx_bytes);
	SET_U64(o, "tx_full", s->tx_full);
}

static json_t *pool_json(const struct uxdp_page_pool *pool)
{
	struct uxdp_page_pool_stats s;
	json_t *o = json_object();

	uxdp_page_pool__get_stats(pool, &s);
	SET_U64(o, "alloc_fast", s.alloc_fast);
	SET_U64(o, "alloc_slow", s.alloc_slow);
	SET_U64(o, "alloc_empty", s.alloc_empty);
	SET_U64(o, "alloc_refill", s.alloc_refill);
	SET_U64(o, "alloc_provider", s.alloc_provider);
	SET_U64(o, "alloc_fail", s.alloc_fail);
	SET_U64(o, "recycle_cached", s.recycle_cached);
	SET_U64(o, "recycle_cache_full", s.recycle_cache_full);
	SET_U64(o, "recycle_ring", s.recycle_ring);
	SET_U64(o, "recycle_ring_full", s.recycle_ring_full);
	SET_U64(o, "recycle_released", s.recycle_released);
	SET_U64(o, "in_flight", s.in_flight);
	SET_U64(o, "frames_total", s.frames_total);
	return o;
}

static const char *xsk_mode(bool zero_copy)
{
	return zero_copy ? "zero-copy" : "copy";
}

/* What a socket is: shared by STATS (one entry of "sockets") and XSK_STATS. */
static void add_xsk_info(json_t *o, const struct uxdp_xsk_srv_info *in)
{
	SET_U64(o, "id", in->id);
	json_object_set_new(o, "port", json_string(in->port_name ? in->port_name : ""));
	SET_U64(o, "queue", in->queue);
	SET_U64(o, "pid", in->pid);
	SET_U64(o, "uid", in->uid);
	json_object_set_new(o, "mode", json_string(xsk_mode(in->zero_copy)));
	json_object_set_new(o, "need_wakeup", json_boolean(in->need_wakeup));
	json_object_set_new(o, "shared_umem", json_boolean(in->shared_umem));
	SET_U64(o, "rx_size", in->rx_size);
	SET_U64(o, "tx_size", in->tx_size);
	SET_U64(o, "fill_size", in->fill_size);
	SET_U64(o, "comp_size", in->comp_size);
	SET_U64(o, "umem_size", in->umem_size);
	SET_U64(o, "chunk_size", in->chunk_size);
}

static void add_socket(void *cookie, struct uxdp_xsk_srv *xs)
{
	struct uxdp_xsk_srv_info in;
	struct uxdp_xsk_stats st;
	json_t *o = json_object();

	uxdp_xsk_srv_info(xs, &in);
	uxdp_xsk_srv_stats(xs, &st);
	add_xsk_info(o, &in);
	/* The short names (uxdp stats' table), then the rest. */
	SET_U64(o, "rx", st.rx_packets);
	SET_U64(o, "tx", st.tx_packets);
	SET_U64(o, "rx_dropped", st.rx_dropped);
	SET_U64(o, "rx_ring_full", st.rx_ring_full);
	SET_U64(o, "fill_ring_empty", st.rx_fill_ring_empty_descs);
	SET_U64(o, "tx_invalid", st.tx_invalid_descs);
	SET_U64(o, "rx_invalid", st.rx_invalid_descs);
	SET_U64(o, "tx_ring_empty", st.tx_ring_empty_descs);
	SET_U64(o, "rx_bytes", st.rx_bytes);
	SET_U64(o, "tx_bytes", st.tx_bytes);
	SET_U64(o, "kicks", st.kicks);
	SET_U64(o, "wakeups", st.wakeups);
	json_array_append_new(cookie, o);
}

static json_t *sockets_json(struct daemon *d)
{
	json_t *a = json_array();

	uxdp_xsk_srv_foreach(d->dp, add_socket, a);
	return a;
}

static int do_stats(struct daemon *d, char **text)
{
	json_t *root = json_object(), *ports = json_array(), *workers = json_array(), *ctl;
	uint64_t requests, refused, kicks;
	uint32_t conns, sessions;

	SET_U64(root, "time_ns", now_ns());
	SET_U64(root, "workers", d->cfg.workers);
	for (uint32_t i = 0; i < d->n_ports; i++) {
		struct dport *p = &d->ports[i];
		json_t *jp = json_object(), *qs = json_array(), *tot = json_object();
		struct uxdp_dp_queue_stats s;
		struct uxdp_port_queue_stats ps;

		json_object_set_new(jp, "name", json_string(p->name));
		json_object_set_new(jp, "spec", json_string(uxdp_port__spec(p->port)));
		SET_U64(jp, "ifindex", uxdp_port__ifindex(p->port));
		json_object_set_new(jp, "mode", json_string(uxdp_port__mode(p->port)));
		/* What runs, which may be uxdpd's default xsk program (no object then). */
		struct uxdp_prog *running = uxdp_dp__prog(d->dp, p->port);

		json_object_set_new(jp, "program",
				    running ? json_string(uxdp_prog__name(running)) : json_null());
		SET_U64(jp, "prog_id", running ? uxdp_prog__id(running) : 0);
		json_object_set_new(jp, "object", p->obj ? json_string(p->obj->path) : json_null());
		for (uint16_t q = 0; q < uxdp_port__rxq_cnt(p->port); q++) {
			json_t *jq = json_object();

			SET_U64(jq, "queue", q);
			SET_U64(jq, "worker", p->owner[q]);
			uxdp_dp__get_stats(d->dp, p->port, q, &s);
			add_dp_stats(jq, &s);
			uxdp_port__get_stats(p->port, q, &ps);
			add_port_stats(jq, &ps);
			json_object_set_new(jq, "page_pool",
					    pool_json(uxdp_port__rx_pool(p->port, q)));
			json_array_append_new(qs, jq);
		}
		uxdp_dp__get_stats(d->dp, p->port, -1, &s);
		add_dp_stats(tot, &s);
		uxdp_port__get_stats(p->port, -1, &ps);
		add_port_stats(tot, &ps);
		json_object_set_new(jp, "total", tot);
		json_object_set_new(jp, "queues", qs);
		json_array_append_new(ports, jp);
	}
	json_object_set_new(root, "ports", ports);
	for (uint32_t w = 0; w < d->cfg.workers; w++) {
		struct uxdp_dp_worker_stats ws;
		json_t *jw = json_object();

		uxdp_dp__get_worker_stats(d->dp, w, &ws);
		SET_U64(jw, "worker", w);
		SET_U64(jw, "polls", ws.polls);
		SET_U64(jw, "cpumap_rx", ws.cpumap_rx);
		SET_U64(jw, "cpumap_drop", ws.cpumap_drop);
		SET_U64(jw, "cpumap_pass", ws.cpumap_pass);
		SET_U64(jw, "xmit_err", ws.xmit_err);
		SET_U64(jw, "sleeps", ws.sleeps);
		json_array_append_new(workers, jw);
	}
	json_object_set_new(root, "worker_stats", workers);
	json_object_set_new(root, "sockets", sockets_json(d));
	uxdp_ctl_server_counts(d->srv, &requests, &refused);
	uxdp_ctl_server_conns(d->srv, &conns, &sessions, &kicks);
	ctl = json_object();
	SET_U64(ctl, "requests", requests);
	SET_U64(ctl, "refused", refused);
	SET_U64(ctl, "connections", conns);
	SET_U64(ctl, "sessions", sessions);
	SET_U64(ctl, "kicks", kicks);
	SET_U64(ctl, "dropped", uxdp_ctl_server_dropped(d->srv));
	SET_U64(ctl, "evicted", uxdp_ctl_server_evicted(d->srv));
	json_object_set_new(root, "ctl", ctl);
	*text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return *text ? 0 : -ENOMEM;
}

/* "0a1b" -> ["0x0a","0x1b"] (bpftool's byte arrays). */
static json_t *hex_to_bytes(const char *hex)
{
	json_t *a = json_array();
	char b[5] = "0x";

	for (size_t i = 0; hex && hex[i] && hex[i + 1]; i += 2) {
		b[2] = hex[i];
		b[3] = hex[i + 1];
		json_array_append_new(a, json_string(b));
	}
	return a;
}

/* The map named name among the objects (one port's, or every attached then config one). */
static struct uxdp_map *find_map(struct daemon *d, const char *port, const char *name, char **text,
				 int *rc)
{
	struct dport *p = NULL;
	char *list = strdup("");

	if (port[0]) {
		p = find_port(d, port);
		if (!p) {
			free(list);
			*rc = no_port(d, port, text);
			return NULL;
		}
		if (!p->obj) {
			free(list);
			*text = fmt("port '%s' has no program attached", port);
			*rc = -ENOENT;
			return NULL;
		}
	}
	for (uint32_t i = 0; i < d->n_ports; i++) {
		struct uxdp_map *m;

		if ((p && p != &d->ports[i]) || !d->ports[i].obj)
			continue;
		m = uxdp_object__find_map(d->ports[i].obj->obj, name);
		if (m) {
			free(list);
			return m;
		}
	}
	for (struct dobj *o = d->objs; !p && o; o = o->next) {
		struct uxdp_map *m = uxdp_object__find_map(o->obj, name);

		if (m) {
			free(list);
			return m;
		}
	}
	/* Not found: list what there is. */
	for (struct dobj *o = d->objs; list && o; o = o->next) {
		if (p && o != p->obj)
			continue;
		for (size_t i = 0; list && i < uxdp_object__map_cnt(o->obj); i++) {
			char *n = fmt("%s%s%s", list, list[0] ? ", " : "",
				      uxdp_map__name(uxdp_object__map(o->obj, i)));

			free(list);
			list = n;
		}
	}
	*text = fmt("no map '%s' in the %s (maps: %s)", name,
		    p ? "object attached to that port" : "loaded objects",
		    list && list[0] ? list : "none");
	free(list);
	*rc = -ENOENT;
	return NULL;
}

static int do_map_dump(struct daemon *d, const struct uxdp_ctl_req *req, char **text)
{
	struct uxdp_map *m;
	json_t *dump, *out, *ent;
	size_t i;
	int rc = 0;

	m = find_map(d, req->port, req->map, text, &rc);
	if (!m)
		return rc;
	if (!uxdp_map_json_dumpable(m)) {
		*text = fmt("map '%s': ring buffers and perf event arrays cannot be dumped",
			    req->map);
		return -EOPNOTSUPP;
	}
	dump = uxdp_map_json_dump(m);
	if (!dump) {
		*text = fmt("map '%s': dump failed", req->map);
		return -ENOMEM;
	}
	out = json_array();
	json_array_foreach(dump, i, ent)
	{
		json_t *e = json_object(), *vals = json_object_get(ent, "values");

		json_object_set_new(e, "key",
				    hex_to_bytes(json_string_value(json_object_get(ent, "key"))));
		if (vals) {
			json_t *cpus = json_array(), *v;
			size_t c;

			json_array_foreach(vals, c, v)
			{
				json_t *pc = json_object();

				SET_U64(pc, "cpu", c);
				json_object_set_new(pc, "value",
						    hex_to_bytes(json_string_value(v)));
				json_array_append_new(cpus, pc);
			}
			json_object_set_new(e, "values", cpus);
		} else {
			json_object_set_new(
				e, "value",
				hex_to_bytes(json_string_value(json_object_get(ent, "value"))));
		}
		json_array_append_new(out, e);
	}
	json_decref(dump);
	*text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return *text ? 0 : -ENOMEM;
}

/* --- application sockets (XSK_BIND, XSK_STATS, XSK_MAP_KEY, kicks) ----------------------- */

static int do_xsk_bind(struct daemon *d, const struct uxdp_ctl_req *req, char **text)
{
	const struct uxdp_ctl_xsk_bind *b = req->xsk_bind;
	struct uxdp_ctl_xsk_bind msg = *b;
	struct dport *p = find_port(d, b->port);
	struct uxdp_xsk_bind_params bp;
	struct uxdp_xsk_srv_info in;
	struct uxdp_xsk_srv *xs;
	bool copy_only;
	char err[512];
	uint16_t nq;
	int rc;

	if (!p) {
		no_port(d, b->port, text);
		return -ENOENT;
	}
	nq = uxdp_port__rxq_cnt(p->port);
	if (b->queue >= nq) {
		*text = fmt("field 'queue': port '%s' has %u RX queues (0..%u), not %u", p->name,
			    nq, nq - 1, b->queue);
		return -EINVAL;
	}
	rc = uxdpd_xsk_policy(&d->cfg, req->uid, req->gid, p->name, b->queue, &copy_only, err,
			      sizeof(err));
	if (!rc && copy_only && (b->bind_flags & XDP_ZEROCOPY)) {
		snprintf(err, sizeof(err),
			 "xsk policy: uid %d may bind port '%s' queue %u in copy mode only "
			 "(copy-only rule); XDP_ZEROCOPY was asked",
			 (int)req->uid, p->name, b->queue);
		rc = -EACCES;
	}
	if (rc) {
		*text = fmt("%s", err);
		return rc;
	}
	if (copy_only)
		msg.bind_flags |= XDP_COPY;
	bp = (struct uxdp_xsk_bind_params){
		.dp = d->dp,
		.port = p->port,
		.port_name = p->name,
		.msg = &msg,
		.umem_fd = req->fds[0],
		.rxtx_fd = req->fds[1],
		.fqcq_fd = req->nfds == 3 ? req->fds[2] : -1,
		.conn_fd = req->conn_fd,
		.pid = req->pid,
		.uid = req->uid,
		.gid = req->gid,
	};
	err[0] = '\0';
	xs = uxdp_xsk_srv_bind(&bp, err, sizeof(err));
	if (!xs) {
		rc = errno ? -errno : -EINVAL;
		*text = fmt("%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	uxdp_xsk_srv_info(xs, &in);
	*text = fmt("{\"id\":%u,\"zero_copy\":%s,\"mode\":\"%s\"}", in.id,
		    in.zero_copy ? "true" : "false", xsk_mode(in.zero_copy));
	if (!*text) {
		uxdp_xsk_srv_release(xs);
		return -ENOMEM;
	}
	*req->set_session = xs;
	fprintf(stderr, "%s: socket %u bound: port %s queue %u, %s, pid %d uid %d\n", prog_name,
		in.id, p->name, b->queue, xsk_mode(in.zero_copy), (int)req->pid, (int)req->uid);
	return 0;
}

static int do_xsk_stats(const struct uxdp_ctl_req *req, char **text)
{
	struct uxdp_xsk_srv_info in;
	struct uxdp_xsk_stats st;
	json_t *o = json_object();

	uxdp_xsk_srv_info(req->session, &in);
	uxdp_xsk_srv_stats(req->session, &st);
	/* struct uxdp_xsk_stats member by member (the client fills it back). */
	SET_U64(o, "rx_dropped", st.rx_dropped);
	SET_U64(o, "rx_invalid_descs", st.rx_invalid_descs);
	SET_U64(o, "tx_invalid_descs", st.tx_invalid_descs);
	SET_U64(o, "rx_ring_full", st.rx_ring_full);
	SET_U64(o, "rx_fill_ring_empty_descs", st.rx_fill_ring_empty_descs);
	SET_U64(o, "tx_ring_empty_descs", st.tx_ring_empty_descs);
	SET_U64(o, "rx_packets", st.rx_packets);
	SET_U64(o, "rx_bytes", st.rx_bytes);
	SET_U64(o, "tx_packets", st.tx_packets);
	SET_U64(o, "tx_bytes", st.tx_bytes);
	SET_U64(o, "wakeups", st.wakeups);
	SET_U64(o, "kicks", st.kicks);
	json_object_set_new(o, "zero_copy", json_boolean(st.zero_copy));
	add_xsk_info(o, &in);
	*text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return *text ? 0 : -ENOMEM;
}

static int do_xsk_map_key(const struct uxdp_ctl_req *req, char **text)
{
	char err[512] = "";
	int rc = uxdp_xsk_srv_set_map_key(req->session, req->map, req->xsk_key, err, sizeof(err));

	if (rc)
		*text = fmt("%s", err[0] ? err : strerror(-rc));
	return rc;
}

static void on_kick(void *cookie, void *session)
{
	uxdp_xsk_srv_kick(session);
}

static void on_close(void *cookie, void *session)
{
	struct uxdp_xsk_srv_info in;

	uxdp_xsk_srv_info(session, &in);
	fprintf(stderr, "%s: socket %u released: port %s queue %u, pid %d\n", prog_name, in.id,
		in.port_name ? in.port_name : "?", in.queue, (int)in.pid);
	uxdp_xsk_srv_release(session);
}

static int handle(void *cookie, const struct uxdp_ctl_req *req, char **text)
{
	struct daemon *d = cookie;

	switch (req->type) {
	case UXDP_CTL_ATTACH:
		return do_attach(d, req, text);
	case UXDP_CTL_DETACH:
		return do_detach(d, req, text);
	case UXDP_CTL_STATS:
		return do_stats(d, text);
	case UXDP_CTL_MAP_DUMP:
		return do_map_dump(d, req, text);
	case UXDP_CTL_XSK_BIND:
		return do_xsk_bind(d, req, text);
	case UXDP_CTL_XSK_STATS:
		return do_xsk_stats(req, text);
	case UXDP_CTL_XSK_MAP_KEY:
		return do_xsk_map_key(req, text);
	default:
		*text = fmt("unexpected request type %u", req->type);
		return -EINVAL;
	}
}

/* --- setup ---------------------------------------------------------------------------------- */

static int seed_maps(struct dobj *o, const struct cfg_object *co, char *err, size_t err_sz,
		     const char *file)
{
	json_error_t jerr;
	json_t *root = json_load_file(co->maps, 0, &jerr);
	char msg[512];
	int rc;

	if (!root) {
		snprintf(err, err_sz, "%s:%d: object maps: %s:%d:%d: %s", file, co->line, co->maps,
			 jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = uxdp_map_json_load(o->obj, root, msg, sizeof(msg));
	json_decref(root);
	if (rc)
		snprintf(err, err_sz, "%s:%d: object maps: %s: %s", file, co->line, co->maps, msg);
	return rc;
}

/* Host stage (config `host`): XDP_PASS frames go out on the host port's TX
 * queue of this worker (a tap: port hands them to the kernel's stack). */
static void host_pass(void *cookie, struct uxdp_port *port, struct uxdp_frame **frames,
		      uint16_t n, uint32_t worker)
{
	struct uxdp_port *host = cookie;
	uint16_t sent = uxdp_port__tx_burst(host, (uint16_t)worker, frames, n);

	if (sent < n)
		uxdp_frame__free_bulk(frames + sent, n - sent, worker);
}

static int setup(struct daemon *d, const char *ctl, bool check, char *err, size_t err_sz)
{
	struct uxdpd_config *cfg = &d->cfg;
	UXDP_OPTS(uxdp_dp_opts, dpo, .workers = cfg->workers, .vector_size = cfg->vector,
		  .per_packet = cfg->per_packet, .no_pin = cfg->no_pin,
		  .cpus = cfg->n_cpus ? cfg->cpus : NULL, .idle_sleep_us = cfg->idle_sleep_us);
	struct dobj **objs = NULL;
	uint32_t next = 0;
	int rc = 0;

	d->dp = uxdp_dp__new(&dpo);
	if (!d->dp) {
		snprintf(err, err_sz, "%s: cannot make the data path: %s", cfg->file,
			 strerror(errno));
		return -errno;
	}
	for (uint32_t i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *cp = &cfg->ports[i];
		char perr[256] = "";
		UXDP_OPTS(uxdp_port_open_opts, po, .txq_cnt = 0, .err_buf = perr,
			  .err_size = sizeof(perr));
		struct dport *p = &d->ports[d->n_ports];
		struct uxdp_port *port;

		port = uxdp_port__open(cp->spec, &po);
		if (port && uxdp_port__txq_cnt(port) < cfg->workers) {
			/* Every worker needs a TX queue of every port: reopen with enough. */
			uxdp_port__close(port);
			po.txq_cnt = (uint16_t)cfg->workers;
			port = uxdp_port__open(cp->spec, &po);
		}
		if (!port) {
			snprintf(err, err_sz, "%s:%d: port %s: spec '%s': %s", cfg->file, cp->line,
				 cp->name, cp->spec, perr[0] ? perr : strerror(errno));
			return -EINVAL;
		}
		p->name = cp->name;
		p->port = port;
		d->n_ports++;
		rc = uxdp_dp__add_port(d->dp, port);
		if (rc) {
			snprintf(err, err_sz, "%s:%d: port %s: %s", cfg->file, cp->line, cp->name,
				 strerror(-rc));
			return rc;
		}
	}
	/* Round-robin first (uxdp_dp__assign_all's order), then the queue lines. */
	rc = uxdp_dp__assign_all(d->dp);
	if (rc) {
		snprintf(err, err_sz, "%s: cannot assign queues: %s", cfg->file, strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < d->n_ports; i++)
		for (uint16_t q = 0; q < uxdp_port__rxq_cnt(d->ports[i].port); q++)
			d->ports[i].owner[q] = next++ % cfg->workers;
	for (uint32_t i = 0; i < cfg->n_queues; i++) {
		const struct cfg_queue *cq = &cfg->queues[i];
		struct dport *p = &d->ports[cq->port];

		if (cq->qid >= uxdp_port__rxq_cnt(p->port)) {
			snprintf(err, err_sz, "%s:%d: queue qid: port %s has %u RX queues (0..%u)",
				 cfg->file, cq->line, p->name, uxdp_port__rxq_cnt(p->port),
				 uxdp_port__rxq_cnt(p->port) - 1);
			return -EINVAL;
		}
		rc = uxdp_dp__assign_rxq(d->dp, p->port, cq->qid, cq->worker);
		if (rc) {
			snprintf(err, err_sz, "%s:%d: queue: %s", cfg->file, cq->line,
				 strerror(-rc));
			return rc;
		}
		p->owner[cq->qid] = cq->worker;
	}
	objs = calloc(cfg->n_objects + 1, sizeof(*objs));
	if (!objs)
		return -ENOMEM;
	for (uint32_t i = 0; i < cfg->n_objects; i++) {
		const struct cfg_object *co = &cfg->objects[i];
		char *msg = NULL;

		objs[i] = load_object(d, co->path, 0, 0, &msg);
		if (!objs[i]) {
			rc = -errno;
			snprintf(err, err_sz, "%s:%d: object %s: %s", cfg->file, co->line, co->name,
				 msg ? msg : "?");
			free(msg);
			goto out;
		}
		objs[i]->refs = 1; /* the config's own, until exit */
		if (co->maps) {
			rc = seed_maps(objs[i], co, err, err_sz, cfg->file);
			if (rc)
				goto out;
		}
	}
	for (uint32_t i = 0; i < cfg->n_attaches; i++) {
		const struct cfg_attach *ca = &cfg->attaches[i];
		struct dobj *o = objs[ca->object];
		struct dport *p = &d->ports[ca->port];
		struct uxdp_prog *prog;
		char *msg = NULL;

		prog = pick_prog(o, ca->prog, &msg);
		if (!prog) {
			snprintf(err, err_sz, "%s:%d: attach prog: %s", cfg->file, ca->line,
				 msg ? msg : "?");
			free(msg);
			rc = -ENOENT;
			goto out;
		}
		o->refs++;
		rc = port_attach(d, p, o, prog);
		if (rc) {
			o->refs--;
			snprintf(err, err_sz, "%s:%d: attach: %s", cfg->file, ca->line,
				 strerror(-rc));
			goto out;
		}
	}
	for (uint32_t i = 0; i < cfg->n_hosts; i++) {
		const struct cfg_host *ch = &cfg->hosts[i];

		rc = uxdp_dp__set_pass_handler(d->dp, d->ports[ch->port].port, host_pass,
					       d->ports[ch->host].port);
		if (rc) {
			snprintf(err, err_sz, "%s:%d: host: %s", cfg->file, ch->line,
				 strerror(-rc));
			goto out;
		}
	}
	if (check)
		goto out;
	d->srv = uxdp_ctl_server_new(ctl, handle, d, err, err_sz);
	if (!d->srv) {
		rc = -errno;
		goto out;
	}
	uxdp_ctl_server_set_session_ops(d->srv, on_kick, on_close);
	/* control-group: members of the group may connect (the socket is 0660). */
	if (cfg->has_ctl_group && chown(ctl, (uid_t)-1, cfg->ctl_group)) {
		rc = -errno;
		snprintf(err, err_sz, "%s:%d: control-group: cannot give %s to gid %d: %s",
			 cfg->file, cfg->ctl_group_line, ctl, (int)cfg->ctl_group, strerror(errno));
		goto out;
	}
	rc = uxdp_dp__start(d->dp);
	if (rc)
		snprintf(err, err_sz, "cannot start the workers: %s", strerror(-rc));
out:
	free(objs);
	return rc;
}

static void teardown(struct daemon *d)
{
	/* Sockets are released (on_close) while the workers still run, then
	 * the workers stop. */
	uxdp_ctl_server_free(d->srv);
	d->srv = NULL;
	if (d->dp)
		uxdp_dp__stop(d->dp);
	for (uint32_t i = 0; i < d->n_ports; i++)
		if (d->ports[i].obj)
			port_attach(d, &d->ports[i], NULL, NULL);
	uxdp_dp__free(d->dp);
	while (d->objs) {
		d->objs->refs = 1;
		obj_put(d, d->objs);
	}
	for (uint32_t i = 0; i < d->n_ports; i++)
		uxdp_port__close(d->ports[i].port);
	uxdpd_config_free(&d->cfg);
}

/* Every socket holds a connection (and maps memfds): lift the soft fd limit to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	const char *config = NULL, *ctl = NULL;
	struct daemon d = {0};
	struct signalfd_siginfo si;
	bool check = false;
	char err[8192];
	sigset_t set;
	int rc, sfd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			ctl = argv[++i];
		} else if (!strcmp(argv[i], "--check")) {
			check = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog_name,
				argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!config) {
		fprintf(stderr, "%s: --config FILE is required\n", prog_name);
		usage(stderr);
		return 2;
	}
	rc = uxdpd_config_load(config, &d.cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s: %s\n", prog_name, err);
		return 1;
	}
	ctl = ctl ?: d.cfg.ctl ?: UXDP_CTL_DEFAULT_PATH;
	raise_fd_limit();
	/* Workers inherit the mask: only the main thread takes the signals (signalfd). */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", prog_name, strerror(errno));
		uxdpd_config_free(&d.cfg);
		return 1;
	}
	rc = setup(&d, ctl, check, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s: %s\n", prog_name, err);
		teardown(&d);
		close(sfd);
		return 1;
	}
	if (check) {
		printf("%s: OK (%u ports, %u workers, %u objects)\n", config, d.n_ports,
		       d.cfg.workers, d.cfg.n_objects);
		teardown(&d);
		close(sfd);
		return 0;
	}
	for (uint32_t i = 0; i < d.n_ports; i++)
		if (uxdp_port__mode(d.ports[i].port)[0])
			fprintf(stderr, "%s: port %s (%s): %s\n", prog_name, d.ports[i].name,
				uxdp_port__spec(d.ports[i].port), uxdp_port__mode(d.ports[i].port));
	fprintf(stderr, "%s: running: %u ports, %u workers; control socket %s\n", prog_name,
		d.n_ports, d.cfg.workers, ctl);
	rc = uxdp_ctl_server_run(d.srv, sfd);
	if (rc)
		fprintf(stderr, "%s: control socket: %s\n", prog_name, strerror(-rc));
	else if (read(sfd, &si, sizeof(si)) == sizeof(si))
		fprintf(stderr, "%s: %s: stopping\n", prog_name, strsignal((int)si.ssi_signo));
	teardown(&d);
	close(sfd);
	return rc ? 1 : 0;
}
