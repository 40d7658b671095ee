#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Print "suite name" for every UXDP_TEST(name, suite) registration in the
# given C files, so meson can register each case as its own test.
import re
import sys

PATTERN = re.compile(r'^UXDP_TEST\((\w+),\s*(\w+)\)', re.M)
for path in sys.argv[1:]:
    with open(path, encoding='utf-8') as f:
        for name, suite in PATTERN.findall(f.read()):
            print(f'{suite} {name}')
