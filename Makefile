# IMPACT-Régions: `make reports` builds everything, `make test` runs the tests, `make lint` checks the code.
# All create the virtual environment .venv/ first (Python >= 3.11 with venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)

# System libraries WeasyPrint needs (Pango; HarfBuzz's subsetter for small, reproducible fonts)
SYSTEM_LIBS := libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 python3-venv

.PHONY: setup system-deps reports test lint fuzz demo-data bench bench-scale table readme-check clean

system-deps:
	@missing=""; for lib in $(SYSTEM_LIBS); do ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages for:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "Please install: apt-get install $(APT_PACKAGES)"; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES); \
	fi

$(STAMP): pyproject.toml | system-deps
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found " + sys.version.split()[0] + ")")'
	@$(PYTHON) -m venv $(VENV) || { echo "Cannot create a virtual environment: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

reports: $(STAMP)
	$(BIN)/snakemake

test: $(STAMP)
	$(BIN)/python -m pytest

# Formatting and lint of the whole tree, line length 120 (pyproject.toml [tool.ruff], [tool.snakefmt]).
# To fix: .venv/bin/ruff format . && .venv/bin/ruff check --fix . && .venv/bin/snakefmt Snakefile workflow/rules
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/snakefmt --check Snakefile workflow/rules

# Long fuzz run of the readers (tests/test_fuzz_readers.py): FUZZ_EXAMPLES random examples per
# test (default 2000, about 12 minutes on 2 cores), with hypothesis's statistics per test.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider \
	  tests/test_fuzz_readers.py --hypothesis-show-statistics -q

# Print one processed table: make table T=survey_estimates (after make reports)
T ?= fragility_indices
table: $(STAMP)
	@test -f data/processed/$(T).parquet || { echo "data/processed/$(T).parquet not found: run make reports first (tables: see README, Outputs)"; exit 1; }
	@$(BIN)/python -c 'import sys, pandas as pd; pd.set_option("display.width", 200); pd.set_option("display.max_columns", 20); df = pd.read_parquet(sys.argv[1]); print(df); print(sys.argv[1], len(df), "rows, columns:", ", ".join(df.columns))' data/processed/$(T).parquet

# The README's shell commands, run on a fresh clone of HEAD (tests/readme_commands.py; 10 to 20 minutes).
# README_CHECK_ARGS: e.g. --keep-going, --keep, --skip-command "make test" (see the script's --help)
README_CHECK_ARGS ?=
readme-check:
	$(PYTHON) tests/readme_commands.py $(README_CHECK_ARGS)

demo-data: $(STAMP)
	$(BIN)/python -m impact_regions.demo_data --out data/raw

bench: $(STAMP)
	$(BIN)/python benchmarks/benchmark.py

# base tables on a generated national survey of 1,000,000 inhabitants (in a temporary directory)
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf data/processed logs .snakemake reports/*.pdf reports/index.html
