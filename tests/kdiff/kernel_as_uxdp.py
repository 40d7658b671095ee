#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Stand-in for `uxdp test-run` that runs kernel_run instead.

compare.py --uxdp tests/kdiff/kernel_as_uxdp.py (with KDIFF_KERNEL_RUN set to
the kernel_run binary) compares the kernel against itself: this checks the
comparator and that every test program is deterministic where the
comparison expects it to be (the kdiff-self suite).
"""
import os
import sys

args = sys.argv[1:]
if args[:1] == ["test-run"]:
    args = args[1:]
out = []
skip_next = False
for a in args:
    if skip_next:
        skip_next = False
        continue
    if a in ("--cpus", "--engine"):
        skip_next = True
        continue
    out.append(a)
kr = os.environ["KDIFF_KERNEL_RUN"]
os.execv(kr, [kr] + out)
