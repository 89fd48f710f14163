# Everything from nothing: only python3 is needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REF_VENV := .venv-ref
REF_STAMP := $(REF_VENV)/.installed

.PHONY: run test bench install clean

run: $(STAMP)
	$(BIN)/imblab run

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP) $(REF_STAMP)
	$(BIN)/python benchmarks/bench.py --reference-python $(REF_VENV)/bin/python

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# The course practical as written needs TensorFlow; it lives in its own
# environment so that imblab's never depends on it.
$(REF_STAMP): benchmarks/reference-requirements.txt
	$(PYTHON) -m venv $(REF_VENV)
	$(REF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REF_VENV)/bin/python -m pip install --quiet -r benchmarks/reference-requirements.txt
	touch $@

clean:
	rm -rf $(VENV) $(REF_VENV) build src/*.egg-info .pytest_cache
