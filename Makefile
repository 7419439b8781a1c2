# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FCU_DB ?= data/fcu.duckdb
export FCU_DB

.PHONY: run test test-load lint bench init clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

init: $(STAMP)
	$(PY) -m fcu init

run: init
	$(PY) -m streamlit run dashboard.py --server.address 127.0.0.1 --server.port 8501 --server.headless true

# Every test but the load test on two workers (each test module on one worker, which starts
# its own app servers and browser), then the load test alone, with the machine to itself.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadscope -m "not load"
	$(PY) -m pytest -m load

# The 30-session load test alone (tests/e2e/test_load_sessions.py; `make test` runs it too).
test-load: $(STAMP)
	$(PY) -m pytest -m load -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) data/fcu.duckdb data/fcu.duckdb.wal
