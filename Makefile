# Two commands do all the set-up on a fresh machine:
#   make synth   synthesize apps/environments/*.yaml into dist/ through `cdk8s synth`
#   make test    the whole test suite (what .ci/run calls); make test-fast leaves out the slow tests
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
DEBIAN_TOOLS := nginx dnsmasq syncthing redis-server busybox ssh-keygen
DEBIAN_PACKAGES := nginx-light dnsmasq-base syncthing redis-server busybox openssh-client
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Byte-compile what the runs import (the tests start many Python processes, and pytest rewrites the package's
# asserts, since it ships a pytest plugin): without it each process compiles the whole package anew.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: synth test test-fast deps debian schema bench clean

# Validate first: a bad file gets its one-line-per-problem report and exit status 2, not cdk8s-cli's stack.
synth: $(STAMP_PY) $(STAMP_NPM)
	@$(PY) apps/main.py --check
	npx cdk8s synth --no-check-upgrade

# Whole modules per worker (--dist loadfile): module fixtures are built once, and the fuzz module's two tests stay
# together. Handed out longest first, in the order tests/conftest.py sorts them (not xdist's by test count). Two
# workers on two cores; more where there are more (docs/performance.md has the suite's time).
PYTEST_PARALLEL := -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder
test: $(STAMP_PY) $(STAMP_NPM) debian
	$(PY) -m pytest -q $(PYTEST_PARALLEL) tests

# The edit loop: everything but the slow tests (wheel build, fuzzing, checkov); `make test` before pushing.
test-fast: $(STAMP_PY) $(STAMP_NPM) debian
	$(PY) -m pytest -q $(PYTEST_PARALLEL) -m "not slow" tests

deps: $(STAMP_PY) $(STAMP_NPM)

$(STAMP_PY): setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Real daemons that check the configurations we generate (nginx -t, dnsmasq --test, syncthing, redis).
debian:
	@missing=""; for tool in $(DEBIAN_TOOLS); do \
	  PATH="$$PATH:/usr/sbin:/sbin" command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES) >/dev/null; \
	fi

schema: $(STAMP_PY)
	$(PY) -m ovc_constructs schema > docs/environment.schema.json

# Synth time, jsii round trips and memory against a bare cdk8s app, with issue 13's goals (a measurement,
# not a test). BENCH_ARGS="--repeat 9 --python-O" runs more repetitions and adds rows under `python -O`.
bench: $(STAMP_PY)
	$(PY) bench/synth_bench.py $(BENCH_ARGS)

clean:
	rm -rf dist .cdk8s.out
