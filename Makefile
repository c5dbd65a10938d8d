# Two commands on a fresh clone: `make test` and (once the pipeline is whole) `make demo`.
# Only Python 3.11+ and make are needed; everything else goes into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test simulated-luma bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## make demo: create .venv, install, run the whole pipeline against the simulated Luma
demo: $(BIN)/.installed
	PYTHON=$(BIN)/python bash run_luma_pipeline.sh --demo

## make test: create .venv, install, run every test
test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

## make simulated-luma: serve the simulated Luma on 127.0.0.1:8765 (Ctrl-C stops it)
simulated-luma: $(BIN)/.installed
	$(BIN)/python -m luma_pipeline.simulated_luma --port 8765

## make bench: the benchmarks of bench/
bench: $(BIN)/.installed
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/analyze_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .pgdata-demo
