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
		idx = uxdpd_config_port(cfg, w[1]);
		if (idx < 0)
			return perr(p, "queue port",
				    "no port '%s' (declare it with a port line first)", w[1]);
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
		idx = uxdpd_config_port(cfg, w[1]);
		if (idx < 0)
			return perr(p, "attach port",
				    "no port '%s' (declare it with a port line "
				    "first)",
				    w[1]);
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
		idx = uxdpd_config_port(cfg, w[1]);
		if (idx < 0)
			return perr(p, "host port",
				    "no port '%s' (declare it with a port line first)", w[1]);
		host = uxdpd_config_port(cfg, w[2]);
		if (host < 0)
			return perr(p, "host hostport",
				    "no port '%s' (declare it with a port line first)", w[2]);
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
	return perr(p, kw,
		    "unknown keyword (want workers, vector, mode, pin, engine, ctl, port, "
		    "queue, object, attach or host)");
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
