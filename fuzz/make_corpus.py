#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copy the loader test objects into a seed-corpus directory: make_corpus.py OUTDIR FILE...
import os
import shutil
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for path in sys.argv[2:]:
    shutil.copyfile(path, os.path.join(out, os.path.basename(path)))
