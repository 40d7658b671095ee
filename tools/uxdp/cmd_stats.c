// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp stats [--watch [SEC]] [--count N] [--json]`: uxdpd's counters per
 * port and RX queue — packets per verdict, redirect errors, page_pool state —
 * once, or every SEC seconds with rates (packets per second over the
 * interval, from the daemon's own clock). --json prints the daemon's snapshot
 * (one JSON object per line when watching, with "rates" added to each queue
 * and total and "interval_ns" at the top). Application sockets bound through
 * uxdpd (uxdp/xsk.h) get a table of their own: rx, tx, rx_dropped,
 * rx_ring_full, fill_ring_empty, tx_invalid (totals since bind).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl_proto.h"
#include "uxdp_cli.h"

/* Counters that get a rate. */
static const char *const rated[] = {"rx_packets", "rx_bytes", "drop",	 "pass",	 "tx",
				    "redirect",	  "aborted",  "invalid", "redirect_err", "tx_err"};
#define N_RATED (sizeof(rated) / sizeof(rated[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: uxdp stats [--watch [SEC]] [--count N] [--json] [--ctl SOCKET]\n");
}

static uint64_t u64(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static void fmt_num(char *buf, size_t n, double v)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else
		snprintf(buf, n, "%.0f", v);
}

/* rates of cur against prev over sec seconds, as a JSON object */
static json_t *rates(const json_t *cur, const json_t *prev, double sec)
{
	json_t *r = json_object();

	for (size_t i = 0; i < N_RATED; i++) {
		double d = prev ? (double)(u64(cur, rated[i]) - u64(prev, rated[i])) : 0;

		json_object_set_new(r, rated[i], json_real(sec > 0 ? round(d / sec * 10) / 10 : 0));
	}
	return r;
}

static void print_row(const char *q, const char *w, const json_t *o, const json_t *r)
{
	static const char *const cols[] = {"rx_packets", "drop",    "pass",	   "tx",
					   "redirect",	 "aborted", "redirect_err"};
	char b[32];

	printf("  %5s %6s", q, w);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		fmt_num(b, sizeof(b),
			r ? json_real_value(json_object_get(r, cols[i])) : (double)u64(o, cols[i]));
		printf(" %10s", b);
	}
}

/* Application sockets (uxdp/xsk.h): one row each, counters since bind. */
static void print_sockets(const json_t *socks)
{
	static const char *const cols[] = {
		"rx", "tx", "rx_dropped", "rx_ring_full", "fill_ring_empty", "tx_invalid"};
	const json_t *s;
	size_t i;

	if (!json_array_size(socks)) {
		printf("sockets: none\n");
		return;
	}
	printf("sockets:\n  %4s %-12s %5s %8s %6s %-9s %10s %10s %10s %12s %15s %10s\n", "id",
	       "port", "queue", "pid", "uid", "mode", "rx", "tx", "rx_dropped", "rx_ring_full",
	       "fill_ring_empty", "tx_invalid");
	json_array_foreach(socks, i, s)
	{
		const char *port = json_string_value(json_object_get(s, "port"));
		const char *mode = json_string_value(json_object_get(s, "mode"));
		int w[] = {10, 10, 10, 12, 15, 10};
		char b[32];

		printf("  %4llu %-12s %5llu %8llu %6llu %-9s", (unsigned long long)u64(s, "id"),
		       port ? port : "?", (unsigned long long)u64(s, "queue"),
		       (unsigned long long)u64(s, "pid"), (unsigned long long)u64(s, "uid"),
		       mode ? mode : "?");
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			fmt_num(b, sizeof(b), (double)u64(s, cols[c]));
			printf(" %*s", w[c], b);
		}
		printf("\n");
	}
}

