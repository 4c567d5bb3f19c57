# The two commands of the README: `make run` and `make test`. Both set everything up first.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format sanitize db-start db-stop clean

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py scripts/setup-system.sh backend/gebiedsregie/stapeling/_noder.c
	./scripts/setup-system.sh
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/gebiedsregie db upgrade
	$(BIN)/gebiedsregie seed
	$(BIN)/gebiedsregie serve

# The browser tests drive Debian's chromium: installed for the tests only.
$(VENV)/.browser: scripts/setup-system.sh | $(STAMP)
	./scripts/setup-system.sh --browser
	touch $@

# QGIS itself (Debian's python3-qgis, headless) reads the OGC API in tests/ogc/test_qgis.py.
$(VENV)/.qgis: scripts/setup-system.sh | $(STAMP)
	./scripts/setup-system.sh --qgis
	touch $@

test: setup $(VENV)/.browser $(VENV)/.qgis
	$(BIN)/pytest

# The stapeling's noder built with ASan and UBSan (in a temporary directory), under the pure
# analysis tests: see scripts/sanitize.sh.
sanitize: setup
	./scripts/sanitize.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

db-start: setup
	$(BIN)/gebiedsregie db start

db-stop: setup
	$(BIN)/gebiedsregie db stop

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
