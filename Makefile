# The README's two commands. Each creates .venv when it is missing and installs the
# package into it (torch pinned, see below; set-up takes about a minute).
#   make train   the course's main job: A2C fine-tune of the bundled tiny LM
#   make test    the test suite
#   make site    the course as a static website in site/ (lessons executed, cached in build/site/)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch==2.13.0 keeps every course machine on the same release. It is not a CPU pin: on the public index (PyPI)
# that version is, on Linux x86_64, the CUDA 13 build, which pulls in about 19 more wheels (nvidia-*, cuda-*,
# triton), gigabytes in all. The course machines carry its CPU build (2.13.0+cpu) in a local wheel folder, and
# pip prefers it there. On any other machine without a GPU, take the CPU build from PyTorch's own index:
#   make TORCH_INDEX=https://download.pytorch.org/whl/cpu train
# and on a GPU machine with another CUDA: make TORCH=torch train
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := $(VENV)/.installed
SITE_STAMP := $(VENV)/.site-installed
MATHJAX := build/site/npm/node_modules/mathjax/es5/tex-chtml.js

.PHONY: train test lessons site clean-venv

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install --quiet -e ".[dev,trl]"
	touch $(STAMP)

train: $(STAMP)
	$(BIN)/a2c-lessons train --out runs/a2c --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest

lessons: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# The site's tools (pyproject's `site` extra) are installed on first use, so `make test` stays quick.
$(SITE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,trl,site]"
	touch $(SITE_STAMP)

# MathJax, pinned with its integrity hash in site_src/package-lock.json, served from the site itself.
$(MATHJAX): site_src/package.json site_src/package-lock.json
	mkdir -p build/site/npm
	cp site_src/package.json site_src/package-lock.json build/site/npm/
	npm ci --prefix build/site/npm --no-audit --no-fund --loglevel=error
	touch $(MATHJAX)

# The stale lessons run two at a time into the site's cache first (site_src/lesson_cache.py); Sphinx then finds them.
site: $(SITE_STAMP) $(MATHJAX)
	$(BIN)/python site_src/lesson_cache.py --jobs 2
	$(BIN)/sphinx-build -b html -q -W --keep-going -d build/site/doctrees site_src site
	@echo "The course website is in site/: open site/index.html, or serve it with" \
		"$(BIN)/python -m http.server -d site -b 127.0.0.1 8000"

clean-venv:
	rm -rf $(VENV)
