// SPDX-License-Identifier: BSD-2-Clause
/*
 * `uxdp attach PORT OBJECT.o [--prog NAME]` and `uxdp detach PORT`: ask uxdpd
 * to load an object and run one of its programs on a live port (an atomic
 * replace: every frame is processed once, by the old or the new program), or
 * to go back to no program. Also the control-socket helper every daemon verb
 * uses (--ctl PATH, else $UXDP_CTL, else the default path).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl_proto.h"
#include "uxdp_cli.h"

const char *cli_ctl_path(const char *opt)
{
	const char *env = getenv("UXDP_CTL");

	return opt ? opt : env && env[0] ? env : UXDP_CTL_DEFAULT_PATH;
}

int cli_ctl_call(const char *ctl, void *msg, size_t len, char **text)
{
	char err[512];
	int fd = uxdp_ctl_connect(cli_ctl_path(ctl), err, sizeof(err)), rc;

	*text = NULL;
	if (fd < 0) {
		*text = strdup(err);
		return fd;
	}
	rc = uxdp_ctl_call(fd, msg, len, text);
	close(fd);
	return rc;
}

/* Copy a name into a fixed protocol field; false if it does not fit. */
bool cli_set_name(char *field, const char *name, const char *what)
{
	if (strlen(name) >= UXDP_CTL_NAME_MAX) {
		cli_err("%s '%s' is longer than %d characters", what, name, UXDP_CTL_NAME_MAX - 1);
		return false;
	}
	strcpy(field, name);
	return true;
}

int cli_finish(int rc, char *text)
{
	if (rc) {
		size_t n = text ? strlen(text) : 0;

		if (n && text[n - 1] == '\n')
			text[n - 1] = '\0';
		cli_err("%s", text ? text : strerror(-rc));
		free(text);
		return 1;
	}
	if (text)
		fputs(text, stdout);
	free(text);
	return 0;
}

static void attach_usage(FILE *f)
{
	fprintf(f, "usage: uxdp attach PORT OBJECT.o [--prog NAME] [--ctl SOCKET]\n");
}

int cmd_attach(int argc, char **argv)
{
	const char *port = NULL, *obj = NULL, *prog = NULL, *ctl = NULL;
	struct uxdp_ctl_attach *m;
	char path[PATH_MAX], *text;
	size_t plen, len;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			attach_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--prog") && i + 1 < argc) {
			prog = argv[++i];
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			ctl = argv[++i];
		} else if (argv[i][0] == '-') {
			cli_err("attach: unknown or incomplete option '%s'", argv[i]);
			attach_usage(stderr);
			return 2;
		} else if (!port) {
			port = argv[i];
		} else if (!obj) {
			obj = argv[i];
		} else {
			cli_err("attach: unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	if (!port || !obj) {
		cli_err("attach: missing %s", port ? "OBJECT.o" : "PORT");
		attach_usage(stderr);
		return 2;
	}
	/* The daemon has another working directory: send an absolute path. */
	if (!realpath(obj, path)) {
		cli_err("attach: %s: %s", obj, strerror(errno));
		return 1;
	}
	plen = strlen(path) + 1;
	len = sizeof(*m) + plen;
	m = calloc(1, len);
	if (!m)
		return 1;
	m->hdr.type = UXDP_CTL_ATTACH;
	if (!cli_set_name(m->port, port, "port") ||
	    (prog && !cli_set_name(m->prog, prog, "--prog"))) {
		free(m);
		return 2;
	}
	m->path_len = (uint32_t)plen;
	memcpy(m->path, path, plen);
	rc = cli_ctl_call(ctl, m, len, &text);
	free(m);
	return cli_finish(rc, text);
}

int cmd_detach(int argc, char **argv)
{
	struct uxdp_ctl_detach m = {.hdr.type = UXDP_CTL_DETACH};
	const char *port = NULL, *ctl = NULL;
	char *text = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: uxdp detach PORT [--ctl SOCKET]\n");
			return 0;
		} else if (!strcmp(argv[i], "--ctl") && i + 1 < argc) {
			ctl = argv[++i];
		} else if (argv[i][0] == '-' || port) {
			cli_err("detach: unexpected argument '%s'", argv[i]);
			return 2;
		} else {
			port = argv[i];
		}
	}
	if (!port) {
		cli_err("detach: missing PORT (usage: uxdp detach PORT [--ctl SOCKET])");
		return 2;
	}
	if (!cli_set_name(m.port, port, "port"))
		return 2;
	rc = cli_ctl_call(ctl, &m, sizeof(m), &text);
	return cli_finish(rc, text);
}
