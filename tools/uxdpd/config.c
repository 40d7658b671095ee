// SPDX-License-Identifier: BSD-2-Clause
/*
 * The config file parser of uxdpd. A line is a keyword and its arguments,
 * separated by blanks; '#' at the start of a word starts a comment. Every
 * error names the file, the line and the field ("demo.conf:4: workers: '0' is
 * not in 1..64"). Checks that need the whole file (a queue given to a worker
 * the `workers` line does not create) run after the last line and still name
 * the offending line.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define LINE_MAX_LEN 4096 /* bytes per line, newline included */
#define MAX_WORDS    8

struct parser {
	struct uxdpd_config *cfg;
	const char *file;
	char *dir; /* of the config file, for relative paths */
	int line;
	int seen[8]; /* line of each single-valued keyword, 0 if not seen yet */
	char *err;
	size_t err_sz;
};

static int perr(struct parser *p, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, const char *field, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	snprintf(p->err, p->err_sz, "%s:%d: %s: ", p->file, p->line, field);
	n = strlen(p->err);
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_sz - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool uxdpd_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= CFG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

static int parse_u32(struct parser *p, const char *field, const char *s, uint32_t lo, uint32_t hi,
		     uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || *s == '+')
		return perr(p, field, "'%s' is not a number", s);
	if (v < lo || v > hi)
		return perr(p, field, "'%s' is not in %u..%u", s, lo, hi);
	*out = (uint32_t)v;
	return 0;
}

static int check_name(struct parser *p, const char *field, const char *s)
{
	if (!uxdpd_name_ok(s))
		return perr(p, field,
			    "'%s' is not a valid name (1..%d characters of A-Z a-z 0-9 _ - .)", s,
			    CFG_NAME_MAX - 1);
	return 0;
}

/* A keyword that may appear once: remember its line, refuse a second one. */
static int once(struct parser *p, int slot, const char *kw)
{
	if (p->seen[slot])
		return perr(p, kw, "given twice (first on line %d)", p->seen[slot]);
	p->seen[slot] = p->line;
	return 0;
}

static int want_args(struct parser *p, char **w, int n, int min, int max, const char *usage)
{
	if (n - 1 < min)
		return perr(p, w[0], "missing argument (usage: %s)", usage);
	if (n - 1 > max)
		return perr(p, w[0], "unexpected argument '%s' (usage: %s)", w[max + 1], usage);
	return 0;
}

static char *resolve(struct parser *p, const char *path)
{
	char *out;

	if (path[0] == '/' || !p->dir)
		return strdup(path);
	if (asprintf(&out, "%s/%s", p->dir, path) < 0)
		return NULL;
	return out;
}

int uxdpd_config_port(const struct uxdpd_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_ports; i++)
		if (!strcmp(cfg->ports[i].name, name))
			return (int)i;
	return -1;
}

/* The index of port `name`, which an earlier line must have declared; else an
 * error naming field. */
static int port_ref(struct parser *p, const struct uxdpd_config *cfg, const char *field,
		    const char *name)
{
	int idx = uxdpd_config_port(cfg, name);

	if (idx < 0)
		return perr(p, field, "no port '%s' (declare it with a port line first)", name);
	return idx;
}

static int find_object(const struct uxdpd_config *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_objects; i++)
		if (!strcmp(cfg->objects[i].name, name))
			return (int)i;
	return -1;
}

static int parse_pin(struct parser *p, const char *s)
{
	struct uxdpd_config *cfg = p->cfg;
	char buf[LINE_MAX_LEN], *tok, *save = NULL;

	if (!strcmp(s, "yes"))
		return 0;
	if (!strcmp(s, "no")) {
		cfg->no_pin = true;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int rc;

		if (cfg->n_cpus == UXDP_DP_MAX_WORKERS)
			return perr(p, "pin", "more than %d CPUs", UXDP_DP_MAX_WORKERS);
		rc = parse_u32(p, "pin", tok, 0, 4095, &cfg->cpus[cfg->n_cpus]);
		if (rc)
			return perr(p, "pin", "'%s' is not yes, no or a list of CPU numbers", s);
		cfg->n_cpus++;
	}
	if (!cfg->n_cpus)
		return perr(p, "pin", "'%s' is not yes, no or a list of CPU numbers", s);
	return 0;
}

