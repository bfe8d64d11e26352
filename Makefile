# factwire: `make run` builds the warehouse from seeds/articles; `make test` runs the suite.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
export UV_COMPILE_BYTECODE := 1
# The environment's interpreter: the distribution's CPython 3.11 when the machine has it with its headers
# (Debian builds it with profile-guided and link-time optimisation: measured here, the extraction core runs
# ~11% fewer instructions per article and pure-Python code ~25% less time than on a plain source build such
# as pyenv's); otherwise any CPython 3.11 uv finds. Same rows either way (README, "Measured speed").
VENV_PYTHON ?= $(shell test -x /usr/bin/python3.11 -a -f /usr/include/python3.11/Python.h \
	&& echo /usr/bin/python3.11 || echo 3.11)

.PHONY: install compile native run test lint eval dev-warehouse ui bench clean

$(VENV)/.installed: pyproject.toml uv.lock Makefile
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --locked --compile-bytecode --quiet --python $(VENV_PYTHON)
	@touch $@

install: $(VENV)/.installed

# The project's own modules compiled ahead, as uv compiles the installed packages: every run and pool
# worker process imports them, and an environment with PYTHONDONTWRITEBYTECODE set never caches them.
compile: install
	@$(VENV)/bin/python -m compileall -q pipeline assets schemas

# The extraction core compiled to C with mypyc into build/native (pipeline/native.py): about 1.5 min, and
# only when its sources changed. Without it (or with FACTWIRE_PURE_PYTHON=1) the same modules run as Python.
native: install
	@$(VENV)/bin/python -c 'import sys, pipeline.native as n; sys.exit(n.main())'

run: install compile native
	$(VENV)/bin/factwire run

test: install native
	$(VENV)/bin/ruff check .
	$(VENV)/bin/dg check defs
	FACTWIRE_EXPECT_NATIVE=1 $(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .

# The development warehouse: every dev raw file (seeds/dev) scored against seeds/gold.
dev-warehouse: install native
	$(VENV)/bin/factwire run --raw seeds/dev --warehouse warehouse/dev --log-level WARNING

eval: dev-warehouse
	@echo "== seed article (its worked example)"
	@$(VENV)/bin/factwire eval --warehouse warehouse/dev --gold seeds/gold/000_34f58d2625e0538a.gold.json
	@echo "== development gold set (seeds/gold, every article)"
	@$(VENV)/bin/factwire eval --warehouse warehouse/dev

# Compiled first, as for `make run`: the UI's scheduled and sensor runs extract with the same core.
ui: install compile native
	$(VENV)/bin/factwire ui

# Everything a run wrote under warehouse/ (tables, versions, Dagster home, caches); views.sql is source.
clean:
	find warehouse -mindepth 1 -maxdepth 1 ! -name '*.sql' ! -name README.md -exec rm -rf {} +
	rm -rf .cache

N ?= 2000
bench: install compile native
	$(UV) sync --locked --compile-bytecode --quiet --python $(VENV_PYTHON) --group bench
	$(VENV)/bin/python benchmarks/bench.py --n $(N) --job
