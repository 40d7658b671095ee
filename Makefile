# SPDX-License-Identifier: BSD-2-Clause
# Thin wrapper over meson/ninja. `make demo` and `make check` work on a fresh
# Debian machine: they install what is missing first.
#   build/      release build (gcc -O2): tools, demo, benchmarks
#   build-san/  clang + ASan/UBSan + libFuzzer instrumentation: what the tests run on

BUILD     ?= build
SAN_BUILD ?= build-san
FUZZ_SECONDS ?= 300

.PHONY: all deps build build-san demo check fuzz bench bench-dp format clean tsan

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Db_ndebug=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(SAN_BUILD)/build.ninja:
	CC=clang meson setup $(SAN_BUILD) --buildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true

build-san: deps $(SAN_BUILD)/build.ninja
	meson setup --reconfigure $(SAN_BUILD) >/dev/null
	ninja -C $(SAN_BUILD)

demo: build
	./examples/demo.sh $(BUILD)

check: build-san
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ASAN_OPTIONS=detect_leaks=1 \
		./scripts/run-tests.sh $(SAN_BUILD)

fuzz: build-san
	./fuzz/run.sh $(SAN_BUILD) $(FUZZ_SECONDS)

bench: build
	./bench/run.sh $(BUILD)
	$(MAKE) bench-dp

# The data path beside DPDK's testpmd on net_null (installs dpdk only here; check never needs it).
bench-dp: build
	@./scripts/install-bench-deps.sh
	./bench/dp_vs_testpmd.sh $(BUILD)

# The concurrent data-path tests (page_pool, rings, ports, workers) under ThreadSanitizer.
tsan: deps
	[ -f build-tsan/build.ninja ] || CC=clang meson setup build-tsan -Db_sanitize=thread \
		-Db_lundef=false
	ninja -C build-tsan tests/unit-mem tests/unit-port tests/unit-dp tests/unit-xsksrv
	TSAN_OPTIONS=halt_on_error=1 meson test -C build-tsan --no-rebuild --suite mem \
		--suite port --suite dp --suite xsksrv

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
