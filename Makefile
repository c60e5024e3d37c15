# The two commands from README.md: `make run` and `make test`. Everything else they need is here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=
CODE := bot handlers storage
ALL := $(CODE) tests bench

.PHONY: run test lint types pytest catalogs readme clean

$(VENV)/.base: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "assobot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "assobot needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.base

## run: start assobot (the console when no platform is configured); pass options with ARGS="..."
run: $(VENV)/.base
	$(BIN)/assobot run $(ARGS)

## test: lint, format check, strict types, then the whole test suite
test: $(VENV)/.dev
	$(BIN)/ruff check $(ALL)
	$(BIN)/ruff format --check $(ALL)
	$(BIN)/mypy --strict $(CODE)
	$(BIN)/pytest

## catalogs: add new message ids to the fr/en .po files (then translate the French ones)
catalogs: $(VENV)/.dev
	$(BIN)/python -m bot.i18n_catalogs

## readme: regenerate the command table in README.md from the command specs
readme: $(VENV)/.dev
	$(BIN)/python -m bot.docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