/* A user or group by name, through NSS (getpwnam_r/getgrnam_r). */
static int lookup_id(struct parser *p, const char *field, bool group, const char *name,
		     uint32_t *id)
{
	char buf[16384];
	int rc;

	if (group) {
		struct group gr, *res = NULL;

		rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
		if (!res)
			return perr(p, field, "no group '%s'%s%s", name, rc ? ": " : "",
				    rc ? strerror(rc) : "");
		*id = (uint32_t)gr.gr_gid;
	} else {
		struct passwd pw, *res = NULL;

		rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
		if (!res)
			return perr(p, field, "no user '%s'%s%s", name, rc ? ": " : "",
				    rc ? strerror(rc) : "");
		*id = (uint32_t)pw.pw_uid;
	}
	return 0;
}

/* "*", or a comma list of N and N-M, each below UXDP_PORT_MAX_QUEUES. */
static int parse_queues(struct parser *p, const char *s, uint64_t *mask)
{
	char buf[LINE_MAX_LEN], *tok, *save = NULL;

	*mask = 0;
	if (!strcmp(s, "*")) {
		*mask = ~0ull;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint32_t lo, hi;
		int rc;

		if (dash)
			*dash = '\0';
		rc = parse_u32(p, "xsk queues", tok, 0, UXDP_PORT_MAX_QUEUES - 1, &lo);
		if (!rc)
			rc = parse_u32(p, "xsk queues", dash ? dash + 1 : tok, 0,
				       UXDP_PORT_MAX_QUEUES - 1, &hi);
		if (rc)
			return rc;
		if (hi < lo)
			return perr(p, "xsk queues", "range %u-%u is empty", lo, hi);
		for (uint32_t q = lo; q <= hi; q++)
			*mask |= 1ull << q;
	}
	if (!*mask)
		return perr(p, "xsk queues", "'%s' is not *, N, N-M or a comma list of those", s);
	return 0;
}

#define XSK_USAGE                                                                                  \
	"xsk allow|deny user=NAME|uid=N|group=NAME|gid=N port=NAME|* queues=N[-M][,...]|* "        \
	"[copy-only]"

static int parse_xsk(struct parser *p, char **w, int n)
{
	struct uxdpd_config *cfg = p->cfg;
	struct cfg_xsk_rule *r;
	bool have_port = false, have_queues = false;
	int rc;

	rc = want_args(p, w, n, 4, 5, XSK_USAGE);
	if (rc)
		return rc;
	if (cfg->n_xsk_rules == CFG_MAX_ITEMS)
		return perr(p, "xsk", "more than %d xsk rules", CFG_MAX_ITEMS);
	r = &cfg->xsk_rules[cfg->n_xsk_rules];
	memset(r, 0, sizeof(*r));
	if (strcmp(w[1], "allow") && strcmp(w[1], "deny"))
		return perr(p, "xsk", "'%s' is not allow or deny (usage: %s)", w[1], XSK_USAGE);
	r->allow = !strcmp(w[1], "allow");
	r->line = p->line;
	/* WHO first, then port= and queues= in either order, then copy-only. */
	if (!strncmp(w[2], "user=", 5) || !strncmp(w[2], "group=", 6)) {
		r->by_group = w[2][0] == 'g';
		rc = lookup_id(p, r->by_group ? "xsk group" : "xsk user", r->by_group,
			       strchr(w[2], '=') + 1, &r->id);
	} else if (!strncmp(w[2], "uid=", 4) || !strncmp(w[2], "gid=", 4)) {
		r->by_group = w[2][0] == 'g';
		rc = parse_u32(p, r->by_group ? "xsk gid" : "xsk uid", w[2] + 4, 0, UINT32_MAX - 1,
			       &r->id);
	} else {
		return perr(p, "xsk",
			    "'%s' is not user=NAME, uid=N, group=NAME or gid=N (usage: %s)", w[2],
			    XSK_USAGE);
	}
	if (rc)
		return rc;
	snprintf(r->who, sizeof(r->who), "%s", w[2]);
	for (int i = 3; i < n; i++) {
		if (!strncmp(w[i], "port=", 5) && !have_port) {
			have_port = true;
			if (!strcmp(w[i] + 5, "*"))
				continue;
			rc = check_name(p, "xsk port", w[i] + 5);
			if (rc)
				return rc;
			rc = port_ref(p, cfg, "xsk port", w[i] + 5);
			if (rc < 0)
				return rc;
			snprintf(r->port, sizeof(r->port), "%s", w[i] + 5);
		} else if (!strncmp(w[i], "queues=", 7) && !have_queues) {
			have_queues = true;
			rc = parse_queues(p, w[i] + 7, &r->queues);
			if (rc)
				return rc;
		} else if (!strcmp(w[i], "copy-only") && i == n - 1) {
			if (!r->allow)
				return perr(p, "xsk", "copy-only is for allow rules");
			r->copy_only = true;
		} else {
			return perr(p, "xsk", "unexpected argument '%s' (usage: %s)", w[i],
				    XSK_USAGE);
		}
	}
	if (!have_port || !have_queues)
		return perr(p, "xsk", "missing %s (usage: %s)",
			    have_port ? "queues=" : "port=", XSK_USAGE);
	cfg->n_xsk_rules++;
	return 0;
}

