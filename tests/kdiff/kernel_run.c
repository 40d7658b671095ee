// SPDX-License-Identifier: BSD-2-Clause
/*
 * kernel_run: the kernel side of the differential tests. It takes the same
 * arguments as `uxdp test-run` and prints the same JSON, but runs the object
 * in the running kernel: libbpf loads it, every packet of the pcap goes
 * through BPF_PROG_TEST_RUN in file order on CPU 0 (the process pins itself
 * so per-CPU slot 0 is the one used), then every map is dumped, ring buffers
 * and perf buffers are drained after each packet, and bpf_trace_printk lines
 * are collected from a private tracefs instance filtered on our PID (so other
 * users of the trace buffer neither disturb nor see us). The process runs in
 * a fresh network namespace (only a down loopback, no routes, forwarding
 * enabled) so helpers that
 * consult the stack (fib_lookup, check_mtu, redirect) behave the same on
 * every machine. Besides the uxdp fields the JSON carries "map_info" (type and
 * sizes per map) and "possible_cpus", which compare.py uses. Exit codes: 0 ok, 1 load/run failure, 2 bad usage or input,
 * 77 no privileges / no BPF.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
/* pcap/bpf.h clashes with linux/bpf.h (struct bpf_insn); we need neither of its parts. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>

#define EXIT_SKIP 77
#define OUT_BUF_SZ (256 * 1024)
#define TRACEFS "/sys/kernel/tracing"

struct opts {
	const char *object;
	const char *prog;
	const char *in;
	const char *out;
	const char *maps_in;
	unsigned int repeat;
	unsigned int ifindex;
	unsigned int rxq;
	bool have_ctx;
	bool json;
	bool netns;
	bool verbose;
};

struct run;

struct buf_ctx {
	struct run *r;
	char *map;
};

struct run {
	struct opts o;
	struct bpf_object *obj;
	struct bpf_program *prog;
	int ncpus;
	json_t *events;
	char trace_dir[128];
	bool trace_ok;
	int trace_fd;
	char trace_acc[4096];
	size_t trace_len;
	struct ring_buffer *rbs[16];
	int rb_cnt;
	struct perf_buffer *pbs[16];
	int pb_cnt;
	struct buf_ctx *bcs[32];
	int bc_cnt;
};

static bool verbose;

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kernel_run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static char *hex(const void *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = buf;
	char *s = malloc(len * 2 + 1);

	if (!s)
		die(1, "out of memory");
	for (size_t i = 0; i < len; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[len * 2] = 0;
	return s;
}

static json_t *json_hex(const void *buf, size_t len)
{
	char *s = hex(buf, len);
	json_t *j = json_string(s);

	free(s);
	return j;
}

static int unhex(const char *s, void *out, size_t len)
{
	unsigned char *p = out;

	if (strlen(s) != len * 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		p[i] = v;
	}
	return 0;
}

static const char *action_name(unsigned int a)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					     "XDP_REDIRECT" };

	return a < 5 ? names[a] : "XDP_UNKNOWN";
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kernel_run OBJECT.o [--prog NAME] --in IN.pcap [--out OUT.pcap]\n"
		   "        [--maps-in MAPS.json] [--ifindex N] [--rxq N] [--repeat N] [--json]\n"
		   "        [--engine X] [--cpus N] (accepted, ignored) [--no-netns] [-v]\n");
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "maps-in", required_argument, NULL, 'm' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "ifindex", required_argument, NULL, 'I' },
		{ "rxq", required_argument, NULL, 'Q' },
		{ "engine", required_argument, NULL, 'e' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-netns", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->repeat = 1;
	o->netns = true;
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o->prog = optarg; break;
		case 'i': o->in = optarg; break;
		case 'o': o->out = optarg; break;
		case 'm': o->maps_in = optarg; break;
		case 'r': o->repeat = strtoul(optarg, NULL, 0); break;
		case 'I': o->ifindex = strtoul(optarg, NULL, 0); o->have_ctx = true; break;
		case 'Q': o->rxq = strtoul(optarg, NULL, 0); o->have_ctx = true; break;
		case 'e': case 'c': break;
		case 'j': o->json = true; break;
		case 'N': o->netns = false; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc - 1 || !o->in) {
		usage(stderr);
		exit(2);
	}
	o->object = argv[optind];
	if (!o->repeat)
		o->repeat = 1;
}

/* ---- trace_printk capture: a private tracefs instance filtered on our PID ---- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

static void trace_setup(struct run *r)
{
	char path[256], filter[64];

	if (access(TRACEFS "/instances", F_OK) && mount("nodev", TRACEFS, "tracefs", 0, NULL) &&
	    errno != EBUSY) {
		fprintf(stderr, "kernel_run: tracefs not available (%s): trace_printk events "
				"will be missing\n", strerror(errno));
		return;
	}
	snprintf(r->trace_dir, sizeof(r->trace_dir), TRACEFS "/instances/kdiff_%d", getpid());
	if (mkdir(r->trace_dir, 0700) && errno != EEXIST)
		goto fail;
	snprintf(filter, sizeof(filter), "common_pid == %d", getpid());
	snprintf(path, sizeof(path), "%s/events/bpf_trace/bpf_trace_printk/filter", r->trace_dir);
	if (write_file(path, filter))
		goto fail;
	snprintf(path, sizeof(path), "%s/events/bpf_trace/bpf_trace_printk/enable", r->trace_dir);
	if (write_file(path, "1"))
		goto fail;
	snprintf(path, sizeof(path), "%s/trace_pipe", r->trace_dir);
	r->trace_fd = open(path, O_RDONLY | O_NONBLOCK);
	if (r->trace_fd < 0)
		goto fail;
	r->trace_ok = true;
	return;
fail:
	fprintf(stderr, "kernel_run: cannot set up tracefs instance %s (%s): trace_printk "
			"events will be missing\n", r->trace_dir, strerror(errno));
}

static void trace_line(struct run *r, char *line)
{
	const char *tag = "bpf_trace_printk: ";
	char *p = strstr(line, tag);
	json_t *ev;

	if (line[0] == '#' || !p)
		return;
	ev = json_object();
	json_object_set_new(ev, "type", json_string("trace_printk"));
	json_object_set_new(ev, "text", json_string(p + strlen(tag)));
	json_array_append_new(r->events, ev);
}

/*
 * Read what the last packet printed from our instance's trace_pipe (a
 * consuming, non-blocking read: clearing the "trace" file instead costs an
 * RCU grace period per packet).
 */
