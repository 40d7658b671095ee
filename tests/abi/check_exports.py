#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ABI check of libuxdp.so: every function a public header marks UXDP_API is
exported (declared but never implemented would fail here, not in a user's
link), and every exported function is declared in a public header (an
internal function made visible by mistake would fail here).

usage: check_exports.py LIBUXDP_SO INCLUDE_DIR
"""
import glob
import os
import re
import subprocess
import sys

lib, inc = sys.argv[1:3]
declared = set()
api = re.compile(r'UXDP_API\s+[^;{]*?\b(uxdp_\w+)\s*\(', re.S)
for h in glob.glob(os.path.join(inc, 'uxdp', '*.h')):
    text = open(h, encoding='utf-8').read()
    declared.update(api.findall(text))

out = subprocess.run(['nm', '-D', '--defined-only', lib], capture_output=True, text=True,
                     check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[1] in ('T', 'W'):
        exported.add(parts[2].split('@')[0])

missing = sorted(declared - exported)
extra = sorted(s for s in exported - declared)
for s in missing:
    print(f'declared UXDP_API but not exported: {s}')
for s in extra:
    print(f'exported but not declared in include/uxdp: {s}')
print(f'{len(declared)} declared, {len(exported)} exported')
sys.exit(1 if missing or extra else 0)
