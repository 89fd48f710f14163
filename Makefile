# Everything from nothing: only python3 is needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REF_VENV := .venv-ref
REF_STAMP := $(REF_VENV)/.installed

.PHONY: run test bench bench-suite validity install clean browser test-backends bench-backends

run: $(STAMP)
	$(BIN)/imblab run

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The report tests drive a real Chromium: Debian's package, installed when we may (root with apt-get).
# Without it those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and not root: the browser tests will be skipped"; fi; }

bench: $(STAMP) $(REF_STAMP)
	$(BIN)/python benchmarks/bench.py --reference-python $(REF_VENV)/bin/python

# The bundled suite's 40 smallest usable datasets × the practical's four strategies, 5 × 2 CV: wall time and the
# fits' share of it (imblab[bench], installed by the environment). ARGS passes options, e.g. ARGS='--limit 3'.
bench-suite: $(STAMP)
	$(BIN)/python benchmarks/bench_suite.py $(ARGS)

# Error rates, coverage and power of the statistics, by Monte-Carlo simulation (SCALE=0.25 for a quick look).
SCALE ?= 1
validity: $(STAMP)
	$(BIN)/python benchmarks/validity/run.py --scale $(SCALE)

install: $(STAMP)

# The network on Keras' other backends, each in its own environment so that the default one stays light.
# torch is pinned to 2.13.0 in constraints.txt: that release's CPU-only build is what pip finds, where an
# unpinned torch would resolve to a multi-GB CUDA build. TensorFlow 2.21 needs h5py < 3.15, older than the
# default environment's pin, so that one line of the constraints is replaced in its environment.
BACKENDS := tensorflow torch
BACKEND_TESTS := tests/test_neural.py tests/test_torch_training.py tests/test_backends.py tests/test_strategies.py::test_sklearn_estimator_checks

# JAX, the default, is tested by `make test` (which also checks that a missing backend is one line and exit 2).
test-backends: $(foreach b,$(BACKENDS),test-backend-$(b))

# One target per backend, so that `make -j2 test-backends` (what CI runs) tests both side by side.
test-backend-%: .venv-%/.installed
	@echo "== KERAS_BACKEND=$*"
	KERAS_BACKEND=$* .venv-$*/bin/python -m pytest -q -p no:cacheprovider $(BACKEND_TESTS) -k 'not test_sklearn_estimator_checks or KerasMLPClassifier'

# The network's training time on each backend, imblab's loop beside Keras' own fit.
bench-backends: $(STAMP) $(foreach b,$(BACKENDS),.venv-$(b)/.installed)
	$(BIN)/python benchmarks/backends.py

.venv-%/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	sed 's/^h5py==.*/$(if $(filter tensorflow,$*),h5py==3.14.0,&)/' constraints.txt > .venv-$*/constraints.txt
	.venv-$*/bin/python -m pip install --quiet -c .venv-$*/constraints.txt -e '.[$*]' 'pytest'
	.venv-$*/bin/python -m compileall -q src >/dev/null
	touch $@

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,lightgbm,bench,dask]'
	# byte-compile imblab now: with PYTHONDONTWRITEBYTECODE set, every run would compile it again
	$(BIN)/python -m compileall -q src >/dev/null
	touch $@

# The course practical as written needs TensorFlow; it lives in its own
# environment so that imblab's never depends on it.
$(REF_STAMP): benchmarks/reference-requirements.txt
	$(PYTHON) -m venv $(REF_VENV)
	$(REF_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REF_VENV)/bin/python -m pip install --quiet -r benchmarks/reference-requirements.txt
	touch $@

clean:
	rm -rf $(VENV) $(REF_VENV) $(foreach b,$(BACKENDS),.venv-$(b)) build src/*.egg-info .pytest_cache
