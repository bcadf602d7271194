# SPDX-License-Identifier: GPL-2.0-or-later
#
# A thin wrapper around meson, as nvme-cli has. `make test` and `make demo` set everything up on
# a fresh Debian machine: missing packages are installed by scripts/install-deps.sh.
NAME := intel-lm
BUILD ?= .build
MESON_OPTS ?= -Ddocs=man
DESTDIR ?=
FUZZ_SECONDS ?= 300

.PHONY: all deps setup build test check-kernel check-matrix check-trixie sanitize static fuzz demo bench soak install uninstall clean distclean

all: build

deps:
	@scripts/install-deps.sh test

$(BUILD)/build.ninja:
	@scripts/install-deps.sh test
	meson setup $(BUILD) --werror $(MESON_OPTS)

setup: $(BUILD)/build.ninja

build: setup
	meson compile -C $(BUILD)

# TEST_ARGS: more arguments for meson test (make check-trixie: --no-suite static).
test: build
	@scripts/run-tests.sh $(BUILD) $(TEST_ARGS)

check-kernel: build
	@scripts/run-tests.sh $(BUILD) --suite kernel

# The plugin in upstream nvme-cli 2.13 and 2.16 (with libnvme 1.13 and 1.16.2) from the tarballs
# in INTEL_LM_SOURCES (default ../shared/sources): built, cached, and run through the e2e suites.
check-matrix: build
	@scripts/check-matrix.sh $(BUILD)

# The README's two commands, the Debian packages and lintian in a Debian 13 (trixie) chroot
# made with debootstrap from the host's mirror (the base cached in /var/cache/intel-lm/trixie),
# with trixie's libnvme 1.13 and nvme-cli 2.13. Builds nothing here; logs in $(BUILD)/check-trixie.
check-trixie:
	@scripts/check-trixie.sh $(BUILD)

# Deliberate bugs (tests/mutants/) that the suites must each catch; slow, so not in make test.
.PHONY: check-mutants
check-mutants: build
	@scripts/check-mutants.sh $(BUILD)

sanitize: build
	@scripts/run-tests.sh $(BUILD) --suite sanitize

static: build
	@scripts/run-tests.sh $(BUILD) --suite static

fuzz: build
	@scripts/install-deps.sh test
	@tests/fuzz/run.sh . $(BUILD)/tests/quality/fuzz $(FUZZ_SECONDS)

demo: build
	@scripts/demo.sh $(BUILD)

# The model-based random checker (tests/model/README.md) for SOAK_STEPS steps, episodes of 150
# from seed SOAK_SEED (default: a random one, printed); a failing seed replays with
# CHECKER_SEED=N python3 tests/model/checker.py $(BUILD).
SOAK_STEPS ?= 100000
SOAK_SEED ?=
soak: build
	@python3 tests/model/checker.py $(BUILD) --total=$(SOAK_STEPS) --steps=150 --tmp=/dev/shm $(if $(SOAK_SEED),--seed=$(SOAK_SEED))

bench: build
	@python3 bench/run.py $(BUILD) full

install: build
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(DESTDIR))

clean:
	-meson compile -C $(BUILD) --clean

distclean:
	rm -rf $(BUILD)