static void trace_collect(struct run *r)
{
	char buf[8192];
	ssize_t n;

	if (!r->trace_ok)
		return;
	while ((n = read(r->trace_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (r->trace_len < sizeof(r->trace_acc) - 1)
					r->trace_acc[r->trace_len++] = buf[i];
				continue;
			}
			r->trace_acc[r->trace_len] = 0;
			trace_line(r, r->trace_acc);
			r->trace_len = 0;
		}
	}
}

static void trace_teardown(struct run *r)
{
	char path[256];

	if (!r->trace_dir[0])
		return;
	if (r->trace_ok)
		close(r->trace_fd);
	snprintf(path, sizeof(path), "%s/events/bpf_trace/bpf_trace_printk/enable", r->trace_dir);
	write_file(path, "0");
	rmdir(r->trace_dir);
}

/* ---- ring buffers and perf buffers ---- */

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct buf_ctx *bc = ctx;
	json_t *ev = json_object();

	json_object_set_new(ev, "type", json_string("ringbuf"));
	json_object_set_new(ev, "map", json_string(bc->map));
	json_object_set_new(ev, "data", json_hex(data, size));
	json_array_append_new(bc->r->events, ev);
	return 0;
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	struct buf_ctx *bc = ctx;
	json_t *ev = json_object();

	json_object_set_new(ev, "type", json_string("perf_event"));
	json_object_set_new(ev, "map", json_string(bc->map));
	json_object_set_new(ev, "cpu", json_integer(cpu));
	json_object_set_new(ev, "data", json_hex(data, size));
	json_array_append_new(bc->r->events, ev);
}

