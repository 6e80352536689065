# The README's commands. Only python3 (3.11+), make and git are assumed; everything else is bootstrapped here.
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
BENCH_SIZE ?= 1000000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup run test lint test-sqlite test-postgres test-browser bench chromium messages

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled up front: without it every process started with PYTHONDONTWRITEBYTECODE (common in containers)
# recompiles phonenumbers' 19 MB of geodata, about 3 s per start.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	touch $@

run: setup
	$(BIN)/kelu init
	exec $(BIN)/kelu serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kelu

test: lint test-sqlite test-postgres test-browser

test-sqlite: setup
	env -u KELU_DATABASE_URL $(BIN)/pytest kelu -q

# The same suite on PostgreSQL, when a server is named (CI sets it).
test-postgres: setup
	@if [ -n "$$KELU_TEST_POSTGRES_URL" ]; then \
		KELU_DATABASE_URL="$$KELU_TEST_POSTGRES_URL" $(BIN)/pytest kelu -q; \
	else echo "KELU_TEST_POSTGRES_URL not set: PostgreSQL pass skipped"; fi

test-browser: setup chromium
	env -u KELU_DATABASE_URL $(BIN)/pytest e2e -q

# Playwright drives Debian's Chromium: it cannot download a browser of its own here.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else echo "Browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu)" >&2; exit 1; fi; \
	fi

bench: setup
	$(BIN)/python -m bench --size $(BENCH_SIZE)

# Recompile translations after editing kelu/locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: setup
	$(BIN)/kelu manage makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'kelu/static/*'
	$(BIN)/kelu manage compilemessages
