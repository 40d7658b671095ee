#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Run the libFuzzer targets of a build for SECONDS each:  fuzz/run.sh BUILD SECONDS [TARGET...]
# (targets: elf_loader, jit_diff, verifier, ctl; default all)
# The corpus grows in BUILD/fuzz/corpus-<target> (seeded from the test objects);
# crash reproducers land in BUILD/fuzz/artifacts/. FUZZ_SEED=N fixes libFuzzer's seed
# (make check's brief runs use it, so the same build explores the same inputs each time;
# make fuzz leaves it random). Exit 0 only if nothing was found;
# exit 77 (skip) when the build has no fuzz targets (needs CC=clang -Dfuzz=true).
set -u
BUILD=${1:?usage: run.sh BUILD SECONDS}
SECS=${2:-60}
FUZZDIR=$BUILD/fuzz
status=0
found=0
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
TARGETS=${*:-elf_loader jit_diff verifier ctl}
for target in $TARGETS; do
	bin=$FUZZDIR/fuzz_$target
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin not built (configure with CC=clang -Dfuzz=true)" >&2
		continue
	fi
	found=1
	corpus=$FUZZDIR/corpus-$target
	mkdir -p "$corpus" "$FUZZDIR/artifacts"
	if [ -d "$FUZZDIR/${target}_corpus" ]; then
		cp -n "$FUZZDIR/${target}_corpus"/* "$corpus"/ 2>/dev/null || true
	fi
	echo "run.sh: fuzzing $target for ${SECS}s (corpus $corpus)"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$SECS" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
		-max_len=65536 -timeout=20 -rss_limit_mb=4096 \
		-print_final_stats=1 -artifact_prefix="$FUZZDIR/artifacts/$target-" "$corpus" \
		>"$FUZZDIR/$target.log" 2>&1
	rc=$?
	tail -n 15 "$FUZZDIR/$target.log"
	if [ $rc -ne 0 ]; then
		echo "run.sh: $target FAILED (exit $rc); see $FUZZDIR/$target.log and $FUZZDIR/artifacts/" >&2
		status=1
	fi
done
[ $found -eq 1 ] || exit 77
exit $status
