# councilplans — `make pipeline` sets up and ingests samples/; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
IN     ?= samples
DB     ?= sqlite:///data/councilplans.db

.PHONY: venv pipeline test score samples serve clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Ingest every PDF in IN into DB (defaults: samples/ -> data/councilplans.db)
pipeline: venv
	$(BIN)/councilplans run $(IN) --db '$(DB)'

## Run the test suite
test: venv
	$(BIN)/pytest

## Score extraction against the expected JSON beside each sample PDF
score: venv
	$(BIN)/councilplans score samples --misses 5

## Re-generate the sample PDFs from their expected JSON and narrative text
samples: venv
	$(BIN)/python samples/generate.py

clean:
	rm -rf data/cache data/*.db data/*.db-wal data/*.db-shm
