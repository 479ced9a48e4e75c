# cds: two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# feedparser's test corpus, fetched once from its pinned sdist (tests/corpora.py)
CORPUS := .cache/corpora/feedparser-6.0.14/.complete

.PHONY: demo test env lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "warning: npm not found; the axe-core accessibility test will be skipped"; fi

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/cds demo

$(CORPUS): $(STAMP) tests/corpora.py
	$(BIN)/python tests/corpora.py >/dev/null && touch $@

test: $(STAMP) $(NODE_STAMP) $(CORPUS)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/build.py 1000

clean:
	rm -rf $(VENV) node_modules site site_src .pytest_cache demo-root test-artifacts
