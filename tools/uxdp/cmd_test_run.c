// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp test-run`: the offline equivalent of BPF_PROG_TEST_RUN. Loads an
 * object, optionally seeds its maps, runs one program over every packet of a
 * pcap file in order on one loaded instance (map state carries over), and
 * reports verdicts, output bytes, map contents and events, as a table or as
 * one JSON object (the interface the differential tests rely on).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "uxdp/uxdp.h"
#include "util/map_json.h"
#include "pcap_io.h"
#include "uxdp_cli.h"

#define OUT_CAP (256 * 1024)

struct run_cfg {
	const char *object;
	const char *prog_name;
	const char *in;
	const char *out;
	const char *maps_in;
	enum uxdp_engine engine;
	uint32_t ifindex;
	uint32_t rxq;
	uint32_t cpus;
	uint32_t repeat;
	bool json;
};

struct event_sink {
	json_t *events; /* NULL in table mode */
	bool print;	/* table mode: print trace_printk lines */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uxdp test-run OBJECT.o [--prog NAME] --in IN.pcap [--out OUT.pcap]\n"
		"                     [--maps-in MAPS.json] [--engine interp|jit] [--ifindex N]\n"
		"                     [--rxq N] [--cpus N] [--repeat N] [--json]\n"
		"\n"
		"Runs the program over every packet of IN.pcap in file order, on one loaded\n"
		"instance (maps carry over), on CPU slot 0, with the kernel's test-run frame\n"
		"(256 bytes headroom, page-sized frame). A packet shorter than an Ethernet\n"
		"header gets an error, as the kernel's EINVAL.\n"
		"\n"
		"  --prog NAME        program (function) name; needed when the object has several\n"
		"  --in FILE          input pcap (Ethernet link type)\n"
		"  --out FILE         write each packet's output bytes (any verdict) to a pcap\n"
		"  --maps-in FILE     seed maps first, in the shape --json prints under \"maps\";\n"
		"                     prog_array entries may be {\"key\": HEX, \"prog\": NAME}\n"
		"  --engine E         interp or jit (default: the best available)\n"
		"  --ifindex N        ingress_ifindex the program sees (default 1, loopback)\n"
		"  --rxq N            rx_queue_index the program sees (default 0)\n"
		"  --cpus N           CPU slots of per-CPU maps (default: possible CPUs of this host)\n"
		"  --repeat N         run each packet N times on the same frame and report ns/run\n"
		"  --json             print one JSON object instead of a table\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > UINT32_MAX) {
		cli_err("%s: '%s' is not a number from 0 to %u", opt, s, UINT32_MAX);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct run_cfg *cfg)
{
	enum { O_PROG = 1, O_IN, O_OUT, O_MAPS, O_ENGINE, O_IFINDEX, O_RXQ, O_CPUS, O_REPEAT, O_JSON };
	static const struct option opts[] = {
		{ "prog", required_argument, NULL, O_PROG },
		{ "in", required_argument, NULL, O_IN },
		{ "out", required_argument, NULL, O_OUT },
		{ "maps-in", required_argument, NULL, O_MAPS },
		{ "engine", required_argument, NULL, O_ENGINE },
		{ "ifindex", required_argument, NULL, O_IFINDEX },
		{ "rxq", required_argument, NULL, O_RXQ },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_PROG:
			cfg->prog_name = optarg;
			break;
		case O_IN:
			cfg->in = optarg;
			break;
		case O_OUT:
			cfg->out = optarg;
			break;
		case O_MAPS:
			cfg->maps_in = optarg;
			break;
		case O_ENGINE:
			if (!strcmp(optarg, "interp")) {
				cfg->engine = UXDP_ENGINE_INTERP;
			} else if (!strcmp(optarg, "jit")) {
				cfg->engine = UXDP_ENGINE_JIT;
			} else {
				cli_err("--engine: '%s' is neither 'interp' nor 'jit'", optarg);
				return 2;
			}
			break;
		case O_IFINDEX:
			if (parse_u32("--ifindex", optarg, &cfg->ifindex))
				return 2;
			break;
		case O_RXQ:
			if (parse_u32("--rxq", optarg, &cfg->rxq))
				return 2;
			break;
		case O_CPUS:
			if (parse_u32("--cpus", optarg, &cfg->cpus))
				return 2;
			if (cfg->cpus == 0 || cfg->cpus > 4096) {
				cli_err("--cpus: must be from 1 to 4096");
				return 2;
			}
			break;
		case O_REPEAT:
			if (parse_u32("--repeat", optarg, &cfg->repeat))
				return 2;
			if (cfg->repeat == 0) {
				cli_err("--repeat: must be at least 1");
				return 2;
			}
			break;
		case O_JSON:
			cfg->json = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		cli_err(optind >= argc ? "test-run: missing OBJECT.o"
				       : "test-run: exactly one OBJECT.o expected");
		usage(stderr);
		return 2;
	}
	cfg->object = argv[optind];
	if (!cfg->in) {
		cli_err("test-run: --in IN.pcap is required");
		return 2;
	}
	return 0;
}

