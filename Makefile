# Every target installs what it needs: a fresh machine needs only Python 3.11+ and make.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN := $(UV) run --frozen

.PHONY: setup test lint demo bench reliability clean tools

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

setup: $(UV)
	$(UV) sync --frozen --all-groups

lint: setup
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench
	$(RUN) mypy

# The operations tests render the HTML report in headless Chromium and check systemd units
# with systemd-analyze: install both when missing (Debian/Ubuntu package names).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
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

reliability: setup
	@summary=$$(mktemp); \
	PANCERT_SOAK_RUNS=$${PANCERT_SOAK_RUNS:-500} PANCERT_RELIABILITY_SUMMARY=$$summary \
	  $(RUN) pytest -q -n 2 tests/reliability; \
	status=$$?; cat $$summary; rm -f $$summary; exit $$status

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
