# The README's two commands: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
STAMP  := $(VENV)/.installed

.PHONY: run test lint clean templates samples bench bench-night bench-check bench-copy screenshot

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Reviews the shipped samples and writes the consolidated summary workbook into out/, then drafts each sample
# project's 绩效自评报告（初稿） into out/自评报告/ (--force: make run rewrites its own drafts every time).
run: $(STAMP)
	$(BIN)/selfeval run samples/inbox --out out/ --history samples/history
	$(BIN)/selfeval draft samples/inbox --out out/自评报告/ --force --history samples/history

# Regenerates the official blank templates committed under templates/ (tests compare them byte for byte).
templates: $(STAMP)
	for p in central2020 hunan-legacy; do $(BIN)/selfeval template --force --profile $$p -o templates/项目支出绩效自评表_$$p.xlsx; done

lint: $(STAMP)
	$(BIN)/ruff check processor tests samples
	$(BIN)/mypy processor

test: lint
	$(BIN)/python -m pytest -q

# Rebuilds samples/inbox from samples/make_samples.py (the .xls and .ods need LibreOffice's soffice).
samples: $(STAMP)
	$(BIN)/python samples/make_samples.py

# Issues 8 and 20's benchmark: selfeval run (--no-feedback and the default) against the calamine+xlsxwriter floor and
# a naive pandas pipeline, the 审核意见 copies (bench-copy) and, with BENCH=all (the default), the night (bench-night);
# then every target with its figure (docs/benchmarks.md). BENCH=city / findings / province: that corpus only.
# Corpora are cached in bench/corpus/.
bench: $(STAMP)
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/fastcopy_bench.py
	if [ "$${BENCH:-all}" = all ]; then $(BIN)/python bench/night_bench.py; fi
	$(BIN)/python bench/run_bench.py --table

# Issue 8's nightly target: a 20,000-form ledger, then a night with 10 new files (about 5 minutes).
bench-night: $(STAMP)
	$(BIN)/python bench/night_bench.py

# Checking CPU time per form (read + review, one process, fastest of 3) on the city-year corpus.
bench-check: $(STAMP)
	$(BIN)/python bench/check_cpu.py

# Issue 20: CPU per 审核意见 copy, package-level fast copy against openpyxl, and how many copies fall back to openpyxl
# (findings corpus, samples, seed.xlsm, LibreOffice re-saves). Needs bench/corpus/city-year-findings (BENCH=findings make bench).
bench-copy: $(STAMP)
	$(BIN)/python bench/fastcopy_bench.py

# The README's pictures: 总览 (docs/img/overview.png), the samples' summary printed by LibreOffice, first page, top;
# and the first page of one sample's 绩效自评报告（初稿） (docs/img/draft.png).
# Needs soffice and pdftoppm; not part of make test or CI.
screenshot: $(STAMP)
	rm -rf out/screenshot && $(BIN)/selfeval run samples/inbox --out out/screenshot --date 2026-11-27 --no-feedback
	cd out/screenshot && soffice --headless --convert-to pdf 绩效自评汇总_*.xlsx >/dev/null
	pdftoppm -png -f 1 -l 1 -scale-to-x 1240 -scale-to-y -1 -x 0 -y 0 -W 1240 -H 500 out/screenshot/*.pdf out/screenshot/overview
	cp out/screenshot/overview-1.png docs/img/overview.png 2>/dev/null || cp out/screenshot/overview-01.png docs/img/overview.png
	$(BIN)/selfeval draft samples/inbox/市委组织部_2021_城市基层党建工作经费.xlsx --out out/screenshot/draft --date 2026-11-27 --force
	cp out/screenshot/draft/*/*.docx out/screenshot/draft.docx && cd out/screenshot && soffice --headless --convert-to pdf draft.docx >/dev/null
	pdftoppm -png -f 1 -l 1 -r 70 out/screenshot/draft.pdf out/screenshot/draft
	cp out/screenshot/draft-1.png docs/img/draft.png 2>/dev/null || cp out/screenshot/draft-01.png docs/img/draft.png

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
