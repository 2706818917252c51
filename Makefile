# On a fresh machine with Python 3.11+ and make: `make serve` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all install build lint serve test bench bench-endpoint clean

all: build

# The virtualenv is (re)made when missing and the package reinstalled when pyproject changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ needed (PYTHON=$(PYTHON))"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,serve]'
	touch $@

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ntp-kg lint

build: $(STAMP)
	$(BIN)/ntp-kg build

# The SPARQL endpoint and query page on http://127.0.0.1:8000 (flags and NTP_KG_* variables:
# `$(BIN)/ntp-kg serve --help`), e.g. make serve SERVE_ARGS="--port 8080 --time-limit 5".
serve: build
	$(BIN)/ntp-kg serve $(SERVE_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/pipeline_bench.py $(BENCH_ARGS)

# The endpoint against rdflib-endpoint and a bare FastAPI + pyoxigraph app (issues 3 and 5); the
# baselines go into .venv-bench/ (made once), the load generator is wrk (apt-get install wrk),
# e.g. make bench-endpoint BENCH_ARGS="--obs 10000 --duration 10".
bench-endpoint: build
	$(BIN)/python benchmarks/endpoint_bench.py $(BENCH_ARGS)

clean:
	rm -rf dist $(VENV) .pytest_cache
