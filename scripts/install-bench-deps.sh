#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install what only the benchmarks need (`make bench`): DPDK's testpmd, to run
# beside the data path on net_null. Idempotent; `make check` never calls this.
# A failure is not fatal: the benchmark then says why testpmd is missing.
set -u

# dpdk-testpmd is in dpdk-dev on Debian (the dpdk package holds the runtime and its PMDs).
PKGS="dpdk dpdk-dev"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-bench-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y --no-install-recommends $missing ||
		echo "install-bench-deps: could not install$missing (testpmd will be skipped)"
fi
exit 0