static int statement(struct parser *p, char **w, int n)
{
	struct uxdpd_config *cfg = p->cfg;
	const char *kw = w[0];
	int rc, idx;

	if (!strcmp(kw, "workers")) {
		rc = want_args(p, w, n, 1, 1, "workers N");
		rc = rc ?: once(p, 0, kw);
		return rc ?: parse_u32(p, kw, w[1], 1, UXDP_DP_MAX_WORKERS, &cfg->workers);
	}
	if (!strcmp(kw, "vector")) {
		rc = want_args(p, w, n, 1, 1, "vector N");
		rc = rc ?: once(p, 1, kw);
		return rc ?: parse_u32(p, kw, w[1], 1, UXDP_DP_MAX_VECTOR, &cfg->vector);
	}
	if (!strcmp(kw, "idle-sleep")) {
		rc = want_args(p, w, n, 1, 1, "idle-sleep MICROSECONDS");
		rc = rc ?: once(p, 7, kw);
		return rc ?: parse_u32(p, kw, w[1], 0, 1000000, &cfg->idle_sleep_us);
	}
	if (!strcmp(kw, "mode")) {
		rc = want_args(p, w, n, 1, 1, "mode vector|per-packet");
		rc = rc ?: once(p, 2, kw);
		if (rc)
			return rc;
		if (strcmp(w[1], "vector") && strcmp(w[1], "per-packet"))
			return perr(p, kw, "'%s' is not vector or per-packet", w[1]);
		cfg->per_packet = !strcmp(w[1], "per-packet");
		return 0;
	}
	if (!strcmp(kw, "pin")) {
		rc = want_args(p, w, n, 1, 1, "pin yes|no|CPU,CPU,...");
		rc = rc ?: once(p, 3, kw);
		return rc ?: parse_pin(p, w[1]);
	}
	if (!strcmp(kw, "engine")) {
		rc = want_args(p, w, n, 1, 1, "engine default|interp|jit");
		rc = rc ?: once(p, 4, kw);
		if (rc)
			return rc;
		if (!strcmp(w[1], "default"))
			cfg->engine = UXDP_ENGINE_DEFAULT;
		else if (!strcmp(w[1], "interp"))
			cfg->engine = UXDP_ENGINE_INTERP;
		else if (!strcmp(w[1], "jit"))
			cfg->engine = UXDP_ENGINE_JIT;
		else
			return perr(p, kw, "'%s' is not default, interp or jit", w[1]);
		return 0;
	}
	if (!strcmp(kw, "ctl")) {
		rc = want_args(p, w, n, 1, 1, "ctl SOCKET_PATH");
		rc = rc ?: once(p, 5, kw);
		if (rc)
			return rc;
		cfg->ctl = resolve(p, w[1]);
		return cfg->ctl ? 0 : -ENOMEM;
	}
	if (!strcmp(kw, "port")) {
		struct cfg_port *cp;

		rc = want_args(p, w, n, 2, 2, "port NAME SPEC");
		rc = rc ?: check_name(p, "port name", w[1]);
		if (rc)
			return rc;
		idx = uxdpd_config_port(cfg, w[1]);
		if (idx >= 0)
			return perr(p, "port name", "'%s' is already a port (line %d)", w[1],
				    cfg->ports[idx].line);
		if (cfg->n_ports == CFG_MAX_PORTS)
			return perr(p, kw, "more than %d ports", CFG_MAX_PORTS);
		if (!strchr(w[2], ':'))
			return perr(p, "port spec",
				    "'%s' is not BACKEND:ARGS (gen:, null:, pipe:, "
				    "pcap:)",
				    w[2]);
		cp = &cfg->ports[cfg->n_ports];
		snprintf(cp->name, sizeof(cp->name), "%s", w[1]);
		cp->spec = strdup(w[2]);
		cp->line = p->line;
		if (!cp->spec)
			return -ENOMEM;
		cfg->n_ports++;
		return 0;
	}
	if (!strcmp(kw, "queue")) {
		struct cfg_queue *q;
		uint32_t qid;

		rc = want_args(p, w, n, 3, 3, "queue PORT QID WORKER");
		if (rc)
			return rc;
		idx = port_ref(p, cfg, "queue port", w[1]);
		if (idx < 0)
			return idx;
		if (cfg->n_queues == CFG_MAX_ITEMS)
			return perr(p, kw, "more than %d queue lines", CFG_MAX_ITEMS);
		q = &cfg->queues[cfg->n_queues];
		rc = parse_u32(p, "queue qid", w[2], 0, UXDP_PORT_MAX_QUEUES - 1, &qid);
		rc = rc
			     ?: parse_u32(p, "queue worker", w[3], 0, UXDP_DP_MAX_WORKERS - 1,
					  &q->worker);
		if (rc)
			return rc;
		q->port = (uint32_t)idx;
		q->qid = (uint16_t)qid;
		q->line = p->line;
		cfg->n_queues++;
		return 0;
	}
	if (!strcmp(kw, "object")) {
		struct cfg_object *o;

		rc = want_args(p, w, n, 2, 3, "object NAME FILE.o [maps=FILE.json]");
		rc = rc ?: check_name(p, "object name", w[1]);
		if (rc)
			return rc;
		idx = find_object(cfg, w[1]);
		if (idx >= 0)
			return perr(p, "object name", "'%s' is already an object (line %d)", w[1],
				    cfg->objects[idx].line);
		if (n == 4 && strncmp(w[3], "maps=", 5))
			return perr(p, "object", "unexpected argument '%s' (want maps=FILE.json)",
				    w[3]);
		if (n == 4 && !w[3][5])
			return perr(p, "object maps", "empty file name");
		if (cfg->n_objects == CFG_MAX_ITEMS)
			return perr(p, kw, "more than %d objects", CFG_MAX_ITEMS);
		o = &cfg->objects[cfg->n_objects];
		snprintf(o->name, sizeof(o->name), "%s", w[1]);
		o->line = p->line;
		o->path = resolve(p, w[2]);
		o->maps = n == 4 ? resolve(p, w[3] + 5) : NULL;
		cfg->n_objects++;
		if (!o->path || (n == 4 && !o->maps))
			return -ENOMEM;
		return 0;
	}
	if (!strcmp(kw, "attach")) {
		struct cfg_attach *a;
		int obj;

		rc = want_args(p, w, n, 2, 3, "attach PORT OBJECT [prog=NAME]");
		if (rc)
			return rc;
		idx = port_ref(p, cfg, "attach port", w[1]);
		if (idx < 0)
			return idx;
		obj = find_object(cfg, w[2]);
		if (obj < 0)
			return perr(p, "attach object",
				    "no object '%s' (declare it with an object "
				    "line first)",
				    w[2]);
		for (uint32_t i = 0; i < cfg->n_attaches; i++)
			if (cfg->attaches[i].port == (uint32_t)idx)
				return perr(p, "attach port",
					    "port '%s' already has a program "
					    "(line %d)",
					    w[1], cfg->attaches[i].line);
		if (n == 4 && strncmp(w[3], "prog=", 5))
			return perr(p, "attach", "unexpected argument '%s' (want prog=NAME)", w[3]);
		if (n == 4 && !uxdpd_name_ok(w[3] + 5))
			return perr(p, "attach prog", "'%s' is not a valid program name", w[3] + 5);
		a = &cfg->attaches[cfg->n_attaches++];
		a->port = (uint32_t)idx;
		a->object = (uint32_t)obj;
		snprintf(a->prog, sizeof(a->prog), "%s", n == 4 ? w[3] + 5 : "");
		a->line = p->line;
		return 0;
	}
	if (!strcmp(kw, "host")) {
		struct cfg_host *h;
		int host;

		rc = want_args(p, w, n, 2, 2, "host PORT HOSTPORT");
		if (rc)
			return rc;
		idx = port_ref(p, cfg, "host port", w[1]);
		if (idx < 0)
			return idx;
		host = port_ref(p, cfg, "host hostport", w[2]);
		if (host < 0)
			return host;
		if (host == idx)
			return perr(p, "host hostport", "port '%s' cannot be its own host stage",
				    w[2]);
		for (uint32_t i = 0; i < cfg->n_hosts; i++)
			if (cfg->hosts[i].port == (uint32_t)idx)
				return perr(p, "host port", "port '%s' already has a host stage (line %d)",
					    w[1], cfg->hosts[i].line);
		h = &cfg->hosts[cfg->n_hosts++];
		h->port = (uint32_t)idx;
		h->host = (uint32_t)host;
		h->line = p->line;
		return 0;
	}
	if (!strcmp(kw, "xsk"))
		return parse_xsk(p, w, n);
	if (!strcmp(kw, "control-group")) {
		uint32_t gid;

		rc = want_args(p, w, n, 1, 1, "control-group NAME|GID");
		rc = rc ?: once(p, 6, kw);
		if (rc)
			return rc;
		if (w[1][0] >= '0' && w[1][0] <= '9')
			rc = parse_u32(p, kw, w[1], 0, UINT32_MAX - 1, &gid);
		else
			rc = lookup_id(p, kw, true, w[1], &gid);
		if (rc)
			return rc;
		cfg->has_ctl_group = true;
		cfg->ctl_group = (gid_t)gid;
		cfg->ctl_group_line = p->line;
		return 0;
	}
	return perr(p, kw,
		    "unknown keyword (want workers, vector, mode, idle-sleep, pin, engine, ctl, "
		    "port, queue, object, attach, host, xsk or control-group)");
}