static void on_perf_lost(void *ctx, int cpu, __u64 cnt)
{
	fprintf(stderr, "kernel_run: lost %llu perf records on CPU %d\n",
		(unsigned long long)cnt, cpu);
}

static const char *kernel_map_name(int fd, char *buf, size_t sz)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	snprintf(buf, sz, "%s", info.name);
	return buf;
}

static void buffers_setup(struct run *r)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj) {
		enum bpf_map_type t = bpf_map__type(map);
		struct buf_ctx *bc;
		char name[BPF_OBJ_NAME_LEN + 1];

		if (t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		bc = calloc(1, sizeof(*bc));
		if (!bc || r->bc_cnt == 32 || !kernel_map_name(bpf_map__fd(map), name, sizeof(name)))
			die(1, "cannot inspect map %s", bpf_map__name(map));
		bc->r = r;
		bc->map = strdup(name);
		r->bcs[r->bc_cnt++] = bc;
		if (t == BPF_MAP_TYPE_RINGBUF) {
			if (r->rb_cnt == 16)
				die(1, "too many ring buffers");
			r->rbs[r->rb_cnt] = ring_buffer__new(bpf_map__fd(map), on_ringbuf, bc, NULL);
			if (!r->rbs[r->rb_cnt++])
				die(1, "ring_buffer__new(%s): %s", name, strerror(errno));
		} else {
			if (r->pb_cnt == 16)
				die(1, "too many perf buffers");
			r->pbs[r->pb_cnt] = perf_buffer__new(bpf_map__fd(map), 8, on_perf, on_perf_lost,
							     bc, NULL);
			if (!r->pbs[r->pb_cnt++])
				die(1, "perf_buffer__new(%s): %s", name, strerror(errno));
		}
	}
}

static void buffers_drain(struct run *r)
{
	for (int i = 0; i < r->pb_cnt; i++)
		perf_buffer__consume(r->pbs[i]);
	for (int i = 0; i < r->rb_cnt; i++)
		ring_buffer__consume(r->rbs[i]);
}

/* ---- maps ---- */

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static bool not_dumped(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

static json_t *dump_map(struct run *r, struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	enum bpf_map_type t = bpf_map__type(map);
	__u32 ks = bpf_map__key_size(map), vs = bpf_map__value_size(map);
	size_t stride = (vs + 7) & ~7u;
	size_t vbuf_sz = is_percpu(t) ? stride * r->ncpus : vs;
	unsigned char *key = calloc(1, ks + 1), *next = calloc(1, ks + 1);
	unsigned char *val = calloc(1, vbuf_sz + 8);
	json_t *arr = json_array();
	bool first = true;

	if (!key || !next || !val)
		die(1, "out of memory");
	for (;;) {
		json_t *e;

		if (bpf_map_get_next_key(fd, first ? NULL : key, next))
			break;
		first = false;
		memcpy(key, next, ks);
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* empty slot of a devmap/prog_array/…; xskmap cannot be read */
		e = json_object();
		json_object_set_new(e, "key", json_hex(key, ks));
		if (is_percpu(t)) {
			json_t *vals = json_array();

			for (int c = 0; c < r->ncpus; c++)
				json_array_append_new(vals, json_hex(val + c * stride, vs));
			json_object_set_new(e, "values", vals);
		} else {
			json_object_set_new(e, "value", json_hex(val, vs));
		}
		json_array_append_new(arr, e);
	}
	free(key);
	free(next);
	free(val);
	return arr;
}

/* Map types and sizes: not part of the uxdp JSON; compare.py uses them to pick a comparison. */
static json_t *map_info(struct run *r)
{
	json_t *info = json_object();
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj) {
		char name[BPF_OBJ_NAME_LEN + 1];
		const char *type = libbpf_bpf_map_type_str(bpf_map__type(map));
		json_t *m = json_object();

		if (bpf_map__fd(map) < 0 || !kernel_map_name(bpf_map__fd(map), name, sizeof(name)))
			continue;
		json_object_set_new(m, "type", json_string(type ? type : "unknown"));
		json_object_set_new(m, "key_size", json_integer(bpf_map__key_size(map)));
		json_object_set_new(m, "value_size", json_integer(bpf_map__value_size(map)));
		json_object_set_new(m, "max_entries", json_integer(bpf_map__max_entries(map)));
		json_object_set_new(info, name, m);
	}
	return info;
}

