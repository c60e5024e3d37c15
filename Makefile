# The two commands from README.md: `make run` and `make test`. Everything else they need is here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=
CODE := bot handlers storage
ALL := $(CODE) tests bench

.PHONY: run test browser lint types pytest catalogs readme clean

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

# The browser tests (tests/browser) drive Debian's Chromium through its chromedriver: both come
# from Debian's packages, never a browser build downloaded from elsewhere. Installed only when
# missing (so a second run does nothing); apt-get through sudo when not root. A machine without
# apt-get or sudo rights goes on: the browser tests then skip, and fail with CI=true.
BROWSER_PACKAGES := chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

## browser: install Debian's chromium and chromium-driver for the browser tests, if missing
browser:
	@if command -v chromedriver >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "No chromium/chromedriver and no apt-get: the browser tests will not run"; \
	else \
		echo "Installing $(BROWSER_PACKAGES) from Debian's packages for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(BROWSER_PACKAGES) >/dev/null || \
		echo "Could not install $(BROWSER_PACKAGES): the browser tests will not run"; \
	fi

## test: lint, format check, strict types, then the whole test suite (browser tests included)
test: $(VENV)/.dev browser
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