/* Checks that need the whole file. */
static int finish(struct parser *p)
{
	struct uxdpd_config *cfg = p->cfg;

	for (uint32_t i = 0; i < cfg->n_queues; i++)
		if (cfg->queues[i].worker >= cfg->workers) {
			p->line = cfg->queues[i].line;
			return perr(p, "queue worker", "worker %u does not exist (workers %u%s)",
				    cfg->queues[i].worker, cfg->workers,
				    p->seen[0] ? "" : ", the default");
		}
	if (cfg->n_cpus && cfg->n_cpus < cfg->workers) {
		p->line = p->seen[3];
		return perr(p, "pin", "%u CPUs for %u workers (one per worker)", cfg->n_cpus,
			    cfg->workers);
	}
	if (!cfg->n_ports) {
		p->line = p->line ? p->line : 1;
		snprintf(p->err, p->err_sz, "%s: no port line (uxdpd needs at least one port)",
			 p->file);
		return -EINVAL;
	}
	return 0;
}

int uxdpd_config_load(const char *file, struct uxdpd_config *cfg, char *err, size_t err_sz)
{
	struct parser p = {.cfg = cfg, .file = file, .err = err, .err_sz = err_sz};
	char *line = NULL;
	size_t cap = 0;
	const char *slash;
	ssize_t len;
	int rc = 0;
	FILE *f;

	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 1;
	cfg->vector = 16;
	cfg->file = strdup(file);
	f = fopen(file, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, err_sz, "%s: %s", file, strerror(errno));
		uxdpd_config_free(cfg);
		return rc;
	}
	slash = strrchr(file, '/');
	if (slash)
		p.dir = strndup(file, (size_t)(slash - file) ?: 1);
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *w[MAX_WORDS + 1], *save = NULL;
		int n = 0;

		p.line++;
		if (len > LINE_MAX_LEN) {
			rc = perr(&p, "line", "longer than %d characters", LINE_MAX_LEN);
			break;
		}
		if (memchr(line, '\0', (size_t)len)) {
			rc = perr(&p, "line", "has a NUL byte");
			break;
		}
		for (char *t = strtok_r(line, " \t\r\n", &save); t;
		     t = strtok_r(NULL, " \t\r\n", &save)) {
			if (t[0] == '#')
				break;
			if (n == MAX_WORDS) {
				rc = perr(&p, w[0], "too many words");
				goto out;
			}
			w[n++] = t;
		}
		if (!n)
			continue;
		rc = statement(&p, w, n);
		if (rc)
			break;
	}
	if (!rc && ferror(f)) {
		rc = -EIO;
		snprintf(err, err_sz, "%s: read error", file);
	}
	if (!rc)
		rc = finish(&p);
