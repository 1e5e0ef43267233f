# The two commands of the quick start: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PEOPLE ?= 5000
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "joinedup needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/joinedup synth demo/county --people $(PEOPLE) --seed 42
	$(BIN)/joinedup agreements load demo/county/agreements
	$(BIN)/joinedup ingest-manifest demo/county/manifest.yaml
	$(BIN)/joinedup loads list
	$(BIN)/joinedup link
	$(BIN)/joinedup places load-areas demo/county/data/flood_zone_3.geojson --kind flood_zone --name "Flood Zone 3"
	$(BIN)/joinedup places load-areas demo/county/data/flood_zone_2.geojson --kind flood_zone --name "Flood Zone 2"
	$(BIN)/joinedup places load-areas demo/county/data/wards.geojson --kind ward --name-property name
	$(BIN)/joinedup sensors register demo/county/sensors/registry.csv
	$(BIN)/joinedup sensors ingest demo/county/sensors/readings.csv demo/county/sensors/air_quality.jsonl demo/county/sensors/late.jsonl
	$(BIN)/joinedup places load-areas demo/county/data/parishes.geojson --kind parish --name-property name
	$(BIN)/joinedup opendata publish
	$(BIN)/joinedup users demo
	$(BIN)/joinedup citizens demo
	$(BIN)/joinedup serve --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check joinedup tests bench
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) demo joinedup-keys joinedup.db joinedup.db-wal joinedup.db-shm bench/out
