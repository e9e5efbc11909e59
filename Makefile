# The MNIST with Keras tutorial. Quick start:
#   make lab     open the tutorial in JupyterLab (sets everything up the first time)
#   make test    run every check CI runs
# setup, lab, test, check and data are done by tools/make.py, which also runs without
# make (Windows: `py tools\make.py lab`); the other targets need the environment
# it creates in .venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Any Python 3.8 or newer can start tools/make.py; it builds .venv with a
# Python that TensorFlow supports (3.11-3.13), looking for one if this is not.
PYTHON ?= python3
TASKS := $(PYTHON) tools/make.py
BIN := .venv/bin
BUILD := build
export TF_CPP_MIN_LOG_LEVEL ?= 2
# ONEDNN=0 or ONEDNN=1 switches TensorFlow's oneDNN CPU kernels off or on for
# every command, e.g. `make test ONEDNN=0`: on a CPU with AVX-512 that gives
# what a CPU without oneDNN gets (float32, channels-last convolutions only).
ifdef ONEDNN
export TF_ENABLE_ONEDNN_OPTS := $(ONEDNN)
endif

.PHONY: help setup dev lab run test test-compat check data bench student html clean

help:
	@echo "make lab     open the tutorial in JupyterLab (127.0.0.1, with a token)"
	@echo "make test    ruff, unit tests and every notebook, offline (ONEDNN=0: as on a CPU"
	@echo "             where TensorFlow leaves its oneDNN kernels off)"
	@echo "make test-compat  every notebook with Colab's versions, then the newest (online)"
	@echo "make run     execute every notebook at full settings into $(BUILD)/notebooks"
	@echo "make check   check this machine is ready for the workshop"
	@echo "make data    download the full MNIST once (or: make data FROM=<file or folder>)"
	@echo "make bench   time the original models against the fast CNN (QUICK=1: short run; FEED=dataset)"
	@echo "make student student copies (no solutions, no outputs) in $(BUILD)/student and a zip"
	@echo "make html    the executed notebooks as HTML pages in $(BUILD)/html"
	@echo "make setup   create .venv with the pinned packages (make dev: with the test tools)"
	@echo "make clean   delete $(BUILD)/ (and .venv/ with 'make clean ALL=1')"
	@echo "Data: MNIST_DATA=/path/to/mnist.npz make run  (see README.md)"

setup:
	$(TASKS) setup

dev:
	$(TASKS) setup --dev

lab:
	$(TASKS) lab

test:
	$(TASKS) test

check:
	$(TASKS) check

# Not part of `make test`: every notebook with Colab's package versions, then
# with the newest release of every package (needs the network to install).
test-compat: dev
	colab=0; newest=0; \
	$(BIN)/python tools/compat.py colab || colab=$$?; \
	$(BIN)/python tools/compat.py newest || newest=$$?; \
	test $$colab = 0 && test $$newest = 0

run: dev
	$(BIN)/python tools/run_notebooks.py --out $(BUILD)/notebooks

data:
	$(TASKS) data $(if $(FROM),--from "$(FROM)")

bench: dev
	$(BIN)/python tools/bench.py $(if $(QUICK),--quick) $(if $(FEED),--feed $(FEED))

student: dev
	$(BIN)/python tools/handouts.py student --out $(BUILD)/student

html: dev
	@test -d $(BUILD)/notebooks || $(MAKE) run
	$(BIN)/python tools/handouts.py html --from $(BUILD)/notebooks --out $(BUILD)/html

clean:
	rm -rf $(BUILD)
	@if [ -n "$${ALL:-}" ]; then rm -rf .venv && echo "removed .venv"; fi