out:
	fclose(f);
	free(line);
	free(p.dir);
	if (rc)
		uxdpd_config_free(cfg);
	return rc;
}

void uxdpd_config_free(struct uxdpd_config *cfg)
{
	for (uint32_t i = 0; i < cfg->n_ports; i++)
		free(cfg->ports[i].spec);
	for (uint32_t i = 0; i < cfg->n_objects; i++) {
		free(cfg->objects[i].path);
		free(cfg->objects[i].maps);
	}
	free(cfg->ctl);
	free(cfg->file);
	memset(cfg, 0, sizeof(*cfg));
}

/* The peer's groups: its SO_PEERCRED gid and the supplementary groups of its uid. */
static int peer_groups(uid_t uid, gid_t gid, gid_t *groups, int max)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	int n = max - 1;

	groups[0] = gid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res)
		return 1;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups + 1, &n) < 0)
		n = max - 1; /* more than fit: the first ones */
	return 1 + n;
}

int uxdpd_xsk_policy(const struct uxdpd_config *cfg, uid_t uid, gid_t gid, const char *port,
		     uint32_t queue, bool *copy_only, char *msg, size_t msg_sz)
{
	gid_t groups[256];
	int n_groups = -1;

	*copy_only = false;
	if (uid == 0)
		return 0;
	for (uint32_t i = 0; uid != (uid_t)-1 && i < cfg->n_xsk_rules; i++) {
		const struct cfg_xsk_rule *r = &cfg->xsk_rules[i];
		bool who = false;

		if (r->port[0] && strcmp(r->port, port))
			continue;
		if (queue >= 64 || !(r->queues & (1ull << queue)))
			continue;
		if (!r->by_group) {
			who = r->id == (uint32_t)uid;
		} else {
			if (n_groups < 0)
				n_groups = peer_groups(uid, gid, groups, 256);
			for (int g = 0; g < n_groups && !who; g++)
				who = r->id == (uint32_t)groups[g];
		}
		if (!who)
			continue;
		if (!r->allow) {
			snprintf(msg, msg_sz,
				 "xsk policy: uid %d may not bind port '%s' queue %u "
				 "(denied by %s:%d: %s)",
				 (int)uid, port, queue, cfg->file, r->line, r->who);
			return -EACCES;
		}
		*copy_only = r->copy_only;
		return 0;
	}
	snprintf(msg, msg_sz,
		 "xsk policy: no rule lets uid %d (gid %d) bind port '%s' queue %u (%u xsk rules "
		 "in %s; only root may bind without one)",
		 (int)uid, (int)gid, port, queue, cfg->n_xsk_rules, cfg->file);
	return -EACCES;
}