static void print_text(const json_t *root, double sec)
{
	json_t *ports = json_object_get(root, "ports"), *p, *ctl = json_object_get(root, "ctl");
	size_t i, k;

	if (sec > 0)
		printf("uxdp stats: packets per second over %.2f s\n", sec);
	else
		printf("uxdp stats: packets since start\n");
	json_array_foreach(ports, i, p)
	{
		json_t *prog = json_object_get(p, "program"), *q,
		       *tot = json_object_get(p, "total");
		char buf[16];

		printf("port %s (%s, ifindex %llu): %s%s\n",
		       json_string_value(json_object_get(p, "name")),
		       json_string_value(json_object_get(p, "spec")),
		       (unsigned long long)u64(p, "ifindex"),
		       json_is_string(prog) ? "program " : "no program (PASS)",
		       json_is_string(prog) ? json_string_value(prog) : "");
		if (json_string_length(json_object_get(p, "mode")))
			printf("  mode: %s\n", json_string_value(json_object_get(p, "mode")));
		if (u64(tot, "rx_errors") || u64(tot, "rx_kernel_drops"))
			printf("  rx_errors %llu, rx_kernel_drops %llu (dropped by the kernel)\n",
			       (unsigned long long)u64(tot, "rx_errors"),
			       (unsigned long long)u64(tot, "rx_kernel_drops"));
		printf("  %5s %6s %10s %10s %10s %10s %10s %10s %10s %10s %s\n", "queue", "worker",
		       "rx", "drop", "pass", "tx", "redirect", "aborted", "redir_err", "rx_total",
		       "pool in_flight/frames");
		json_array_foreach(json_object_get(p, "queues"), k, q)
		{
			json_t *pool = json_object_get(q, "page_pool");
			char qs[16], ws[16];

			snprintf(qs, sizeof(qs), "%llu", (unsigned long long)u64(q, "queue"));
			snprintf(ws, sizeof(ws), "%llu", (unsigned long long)u64(q, "worker"));
			print_row(qs, ws, q, sec > 0 ? json_object_get(q, "rates") : NULL);
			fmt_num(buf, sizeof(buf), (double)u64(q, "rx_packets"));
			printf(" %10s %llu/%llu\n", buf, (unsigned long long)u64(pool, "in_flight"),
			       (unsigned long long)u64(pool, "frames_total"));
		}
		print_row("total", "", tot, sec > 0 ? json_object_get(tot, "rates") : NULL);
		fmt_num(buf, sizeof(buf), (double)u64(tot, "rx_packets"));
		printf(" %10s\n", buf);
	}
	print_sockets(json_object_get(root, "sockets"));
	printf("control: %llu requests, %llu refused, %llu connections, %llu kicks\n",
	       (unsigned long long)u64(ctl, "requests"), (unsigned long long)u64(ctl, "refused"),
	       (unsigned long long)u64(ctl, "connections"), (unsigned long long)u64(ctl, "kicks"));
	fflush(stdout);
}

/* Add "rates" to every queue and total of cur, against prev. */
static void add_rates(json_t *cur, const json_t *prev, double sec)
{
	json_t *ports = json_object_get(cur, "ports"), *p;
	size_t i, k;

	json_array_foreach(ports, i, p)
	{
		json_t *pp = prev ? json_array_get(json_object_get(prev, "ports"), i) : NULL, *q;

		json_object_set_new(json_object_get(p, "total"), "rates",
				    rates(json_object_get(p, "total"),
					  pp ? json_object_get(pp, "total") : NULL, sec));
		json_array_foreach(json_object_get(p, "queues"), k, q)
		{
			json_t *pq = pp ? json_array_get(json_object_get(pp, "queues"), k) : NULL;

			json_object_set_new(q, "rates", rates(q, pq, sec));
		}
	}
}

int cmd_stats(int argc, char **argv)
{
	struct uxdp_ctl_hdr m = {.type = UXDP_CTL_STATS};
	const char *ctl = NULL;
	double interval = 0;
	long count = 0;
	bool json = false, watch = false;
	json_t *prev = NULL;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--watch")) {
			watch = true;
			interval = 1;
			if (i + 1 < argc && argv[i + 1][0] != '-') {
				interval = strtod(argv[++i], &end);
				if (*end || !(interval >= 0.05 && interval <= 3600)) {
					cli_err("stats: --watch: '%s' is not a number of seconds "
						"in "
						"0.05..3600",
						argv[i]);
					return 2;
				}
			}
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtol(argv[++i], &end, 10);
			if (*end || count < 1) {
				cli_err("stats: --count: '%s' is not a positive number", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			ctl = argv[++i];
		} else {
			cli_err("stats: unknown or incomplete option '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (count && !watch) {
		cli_err("stats: --count needs --watch");
		return 2;
	}
	/* Watching: one snapshot to start from, then count reports. */
	for (long n = 0; !watch || !count || n <= count; n++) {
		char *text;
		int rc = cli_ctl_call(ctl, &m, sizeof(m), &text);
		json_t *cur;
		double sec = 0;

		if (rc) {
			json_decref(prev);
			return cli_finish(rc, text);
		}
		cur = json_loads(text, 0, NULL);
		free(text);
		if (!json_is_object(cur)) {
			cli_err("stats: the daemon's reply is not a JSON object");
			json_decref(cur);
			json_decref(prev);
			return 1;
		}
		if (prev)
			sec = (double)(u64(cur, "time_ns") - u64(prev, "time_ns")) / 1e9;
		if (watch)
			add_rates(cur, prev, sec);
		if (!watch || prev) {
			if (json) {
				char *s;

				if (watch)
					json_object_set_new(cur, "interval_ns",
							    json_integer((json_int_t)(sec * 1e9)));
				s = json_dumps(cur, JSON_COMPACT);
				if (s)
					puts(s);
				free(s);
				fflush(stdout);
			} else {
				print_text(cur, sec);
			}
		}
		json_decref(prev);
		prev = cur;
		if (!watch)
			break;
		if (!count || n < count) {
			struct timespec ts = {(time_t)interval,
					      (long)((interval - (double)(time_t)interval) * 1e9)};

			nanosleep(&ts, NULL);
		}
	}
	json_decref(prev);
	return 0;
}
