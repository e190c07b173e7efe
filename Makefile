# The README's two commands. Each creates .venv when it is missing and installs the
# package into it (the CPU build of torch, pinned, so set-up takes about a minute).
#   make train   the course's main job: A2C fine-tune of the bundled tiny LM
#   make test    the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Pinned CPU build for the course machines; on a GPU box: make TORCH="torch" ...
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: train test lessons clean-venv

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev,trl]"
	touch $(STAMP)

train: $(STAMP)
	$(BIN)/a2c-lessons train --out runs/a2c --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest

lessons: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean-venv:
	rm -rf $(VENV)
