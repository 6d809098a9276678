# Every target installs what it needs: a fresh machine needs only Python 3.11+ and make.
SHELL := /bin/bash
# uv from PATH, else a copy in a private virtual environment: Debian 12 and other PEP 668
# systems refuse `pip install --user` into the system Python (https://peps.python.org/pep-0668/).
UV_VENV := $(HOME)/.cache/pancert/uv-venv
UV := $(shell command -v uv 2>/dev/null || echo "$(UV_VENV)/bin/uv")
RUN := $(UV) run --frozen

.PHONY: setup pebble test lint demo bench reliability mutate clean tools

$(UV):
	@python3 -c "import venv, ensurepip" 2>/dev/null || { \
	  echo "make: python3 has no venv module to install uv with; install it (Debian/Ubuntu: sudo apt-get install python3-venv) or install uv, then run make again" >&2; \
	  exit 1; }
	python3 -m venv --clear "$(UV_VENV)"
	"$(UV_VENV)/bin/python" -m pip install --quiet --disable-pip-version-check uv

# Bytecode is compiled once here: where PYTHONDONTWRITEBYTECODE is set (CI images often do),
# every `pancert` process — the tests start hundreds — would otherwise compile aiohttp,
# pydantic, cryptography and pancert itself from source again (about a second of CPU each).
setup: $(UV) pebble
	$(UV) sync --frozen --all-groups --compile-bytecode
	$(RUN) python -m compileall -q src

# The ACME sandbox and its tests run Debian's Pebble (pebble, pebble-challtestsrv) on loopback;
# where apt-get is missing (not Debian/Ubuntu) one line says so and setup goes on.
SUDO = $(shell [ "$$(id -u 2>/dev/null)" = 0 ] || echo sudo)
pebble:
	@command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null || { \
	  if command -v apt-get >/dev/null; then \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq pebble; \
	  else echo "make: Pebble not found and no apt-get: install pebble and pebble-challtestsrv for the ACME sandbox and tests" >&2; fi; }

lint: setup
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench
	$(RUN) mypy

# The operations tests render the HTML report in headless Chromium and check systemd units
# with systemd-analyze: install both when missing (Debian/Ubuntu package names).
tools:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v systemd-analyze >/dev/null 2>&1 || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: lint tools
	$(RUN) pytest -n 2 -q -m "not slow"

demo: setup
	$(RUN) pancert demo

# 1,000 certificates at half the preset's durations, plus the scaling run; see bench/README.md
BENCH_ARGS ?= --time-scale 0.5 --scaling 10,100,1000
bench: setup
	$(RUN) python -m bench $(BENCH_ARGS)

# Mutation testing of the core with mutmut, each module against the tests that exercise it;
# MODULES="plan naming" picks some (see scripts/mutate.py and docs/testing.md)
mutate: setup
	$(RUN) python scripts/mutate.py $(MODULES)

reliability: setup
	@summary=$$(mktemp); \
	PANCERT_SOAK_RUNS=$${PANCERT_SOAK_RUNS:-500} PANCERT_RELIABILITY_SUMMARY=$$summary \
	  $(RUN) pytest -q -n 2 tests/reliability; \
	status=$$?; cat $$summary; rm -f $$summary; exit $$status

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
