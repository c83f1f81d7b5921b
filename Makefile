# IMPACT-Régions: `make reports` builds everything, `make test` runs the tests.
# Both create the virtual environment .venv/ first (Python >= 3.11 with venv).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup reports test demo-data bench clean

$(STAMP): pyproject.toml
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

demo-data: $(STAMP)
	$(BIN)/python -m impact_regions.demo_data --out data/raw

bench: $(STAMP)
	$(BIN)/python benchmarks/benchmark.py

clean:
	rm -rf data/processed logs .snakemake reports/*.pdf reports/index.html