static void on_event(void *cookie, const struct uxdp_event *ev)
{
	struct event_sink *sink = cookie;
	json_t *e;
	char *hex;

	if (ev->type == UXDP_EVENT_TRACE_PRINTK && sink->print)
		printf("  trace: %.*s%s", (int)ev->len, (const char *)ev->data,
		       ev->len && ((const char *)ev->data)[ev->len - 1] == '\n' ? "" : "\n");
	if (!sink->events)
		return;
	e = json_object();
	if (ev->type == UXDP_EVENT_TRACE_PRINTK) {
		json_object_set_new(e, "type", json_string("trace_printk"));
		json_object_set_new(e, "text", json_stringn((const char *)ev->data, ev->len));
	} else {
		json_object_set_new(e, "type", json_string("perf_event"));
		json_object_set_new(e, "map", json_string(ev->map ? uxdp_map__name(ev->map) : ""));
		json_object_set_new(e, "cpu", json_integer(ev->cpu));
		hex = uxdp_hex_encode(ev->data, ev->len);
		json_object_set_new(e, "data", json_string(hex ? hex : ""));
		free(hex);
	}
	json_array_append_new(sink->events, e);
}

struct rb_ctx {
	struct event_sink *sink;
	const char *map;
};

static int on_ringbuf(void *cookie, const void *data, size_t len)
{
	struct rb_ctx *rc = cookie;
	json_t *e;
	char *hex;

	if (!rc->sink->events) {
		if (rc->sink->print)
			printf("  ringbuf %s: %zu bytes\n", rc->map, len);
		return 0;
	}
	e = json_object();
	json_object_set_new(e, "type", json_string("ringbuf"));
	json_object_set_new(e, "map", json_string(rc->map));
	hex = uxdp_hex_encode(data, len);
	json_object_set_new(e, "data", json_string(hex ? hex : ""));
	free(hex);
	json_array_append_new(rc->sink->events, e);
	return 0;
}

/* Ring buffer records go out after each packet; perf records were reported as they came. */
static void drain_maps(struct uxdp_object *obj, struct event_sink *sink)
{
	for (size_t m = 0; m < uxdp_object__map_cnt(obj); m++) {
		struct uxdp_map *map = uxdp_object__map(obj, m);
		struct rb_ctx rc = { sink, uxdp_map__name(map) };

		if (uxdp_map__type(map) == BPF_MAP_TYPE_RINGBUF)
			uxdp_ringbuf__consume(map, on_ringbuf, &rc);
		else if (uxdp_map__type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			uxdp_perf__clear(map);
	}
}

static struct uxdp_prog *pick_prog(struct uxdp_object *obj, const char *name)
{
	size_t n = uxdp_object__prog_cnt(obj);

	if (name) {
		struct uxdp_prog *prog = uxdp_object__find_prog(obj, name);

		if (!prog) {
			cli_err("test-run: the object has no program '%s'; it has:", name);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "  %s (section %s)\n",
					uxdp_prog__name(uxdp_object__prog(obj, i)),
					uxdp_object__prog_section(obj, i));
		}
		return prog;
	}
	if (n == 1)
		return uxdp_object__prog(obj, 0);
	if (n == 0) {
		cli_err("test-run: the object has no XDP program");
		return NULL;
	}
	cli_err("test-run: the object has %zu programs; choose one with --prog:", n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "  %s (section %s)\n", uxdp_prog__name(uxdp_object__prog(obj, i)),
			uxdp_object__prog_section(obj, i));
	return NULL;
}

