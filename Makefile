# Guide pratique pour des achats numériques responsables — the commands people already type.
#   make            = make all: the PDF, then the site that links it (in _build/)
#   make test       = set everything up (venv, Chromium) and run the whole test suite
# Everything installs itself on first use into .venv (Python) and through apt (Chromium).

PYTHON     ?= python3
VENV       ?= .venv
BUILDDIR   ?= _build
SPHINXOPTS ?= -j auto
BIN        := $(VENV)/bin
SPHINX     := $(BIN)/sphinx-build -c . $(SPHINXOPTS)
STAMP      := $(VENV)/.installed
NPM_STAMP  := node_modules/.installed
SETUP      := $(STAMP) $(NPM_STAMP)

.DEFAULT_GOAL := all
.PHONY: all html pdf check linkcheck live dist test mutation clean distclean venv system node browser help

help:
	@echo "make all|html|pdf|check|linkcheck|live|dist|test|mutation|clean"

# WeasyPrint renders with the system's Pango and the PDF is set in DejaVu Sans: both come with
# Debian's base image; installed through apt only where they are missing. Poppler's pdftotext
# reads the PDF in the tests as readers' tools do (and pdftoppm renders its pages).
system:
	@{ ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && fc-list | grep -q 'DejaVuSans.ttf' && \
	   command -v pdftotext >/dev/null; } || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	   libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig poppler-utils >/dev/null)

# A project-local virtual environment, (re)built when pyproject.toml changes.
$(STAMP): pyproject.toml | system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=25.1"
	$(BIN)/python -m pip install -q --group test --group live -e .
	touch $@
venv: $(STAMP)

# The State's design system (DSFR, npm package @gouvfr/dsfr, pinned in package.json and
# package-lock.json): its stylesheets, icons and the Marianne font, in node_modules/.
# .dsfr.yml records the acceptance of its terms of use, which its install script checks.
node:
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null)
$(NPM_STAMP): package.json package-lock.json .dsfr.yml | node
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

all: pdf html

html: $(SETUP)
	$(SPHINX) -b html docs $(BUILDDIR)/html

# The whole guide as one tagged PDF (WeasyPrint, driven by our Sphinx builder `guidepdf`).
# Nothing the PDF is made from changed since the last `make pdf`: Sphinx is not even started
# (the builder itself also skips WeasyPrint when its inputs are unchanged; `make -B pdf` forces).
PDF_MADE   := $(BUILDDIR)/pdf/.made
PDF_INPUTS := $(shell find docs _ext _static _templates -type f -not -path '*/__pycache__/*' 2>/dev/null) conf.py pyproject.toml
pdf: $(PDF_MADE)
$(PDF_MADE): $(SETUP) $(PDF_INPUTS)
	$(SPHINX) -b guidepdf docs $(BUILDDIR)/pdf
	@test -n "$$(ls $(BUILDDIR)/pdf/*.pdf 2>/dev/null)" && touch $@

# The strict build CI runs: every check, warnings are errors, reports in $(BUILDDIR)/html/_reports.
check: pdf
	$(SPHINX) -W --keep-going -n -b html docs $(BUILDDIR)/html

# External links, on demand (needs the network). FORCE=1 ignores the cache.
linkcheck: $(SETUP)
	$(SPHINX) -b guidelinks $(if $(FORCE),-D guide_linkcheck_refresh=1) docs $(BUILDDIR)/linkcheck

live: $(SETUP)
	$(BIN)/sphinx-autobuild -c . --port 8000 --watch _ext --watch _static --watch _templates \
	  --re-ignore '(_build|\.venv)/' docs $(BUILDDIR)/live

# One self-contained folder for any static host: the site and its PDF, nothing of the build
# (doctrees, sources, reports, Sphinx's unused scripts: see _ext/guide/dist.py). Its 404.html
# links from the site's root path, guide_site_path (default: html_baseurl's path); to publish
# elsewhere: make dist SPHINXOPTS="-j auto -D guide_site_path=/chemin/".
dist: all
	PYTHONPATH=_ext $(BIN)/python -m guide.dist $(BUILDDIR)/html $(BUILDDIR)/dist

# Debian's Chromium for the browser tests (Playwright's own download does not work here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: $(SETUP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Mutation testing of the extension (mutmut, on the fast tests of the checks; not in `make test`,
# about an hour on 2 cores): MODULES="links metadata" for some modules; scores in tests/README.md.
mutation: $(SETUP)
	$(BIN)/python -m pip install -q --group mutation
	$(BIN)/python tests/mutation.py $(MODULES)

clean:
	rm -rf $(BUILDDIR)

distclean: clean
	rm -rf $(VENV) node_modules
