# backspasm — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES_RUN := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
APT_PACKAGES_TEST := chromium poppler-utils
APT_PACKAGES_BENCH := wrk hyperfine

.PHONY: run test bench setup setup-test lint clean

## run: set up and start the app (SQLite, embedded default)
run: setup
	$(VENV)/bin/backspasm serve

## test: set up everything (venv, Python, Debian and npm packages) and run every test
test: setup-test
	$(VENV)/bin/ruff check .
	node_modules/.bin/pyright
	$(PY) -m pytest

## bench: the benchmarks (tables on stdout; figures recorded in docs/benchmarks.md)
bench: setup-test .stamp-py-bench .stamp-deb-bench
	$(PY) bench/run_all.py

lint: setup-test
	$(VENV)/bin/ruff check .
	node_modules/.bin/pyright

setup: .stamp-py .stamp-deb-run
setup-test: setup .stamp-py-test .stamp-deb-test .stamp-npm

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

.stamp-py: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

.stamp-py-test: pyproject.toml .stamp-py
	$(PIP) install --quiet -e '.[test]'
	touch $@

.stamp-py-bench: pyproject.toml .stamp-py-test
	$(PIP) install --quiet -e '.[test,bench]'
	touch $@

# Debian packages: installed only when missing (apt-get update once first).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

.stamp-deb-run: Makefile
	$(call apt_install,$(APT_PACKAGES_RUN))
	touch $@

.stamp-deb-test: Makefile
	$(call apt_install,$(APT_PACKAGES_TEST))
	touch $@

.stamp-deb-bench: Makefile
	$(call apt_install,$(APT_PACKAGES_BENCH))
	touch $@

.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

clean:
	rm -rf $(VENV) node_modules .stamp-* .pytest_cache .hypothesis