static int seed_maps(struct uxdp_object *obj, const char *path)
{
	json_error_t jerr;
	char err[512];
	json_t *root = json_load_file(path, 0, &jerr);
	int rc;

	if (!root) {
		cli_err("--maps-in %s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = uxdp_map_json_load(obj, root, err, sizeof(err));
	if (rc)
		cli_err("--maps-in %s: %s", path, err);
	json_decref(root);
	return rc;
}

int cmd_test_run(int argc, char **argv)
{
	struct run_cfg cfg = { .engine = UXDP_ENGINE_DEFAULT };
	static char log[64 * 1024];
	uint64_t counts[8] = { 0 }, errors = 0, unknown = 0;
	char errbuf[256];
	struct uxdp_object *obj = NULL;
	struct uxdp_exec *ex = NULL;
	struct event_sink sink = { 0 };
	struct pcap_reader *in = NULL;
	struct pcap_writer *dump = NULL;
	struct pcap_packet pk;
	json_t *root = NULL, *packets = NULL;
	struct uxdp_prog *prog;
	uint8_t *out = NULL;
	uint32_t index = 0;
	int rc, status = 1;

	rc = parse_args(argc, argv, &cfg);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!cfg.cpus) {
		int n = libbpf_num_possible_cpus();

		cfg.cpus = n > 0 ? (uint32_t)n : 1;
	}

	UXDP_OPTS(uxdp_object_open_opts, oopts, .ncpus = cfg.cpus, .engine = cfg.engine,
		  .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	/* The load log carries every message; print it once, ourselves. */
	uxdp_set_print(NULL);
	obj = uxdp_object__open_file(cfg.object, &oopts);
	if (log[0])
		fputs(log, stderr);
	if (!obj) {
		cli_err("test-run: cannot load %s: %s", cfg.object, strerror(errno));
		return 1;
	}
	prog = pick_prog(obj, cfg.prog_name);
	if (!prog)
		goto out;
	if (cfg.maps_in && seed_maps(obj, cfg.maps_in))
		goto out;

	in = pcap_reader_open(cfg.in, errbuf, sizeof(errbuf));
	if (!in) {
		cli_err("--in %s: %s", cfg.in, errbuf);
		goto out;
	}
	if (cfg.out) {
		dump = pcap_writer_open(cfg.out, errbuf, sizeof(errbuf));
		if (!dump) {
			cli_err("--out %s: %s", cfg.out, errbuf);
			goto out;
		}
	}

	if (cfg.json) {
		root = json_object();
		packets = json_array();
		sink.events = json_array();
		json_object_set_new(root, "program", json_string(uxdp_prog__name(prog)));
		json_object_set(root, "packets", packets);
	} else {
		sink.print = true;
		printf("program %s from %s, packets from %s\n", uxdp_prog__name(prog), cfg.object,
		       cfg.in);
		printf("%6s  %-13s %6s%s\n", "packet", "verdict", "len",
		       cfg.repeat > 1 ? "  ns/run" : "");
	}
	UXDP_OPTS(uxdp_exec_opts, xopts, .cpu = 0, .on_event = on_event, .event_cookie = &sink);
	ex = uxdp_exec__new(&xopts);
	out = malloc(OUT_CAP);
	if (!ex || !out) {
		cli_err("test-run: out of memory");
		goto out;
	}

	while ((rc = pcap_reader_next(in, &pk, errbuf, sizeof(errbuf))) == 1) {
		UXDP_OPTS(uxdp_test_run_opts, topts, .data_in = pk.data, .data_size_in = pk.caplen,
			  .data_out = out, .data_size_out = OUT_CAP, .ingress_ifindex = cfg.ifindex,
			  .rx_queue_index = cfg.rxq, .repeat = cfg.repeat);
		json_t *p = NULL;
		int err;

		err = uxdp_prog__test_run(prog, ex, &topts);
		if (cfg.json) {
			p = json_object();
			json_object_set_new(p, "index", json_integer(index));
		}
		if (err) {
			char msg[160];

			errors++;
			if (pk.caplen < 14)
				snprintf(msg, sizeof(msg),
					 "packet of %u bytes is shorter than an Ethernet header: %s",
					 pk.caplen, strerror(-err));
			else
				snprintf(msg, sizeof(msg), "test run failed: %s", strerror(-err));
			if (p)
				json_object_set_new(p, "error", json_string(msg));
			else
				printf("%6u  error: %s\n", index, msg);
		} else {
			uint32_t len = topts.data_size_out < OUT_CAP ? topts.data_size_out : OUT_CAP;

			if (topts.retval <= XDP_REDIRECT)
				counts[topts.retval]++;
			else
				unknown++;
			if (p) {
				char *hex = uxdp_hex_encode(out, len);

				json_object_set_new(p, "action", json_integer(topts.retval));
				json_object_set_new(p, "action_name",
						    json_string(uxdp_xdp_action_name(topts.retval)));
				json_object_set_new(p, "len", json_integer(topts.data_size_out));
				json_object_set_new(p, "data", json_string(hex ? hex : ""));
				if (cfg.repeat > 1)
					json_object_set_new(p, "duration_ns",
							    json_integer((json_int_t)topts.duration_ns));
				free(hex);
			} else {
				printf("%6u  %-13s %6u", index, uxdp_xdp_action_name(topts.retval),
				       topts.data_size_out);
				if (cfg.repeat > 1)
					printf("  %6" PRIu64, topts.duration_ns);
				printf("\n");
			}
			if (dump) {
				struct pcap_packet op = pk;

				op.data = out;
				op.caplen = op.len = len;
				pcap_writer_write(dump, &op);
			}
		}
		if (p)
			json_array_append_new(packets, p);
		drain_maps(obj, &sink);
		index++;
	}
	if (rc < 0) {
		cli_err("--in %s: packet %u: %s", cfg.in, index, errbuf);
		goto out;
	}

	if (cfg.json) {
		json_t *maps = json_object();

		for (size_t m = 0; m < uxdp_object__map_cnt(obj); m++) {
			struct uxdp_map *map = uxdp_object__map(obj, m);
			json_t *ents;

			if (!uxdp_map_json_dumpable(map))
				continue;
			ents = uxdp_map_json_dump(map);
			if (!ents) {
				cli_err("test-run: cannot dump map '%s'", uxdp_map__name(map));
				goto out;
			}
			json_object_set_new(maps, uxdp_map__name(map), ents);
		}
		json_object_set_new(root, "maps", maps);
		json_object_set(root, "events", sink.events);
		json_dumpf(root, stdout, JSON_COMPACT);
		printf("\n");
	} else {
		printf("\n%u packets:", index);
		for (uint32_t a = 0; a <= XDP_REDIRECT; a++)
			if (counts[a])
				printf(" %s %" PRIu64, uxdp_xdp_action_name(a), counts[a]);
		if (unknown)
			printf(" unknown-action %" PRIu64 " (treated as XDP_ABORTED)", unknown);
		if (errors)
			printf(" errors %" PRIu64, errors);
		printf("\n");
	}
	status = 0;
out:
	pcap_writer_close(dump);
	pcap_reader_close(in);
	json_decref(packets);
	json_decref(sink.events);
	json_decref(root);
	free(out);
	uxdp_exec__free(ex);
	uxdp_object__close(obj);
	return status;
}
