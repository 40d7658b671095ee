#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install the Debian packages uxdp needs, only those that are missing.
# Idempotent: a machine that has everything installs nothing.
set -eu

PKGS="meson ninja-build pkg-config gcc clang llvm libclang-rt-14-dev libelf-dev libbpf-dev \
libpcap-dev libjansson-dev zlib1g-dev bpftool iproute2 python3 \
ethtool iputils-ping procps libxdp-dev xdp-tools"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y --no-install-recommends $missing
fi
