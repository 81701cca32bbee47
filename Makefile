# s7kit top-level targets.  `make demo` and `make test` are the two set-up commands.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= 2
CMAKE_ARGS ?=
# cmake --build runs make under this make: without this each of its sub-makes prints
# "gmake[N]: Entering/Leaving directory" (over 100 lines in make demo's build)
MAKEFLAGS  += --no-print-directory

.PHONY: all build deps deps-demo format check-format test test-fast test-asan test-package check-layers demo bench bench-server bench-exchange bench-lines bench-partner bench-simulate bench-guard fuzz clean

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# Debian packages (when root) and npm peers into tests/node/node_modules; the list, with
# what needs each package: scripts/deps.sh --list.
deps:
	scripts/deps.sh

# Only what the demo needs (the build).
deps-demo:
	scripts/deps.sh --demo

# Everything: the suite in a normal build (warnings as errors), the package checks (Release
# builds with gcc and clang, install, examples), then the suite again under ASan+UBSan.
test: deps
	$(MAKE) build CMAKE_ARGS="-DS7_WERROR=ON $(CMAKE_ARGS)"
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) test-package
	$(MAKE) test-asan CMAKE_ARGS="-DS7_WERROR=ON $(CMAKE_ARGS)"

# s7kit as a package: Release builds with gcc and clang, install into a temporary prefix,
# the examples against it (find_package and pkg-config), the library alone via add_subdirectory.
test-package:
	JOBS=$(JOBS) scripts/test-package.sh

# The C sources against .clang-format: rewrite them, or list what differs.
format:
	scripts/check-format.sh --fix

check-format:
	scripts/check-format.sh

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L 'unit|fuzz|lint'

# Every #include points down the layers (docs/design.md section 1; also a build step).
check-layers:
	python3 scripts/check-layers.py

test-asan:
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DS7_SANITIZE=ON -DS7_BENCH=OFF $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

demo: deps-demo build
	scripts/demo.sh $(BUILD)

# The client against the Snap7 client (both reading a Snap7 server), with the loopback floor.
bench: deps build
	scripts/bench.sh $(BUILD)

# s7 server against the Snap7 server (load generator, CPU per request, memory per connection).
bench-server: deps build
	bench/load/run.sh $(BUILD)

# The exchange engine (s7 exchange) against one Snap7 client per CPU, and a GET between two
# CPUs against the loopback floor and Snap7 (bench/exchange/xbench.c); then the user-space
# time the emulated CPU spends on a read after sleeping, against an echo
# (bench/exchange/coldprobe.c).
bench-exchange: deps build
	$(BUILD)/bench/exchange/s7xbench
	$(BUILD)/bench/s7coldprobe

# Case a's engine counted under valgrind (instructions and cache lines per CPU and cycle):
# compare two builds without the machine's timing noise.
bench-lines: deps build
	bench/exchange/cachelines.sh $(BUILD)
	bench/exchange/coldlines.sh $(BUILD)

# BSEND of 65,534 bytes: s7kit partner -> s7kit partner against Snap7 -> Snap7 (root: Snap7's
# passive partner listens on port 102 only).
bench-partner: deps build
	$(BUILD)/bench/s7bench-partner

# s7 inventory simulate: 100 CPUs, 300 exchanges (in namespaces as root): up, CPU, RSS
bench-simulate: build
	$(BUILD)/bench/simulate/s7bench-simulate --s7 $(BUILD)/bin/s7

# s7 guard against direct and HAProxy (TCP mode) on one emulated CPU (issue 12)
bench-guard: deps build
	bench/guard/run.sh $(BUILD)

# libFuzzer builds (clang): make fuzz, then build-fuzz/fuzz/fuzz_<name> corpus dir.  Static
# library only: clang does not link the sanitizer runtimes into a shared library, so libs7.so
# (linked with --no-undefined) cannot be built with -fsanitize=fuzzer-no-link,address.
fuzz:
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DS7_FUZZ=ON -DS7_BENCH=OFF -DS7_BUILD_SHARED=OFF >/dev/null
	cmake --build build-fuzz -j$(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz
