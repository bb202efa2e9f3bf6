# mksim: build, run and test. Every target installs what it needs first.
#   make quickstart   build (release) and run scenarios/quickstart.yaml
#   make test         run the test suite, optimized (plain `swift test` works too, slower)
#   make example      build and run examples/custom-scheduler (a policy outside mksim)
#   make bench        IPI-ring benchmark and allocation benchmark (docs/PERFORMANCE.md)
#   make show         build with the SDL2 display and open scenarios/quickstart.yaml's split kernels

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MKSIM := .build/release/mksim
# Python for test-side checkers (tests find it at .build-py/bin/python3).
PYENV := .build-py
PERFETTO_PY := 0.59.1
PROTOBUF_PY := 7.36.2
# Test-side checkers: screenshots of the HTML report (Pillow), the scenario schema
# (jsonschema, with YAML 1.2 as mksim reads it: ruamel.yaml).
CHECKERS_PY := perfetto==$(PERFETTO_PY) protobuf==$(PROTOBUF_PY) pillow==12.0.0 jsonschema==4.25.1 ruamel.yaml==0.18.16

.PHONY: deps build quickstart run test show show-build slurm-test fuzz-build fuzz fuzz-fast-build fuzz-fast fuzz-smoke bench peers docs example clean

# Capstone (a required system library) comes from Debian's libcapstone-dev; xz and gzip
# read the compressed trace fixtures; the tests import rt-app's examples and trace a
# freshly built program with valgrind (gcc).
deps:
	@if ! pkg-config --exists capstone 2>/dev/null || ! pkg-config --exists zlib 2>/dev/null || ! command -v xz >/dev/null || ! command -v gzip >/dev/null \
		|| [ ! -d /usr/share/doc/rt-app/examples ] || ! command -v valgrind >/dev/null || ! command -v gcc >/dev/null; then \
		echo "installing libcapstone-dev, zlib1g-dev, pkg-config, xz-utils, gzip, rt-app, valgrind, gcc (apt)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libcapstone-dev zlib1g-dev pkg-config xz-utils gzip rt-app valgrind gcc; \
	fi
	@# The report test renders the HTML report in headless Chromium, with a font for its text.
	@if ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/truetype/dejavu ]; then \
		echo "installing chromium, fonts-dejavu-core (apt)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; \
	fi
	@# The timeline test reads mksim's Perfetto traces with Perfetto's own protos (PyPI), in a venv;
	@# the report and schema tests check with Pillow, jsonschema and ruamel.yaml.
	@if ! $(PYENV)/bin/python3 -c "import perfetto.protos.perfetto.trace.perfetto_trace_pb2, PIL, jsonschema, ruamel.yaml" 2>/dev/null; then \
		echo "installing $(CHECKERS_PY) (PyPI) into $(PYENV)"; \
		if ! python3 -m venv $(PYENV) 2>/dev/null; then \
			$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3 python3-venv && \
			rm -rf $(PYENV) && python3 -m venv $(PYENV); \
		fi; \
		$(PYENV)/bin/pip install -q $(CHECKERS_PY); \
	fi

build: deps
	$(SWIFT) build -c release --product mksim

quickstart: build
	$(MKSIM) run scenarios/quickstart.yaml

# make run SCENARIO=scenarios/unlink-two-sockets.yaml ARGS="--out out/unlink"
run: build
	$(MKSIM) run $(SCENARIO) $(ARGS)

# Optimized: the suite runs every shipped scenario (memory microbenchmarks walk millions of
# lines), ten times faster than a debug build; -enable-testing keeps @testable imports.
# A scratch path of its own keeps the release build of `make build` untouched.
# With SDL2 installed (make show-build), the Display build is brought up to date first:
# the display tests run it (offscreen frames, and the window under xvfb-run).
test: deps
	@if pkg-config --exists sdl2 2>/dev/null; then $(SWIFT) build -c release --traits Display --scratch-path .build-sdl --product mksim; \
		else echo "SDL2 not installed: the display's SDL tests are skipped (make show-build installs it)"; fi
	$(SWIFT) test -c release -Xswiftc -enable-testing --scratch-path .build-test

# The display (`mksim show`): SDL2 behind the package trait Display, in a build of its own;
# xvfb for a window without a screen (tests, screenshots).
SDL_MKSIM := .build-sdl/release/mksim
show-build: deps
	@if ! pkg-config --exists sdl2 2>/dev/null || ! command -v xvfb-run >/dev/null; then \
		echo "installing libsdl2-dev, xvfb (apt)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libsdl2-dev xvfb xauth; \
	fi
	$(SWIFT) build -c release --traits Display --scratch-path .build-sdl --product mksim

# make show SCENARIO=scenarios/tutorial/05-messages.yaml ARGS="--variant linux"
show: show-build
	$(SDL_MKSIM) show $(or $(SCENARIO),scenarios/quickstart.yaml) $(or $(ARGS),--variant split)

# A sweep as a Slurm job array on a one-node Slurm this target brings up (root; installs
# slurm-wlm and munge), merged and checked against a local sweep (examples/slurm/).
slurm-test: build
	sh scripts/slurm-test.sh $(MKSIM)

# Coverage-guided fuzzing of every reader of user input (docs/fuzzing.md): the targets
# built with libFuzzer and AddressSanitizer, seeded from the shipped files.
FUZZ_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing
fuzz-build: build
	$(SWIFT) build -c release --package-path Fuzz $(FUZZ_FLAGS)
	sh Fuzz/make-corpus.sh $(MKSIM)

# make fuzz TARGET=scenario RUNS=1000000
fuzz: fuzz-build
	sh Fuzz/run.sh $(or $(TARGET),all) -runs=$(or $(RUNS),1000000)

# The same targets with libFuzzer alone (no AddressSanitizer): 3-6 times the executions a
# second, for the million-execution runs of the slow readers; Swift's own checks (bounds,
# overflow, exclusivity) still trap. make fuzz-fast TARGET=rt-app RUNS=1000000
fuzz-fast-build: build
	$(SWIFT) build -c release --package-path Fuzz --scratch-path Fuzz/.build-fast -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -enable-testing
	sh Fuzz/make-corpus.sh $(MKSIM)
fuzz-fast: fuzz-fast-build
	FUZZ_BIN=Fuzz/.build-fast/release/mksim-fuzz sh Fuzz/run.sh $(or $(TARGET),all) -runs=$(or $(RUNS),1000000)

# CI: every target for 40 s.
fuzz-smoke: fuzz-build
	sh Fuzz/run.sh all -max_total_time=40

# The scenario's exact-count expectation is for its own 5 ms at N=64; these longer runs
# measure speed, so exit 1 (an expectation off) is expected, other codes are not.
bench: build
	$(MKSIM) run scenarios/bench/ipi-ring.yaml --set duration=500ms || [ $$? -eq 1 ]
	$(MKSIM) run scenarios/bench/ipi-ring.yaml --set machine.cores_per_socket=1024 --set duration=50ms || [ $$? -eq 1 ]
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

# A scheduling policy in a package of its own that depends on mksim (docs/schedulers.md).
example: deps
	cd examples/custom-scheduler && $(SWIFT) run -c release custom-scheduler scenario.yaml

# The peers of shared/peers (SimPy, SimGrid, plain C), measured the same way.
peers: deps
	@pkg-config --exists simgrid 2>/dev/null || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libsimgrid-dev)
	@python3 -c "import simpy" 2>/dev/null || pip install -q simpy==4.1.2
	@# pycachesim, Benchmarks/trace-replay.py's peer (a C extension: python3-dev, gcc).
	@dpkg -s python3-dev >/dev/null 2>&1 || (DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-dev)
	@$(PYENV)/bin/python3 -c "import cachesim" 2>/dev/null || $(PYENV)/bin/pip install -q pycachesim==0.3.1
	@echo "trace replay against pycachesim: $(PYENV)/bin/python3 Benchmarks/trace-replay.py $(MKSIM) --l1-only"
	cd ../shared/peers && PEERS_BIN=$(CURDIR)/.build/peers sh build.sh && PEERS_BIN=$(CURDIR)/.build/peers python3 bench.py

# Regenerate docs/machines.md from the presets.
docs: build
	MKSIM=$(MKSIM) sh scripts/machines-doc.sh

clean:
	rm -rf .build Benchmarks/.build
