# The MNIST with Keras tutorial. Quick start:
#   make lab     open the tutorial in JupyterLab (sets everything up the first time)
#   make test    run every check CI runs
# Every target that needs the Python environment creates it first when missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := mnist-tutorial
BUILD := build
# The environment is rebuilt when the pins or the package's metadata change.
STAMP := $(VENV)/.installed
SAMPLE := mnist_helpers/sample_data/mnist-sample.npz
export TF_CPP_MIN_LOG_LEVEL ?= 2
# ONEDNN=0 or ONEDNN=1 switches TensorFlow's oneDNN CPU kernels off or on for
# every command, e.g. `make test ONEDNN=0`: on a CPU with AVX-512 that gives
# what most laptops get (oneDNN off, float32, channels-last convolutions only).
ifdef ONEDNN
export TF_ENABLE_ONEDNN_OPTS := $(ONEDNN)
endif

CHROMIUM := /usr/bin/chromium
# JupyterLab refuses to run as root (e.g. in a container) unless told it may.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help setup lab run test lint check data bench student html clean browser

help:
	@echo "make lab     open the tutorial in JupyterLab (127.0.0.1, with a token)"
	@echo "make test    ruff, unit tests, nbval and papermill runs of every notebook (offline;"
	@echo "             ONEDNN=0: as on a CPU where TensorFlow's oneDNN kernels are off)"
	@echo "make run     execute every notebook at full settings into $(BUILD)/notebooks"
	@echo "make check   check this machine is ready for the workshop"
	@echo "make data    download the full MNIST once (or: make data FROM=<file or folder>)"
	@echo "make bench   time the original models against the fast CNN (QUICK=1: short run; FEED=arrays)"
	@echo "make student student copies (no solutions, no outputs) in $(BUILD)/student and a zip"
	@echo "make html    the executed notebooks as HTML pages in $(BUILD)/html"
	@echo "make setup   create $(VENV) with the pinned packages and the '$(KERNEL)' kernel"
	@echo "make clean   delete $(BUILD)/ (and $(VENV)/ with 'make clean ALL=1')"
	@echo "Data: MNIST_DATA=/path/to/mnist.npz make run  (see README.md)"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10 or newer is needed, found " + sys.version' \
		|| { echo "Install Python 3.11 and run 'make setup PYTHON=python3.11'."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (MNIST tutorial)"
	@touch $(STAMP)
	@echo "Environment ready in $(VENV) with the Jupyter kernel '$(KERNEL)'."

lab: $(STAMP)
	@token=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	echo "Starting JupyterLab on 127.0.0.1 with a token; open the http://127.0.0.1:... link it prints."; \
	$(BIN)/jupyter lab --no-browser $(ALLOW_ROOT) --ServerApp.ip=127.0.0.1 --IdentityProvider.token="$$token" \
		--ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks/01_loading_data.ipynb

run: $(STAMP)
	$(BIN)/python tools/run_notebooks.py --out $(BUILD)/notebooks

test: $(STAMP) lint browser
	PYTHONPATH="$(CURDIR)" MNIST_DATA="$(CURDIR)/$(SAMPLE)" MNIST_BUILD_DIR="$(CURDIR)/$(BUILD)/test/nbval" \
		$(BIN)/pytest -p tests.nbval_plugin --nbval-lax notebooks tests

check: $(STAMP)
	$(BIN)/python -m mnist_helpers.checks

data: $(STAMP)
	$(BIN)/python -m mnist_helpers.download $(if $(FROM),--from "$(FROM)")

bench: $(STAMP)
	$(BIN)/python tools/bench.py $(if $(QUICK),--quick) $(if $(FEED),--feed $(FEED))

student: $(STAMP)
	$(BIN)/python tools/handouts.py student --out $(BUILD)/student

html: $(STAMP)
	@test -d $(BUILD)/notebooks || $(MAKE) run
	$(BIN)/python tools/handouts.py html --from $(BUILD)/notebooks --out $(BUILD)/html

# tests/test_browser.py drives Debian's Chromium; install it where apt-get can
# (as root, or with passwordless sudo); elsewhere those tests skip and say why.
browser:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; } \
			|| echo "Could not install chromium: tests/test_browser.py will be skipped."; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(BUILD)
	@if [ -n "$${ALL:-}" ]; then rm -rf $(VENV) && echo "removed $(VENV)"; fi
