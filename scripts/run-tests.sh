#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Run every registered test of a build directory and end with the summary
# line "N passed, N failed". Under CI=true a skipped test counts as failed.
set -u
BUILD=${1:?usage: run-tests.sh BUILD_DIR [meson test args]}
shift
meson test -C "$BUILD" --print-errorlogs --num-processes "${UXDP_TEST_JOBS:-2}" "$@"
rc=$?
python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, os, sys
ci = os.environ.get("CI") == "true"
passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        res = r["result"]
        if res in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif res == "SKIP":
            skipped += 1
            if ci:
                print(f"skipped under CI (counted as failed): {r['name']}")
        else:
            failed += 1
if ci:
    failed += skipped
    skipped = 0
if skipped:
    print(f"{skipped} skipped (not counted as passed)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
prc=$?
[ $rc -ne 0 ] && exit $rc
exit $prc