static json_t *dump_maps(struct run *r)
{
	json_t *maps = json_object();
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj) {
		char name[BPF_OBJ_NAME_LEN + 1];

		if (not_dumped(bpf_map__type(map)) || bpf_map__fd(map) < 0)
			continue;
		if (!kernel_map_name(bpf_map__fd(map), name, sizeof(name)))
			die(1, "cannot get info of map %s", bpf_map__name(map));
		json_object_set_new(maps, name, dump_map(r, map));
	}
	return maps;
}

static struct bpf_map *find_map(struct run *r, const char *name)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, r->obj) {
		char kname[BPF_OBJ_NAME_LEN + 1];

		if (bpf_map__fd(map) < 0)
			continue;
		if (!strcmp(bpf_map__name(map), name) ||
		    (kernel_map_name(bpf_map__fd(map), kname, sizeof(kname)) &&
		     !strcmp(kname, name)))
			return map;
	}
	return NULL;
}

static void seed_maps(struct run *r)
{
	json_error_t jerr;
	json_t *root = json_load_file(r->o.maps_in, 0, &jerr), *maps, *entries;
	const char *name;

	if (!root)
		die(2, "%s:%d: %s", r->o.maps_in, jerr.line, jerr.text);
	maps = json_object_get(root, "maps");
	if (!json_is_object(maps))
		maps = root;
	if (!json_is_object(maps))
		die(2, "%s: expected an object of maps", r->o.maps_in);
	json_object_foreach(maps, name, entries) {
		struct bpf_map *map = find_map(r, name);
		enum bpf_map_type t;
		__u32 ks, vs;
		size_t stride, idx;
		json_t *e;

		if (!map)
			die(2, "%s: no map named \"%s\" in %s", r->o.maps_in, name, r->o.object);
		if (!json_is_array(entries))
			die(2, "%s: map \"%s\": expected an array of entries", r->o.maps_in, name);
		t = bpf_map__type(map);
		ks = bpf_map__key_size(map);
		vs = bpf_map__value_size(map);
		stride = (vs + 7) & ~7u;
		json_array_foreach(entries, idx, e) {
			unsigned char key[512], *val = calloc(r->ncpus, stride + 8);
			json_t *jk = json_object_get(e, "key"), *jv = json_object_get(e, "value");
			json_t *jvs = json_object_get(e, "values"), *jp = json_object_get(e, "prog");

			if (!val)
				die(1, "out of memory");
			if (ks > sizeof(key) || !json_is_string(jk) ||
			    unhex(json_string_value(jk), key, ks))
				die(2, "%s: %s[%zu]: key must be %u bytes of hex", r->o.maps_in, name,
				    idx, ks);
			if (json_is_string(jp)) {
				struct bpf_program *p =
					bpf_object__find_program_by_name(r->obj, json_string_value(jp));
				int pfd;

				if (!p)
					die(2, "%s: %s[%zu]: no program \"%s\"", r->o.maps_in, name,
					    idx, json_string_value(jp));
				pfd = bpf_program__fd(p);
				memcpy(val, &pfd, sizeof(pfd));
			} else if (is_percpu(t) && json_is_array(jvs)) {
				if (json_array_size(jvs) != (size_t)r->ncpus)
					die(2, "%s: %s[%zu]: %d values needed (possible CPUs)",
					    r->o.maps_in, name, idx, r->ncpus);
				for (int c = 0; c < r->ncpus; c++) {
					json_t *v = json_array_get(jvs, c);

					if (!json_is_string(v) ||
					    unhex(json_string_value(v), val + c * stride, vs))
						die(2, "%s: %s[%zu]: values[%d] must be %u bytes of hex",
						    r->o.maps_in, name, idx, c, vs);
				}
			} else if (json_is_string(jv)) {
				if (unhex(json_string_value(jv), val, vs))
					die(2, "%s: %s[%zu]: value must be %u bytes of hex",
					    r->o.maps_in, name, idx, vs);
				if (t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS)
					die(2, "%s: %s[%zu]: map-in-map entries cannot be seeded",
					    r->o.maps_in, name, idx);
				for (int c = 1; is_percpu(t) && c < r->ncpus; c++)
					memcpy(val + c * stride, val, vs);
			} else {
				die(2, "%s: %s[%zu]: entry needs \"value\", \"values\" or \"prog\"",
				    r->o.maps_in, name, idx);
			}
			if (bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY))
				die(1, "%s: %s[%zu]: update failed: %s", r->o.maps_in, name, idx,
				    strerror(errno));
			free(val);
		}
	}
	json_decref(root);
}

