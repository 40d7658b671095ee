// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp map dump NAME [--port PORT] [--pretty]`: a map of the objects uxdpd
 * has loaded, by name, as JSON in the shape `bpftool -j map dump` prints:
 * [{"key": ["0x01", ...], "value": ["0x02", ...]}] with one string per byte,
 * and for per-CPU maps "values": [{"cpu": N, "value": [...]}]. --port picks
 * the object attached to that port when several objects have the map.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_proto.h"
#include "uxdp_cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: uxdp map dump NAME [--port PORT] [--pretty] [--ctl SOCKET]\n");
}

int cmd_map(int argc, char **argv)
{
	struct uxdp_ctl_map_dump m = {.hdr.type = UXDP_CTL_MAP_DUMP};
	const char *name = NULL, *port = "", *ctl = NULL;
	bool pretty = false;
	char *text;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "dump")) {
		cli_err("map: unknown subcommand '%s' (want dump)", argv[1]);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			port = argv[++i];
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			ctl = argv[++i];
		} else if (!strcmp(argv[i], "--pretty") || !strcmp(argv[i], "-p")) {
			pretty = true;
		} else if (argv[i][0] == '-' || name) {
			cli_err("map dump: unexpected argument '%s'", argv[i]);
			usage(stderr);
			return 2;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		cli_err("map dump: missing NAME");
		usage(stderr);
		return 2;
	}
	if (!cli_set_name(m.map, name, "map name") || !cli_set_name(m.port, port, "--port"))
		return 2;
	rc = cli_ctl_call(ctl, &m, sizeof(m), &text);
	if (!rc && pretty) {
		json_t *j = json_loads(text, 0, NULL);

		if (j) {
			free(text);
			text = json_dumps(j, JSON_INDENT(4));
			json_decref(j);
		}
	}
	if (!rc && text) {
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
		return 0;
	}
	return cli_finish(rc, text);
}