/* ---- running ---- */

static json_t *run_packet(struct run *r, int idx, const unsigned char *pkt, unsigned int len,
			  unsigned char *out, pcap_dumper_t *dump, unsigned int *cnt)
{
	struct xdp_md ctx = { .ingress_ifindex = r->o.ifindex, .rx_queue_index = r->o.rxq };
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = OUT_BUF_SZ,
		.repeat = r->o.repeat,
	);
	json_t *j = json_object();
	int err;

	if (r->o.have_ctx) {
		topts.ctx_in = &ctx;
		topts.ctx_size_in = sizeof(ctx);
	}
	json_object_set_new(j, "index", json_integer(idx));
	err = bpf_prog_test_run_opts(bpf_program__fd(r->prog), &topts);
	if (err) {
		json_object_set_new(j, "error", json_string(strerror(errno)));
		cnt[5]++;
		return j;
	}
	json_object_set_new(j, "action", json_integer(topts.retval));
	json_object_set_new(j, "action_name", json_string(action_name(topts.retval)));
	json_object_set_new(j, "len", json_integer(topts.data_size_out));
	json_object_set_new(j, "data", json_hex(out, topts.data_size_out));
	if (r->o.repeat > 1)
		json_object_set_new(j, "duration_ns", json_integer(topts.duration));
	cnt[topts.retval < 5 ? topts.retval : 0]++;
	if (dump) {
		struct pcap_pkthdr h = { .caplen = topts.data_size_out,
					 .len = topts.data_size_out };

		pcap_dump((unsigned char *)dump, &h, out);
	}
	return j;
}

int main(int argc, char **argv)
{
	struct run r = {};
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *pkt;
	pcap_dumper_t *dump = NULL;
	pcap_t *pc, *dead = NULL;
	unsigned char *out;
	unsigned int cnt[6] = {};
	json_t *packets, *root;
	cpu_set_t set;
	int err, idx = 0, rc;

	parse_args(&r.o, argc, argv);
	verbose = r.o.verbose;
	libbpf_set_print(libbpf_print);
	if (geteuid() != 0)
		die(EXIT_SKIP, "needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN)");

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die(1, "cannot pin to CPU 0: %s", strerror(errno));
	if (r.o.netns && unshare(CLONE_NEWNET)) {
		fprintf(stderr, "kernel_run: unshare(CLONE_NEWNET) failed (%s): running in the "
				"current network namespace\n", strerror(errno));
	} else if (r.o.netns) {
		/*
		 * uxdp models a router: bpf_fib_lookup consults its route table. A
		 * new namespace starts with forwarding off, which makes the kernel
		 * answer BPF_FIB_LKUP_RET_FWD_DISABLED before looking at routes.
		 */
		if (write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1") ||
		    write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1"))
			fprintf(stderr, "kernel_run: cannot enable forwarding in the test "
					"namespace: fib_lookup results will differ\n");
	}
	r.ncpus = libbpf_num_possible_cpus();
	if (r.ncpus <= 0)
		die(1, "cannot count possible CPUs");

	r.obj = bpf_object__open_file(r.o.object, NULL);
	if (!r.obj)
		die(2, "cannot open %s: %s", r.o.object, strerror(errno));
	err = bpf_object__load(r.obj);
	if (err) {
		bpf_object__close(r.obj);
		if (err == -EPERM || err == -ENOSYS)
			die(EXIT_SKIP, "BPF not available (%s)", strerror(-err));
		die(1, "cannot load %s: %s", r.o.object, strerror(-err));
	}
	if (r.o.prog) {
		r.prog = bpf_object__find_program_by_name(r.obj, r.o.prog);
		if (!r.prog)
			die(2, "%s: no program named \"%s\"", r.o.object, r.o.prog);
	} else {
		r.prog = bpf_object__next_program(r.obj, NULL);
		if (!r.prog)
			die(2, "%s: no programs", r.o.object);
	}
	if (r.o.maps_in)
		seed_maps(&r);

	r.events = json_array();
	buffers_setup(&r);
	trace_setup(&r);

	pc = pcap_open_offline(r.o.in, errbuf);
	if (!pc)
		die(2, "%s: %s", r.o.in, errbuf);
	if (pcap_datalink(pc) != DLT_EN10MB)
		die(2, "%s: link type %d is not Ethernet", r.o.in, pcap_datalink(pc));
	if (r.o.out) {
		dead = pcap_open_dead(DLT_EN10MB, 262144);
		dump = dead ? pcap_dump_open(dead, r.o.out) : NULL;
		if (!dump)
			die(2, "%s: cannot create", r.o.out);
	}
	out = malloc(OUT_BUF_SZ);
	packets = json_array();
	if (!out || !packets)
		die(1, "out of memory");
	trace_collect(&r); /* drop anything from before the first packet */
	json_array_clear(r.events);
	while ((rc = pcap_next_ex(pc, &h, &pkt)) == 1) {
		json_array_append_new(packets, run_packet(&r, idx++, pkt, h->caplen, out, dump, cnt));
		trace_collect(&r);
		buffers_drain(&r);
	}
	if (rc == PCAP_ERROR)
		die(2, "%s: %s", r.o.in, pcap_geterr(pc));
	pcap_close(pc);
	if (dump) {
		pcap_dump_close(dump);
		pcap_close(dead);
	}

	root = json_object();
	json_object_set_new(root, "program", json_string(bpf_program__name(r.prog)));
	json_object_set_new(root, "packets", packets);
	json_object_set_new(root, "maps", dump_maps(&r));
	json_object_set_new(root, "events", r.events);
	json_object_set_new(root, "map_info", map_info(&r));
	json_object_set_new(root, "possible_cpus", json_integer(r.ncpus));
	if (r.o.json) {
		json_dumpf(root, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		printf("%s: %d packets: aborted %u, drop %u, pass %u, tx %u, redirect %u, "
		       "errors %u; %zu events\n", bpf_program__name(r.prog), idx, cnt[0], cnt[1],
		       cnt[2], cnt[3], cnt[4], cnt[5], json_array_size(json_object_get(root,
										    "events")));
	}
	json_decref(root);
	trace_teardown(&r);
	for (int i = 0; i < r.rb_cnt; i++)
		ring_buffer__free(r.rbs[i]);
	for (int i = 0; i < r.pb_cnt; i++)
		perf_buffer__free(r.pbs[i]);
	for (int i = 0; i < r.bc_cnt; i++) {
		free(r.bcs[i]->map);
		free(r.bcs[i]);
	}
	bpf_object__close(r.obj);
	free(out);
	return 0;
}
