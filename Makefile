# The course's commands. Every target creates .venv first if it is missing.
#   make lab       JupyterLab on notebooks/ (127.0.0.1, token auth on)
#   make test      lint, unit tests, the student edition run top to bottom, widgets in headless Chromium,
#                  notebooks under nbval, slide rendering, repo hygiene
#   make slides    every deck to build/slides/*.html (and *.pdf where Chromium is present)
#   make student   student edition of the notebooks in student/ (never overwrites your edits)
#   make assignments  the course as an nbgrader class in build/classroom/ (installs requirements-classroom.txt)
#   make figures   redraw images/ from course_utils.figures
#   make bench     regenerate the chapter benchmarks (minutes)
#   make lint      ruff over the package, tests and benchmarks (configured in pyproject.toml)
#   make strip     strip outputs from notebooks/ before committing

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLASSROOM_STAMP := $(VENV)/.installed-classroom
# make assignments CHAPTERS="02_bptt 03_vanishing_gradients" converts only those chapters (default: all)
CHAPTERS ?=
MARP   := node_modules/.bin/marp
DECKS  := $(wildcard slides/*.md)
# JupyterLab refuses to run as root unless told to (containers, Binder-like boxes).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Tests run two workers on two cores: one BLAS thread each avoids oversubscription (up to 100x slower).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: lab test lint unit notebooks slides student assignments figures bench strip clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# nbgrader for make assignments and tests/test_classroom.py; make lab does not need it. The constraints keep
# every pin of requirements.txt (pip adds six packages and changes none).
$(CLASSROOM_STAMP): $(STAMP) requirements-classroom.txt
	$(BIN)/python -m pip install --quiet -r requirements-classroom.txt -c requirements.txt
	touch $@

$(MARP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 $(ROOT_FLAG)

test: lint unit notebooks

lint: $(STAMP)
	$(BIN)/ruff check course_utils tests benchmarks

unit: $(STAMP) $(CLASSROOM_STAMP) $(MARP)
	$(TEST_ENV) $(BIN)/python -m pytest -n 2

notebooks: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest --nbval-lax --nbval-current-env -n 2 --dist loadscope notebooks/

slides: $(MARP)
	@mkdir -p build/slides
	@# the decks link ../images/..., so the rendered HTML needs images/ beside build/slides/
	@rm -rf build/images && cp -r images build/images
	@set -e; for deck in $(DECKS); do \
	  name=$$(basename $$deck .md); \
	  $(MARP) --html --allow-local-files $$deck -o build/slides/$$name.html; \
	  if command -v chromium >/dev/null 2>&1; then \
	    $(MARP) --pdf --allow-local-files $$deck -o build/slides/$$name.pdf; \
	  else echo "chromium not found: skipping $$name.pdf (apt-get install chromium)"; fi; \
	done

student: $(STAMP)
	$(BIN)/python -m course_utils.student notebooks student $(if $(FORCE),--force,)

# nbgrader runs alembic and the notebooks' python3 kernel from PATH: the venv's bin/ goes first.
assignments: $(CLASSROOM_STAMP)
	$(BIN)/python -m course_utils.classroom notebooks build/classroom $(if $(CHAPTERS),--chapters $(CHAPTERS),)
	@set -e; cd build/classroom; for name in $(or $(CHAPTERS),$$(ls source)); do \
	  PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/python -m nbgrader generate_assignment $$name --force; \
	done

figures: $(STAMP)
	$(BIN)/python -m course_utils.figures --out images

bench: $(STAMP)
	$(BIN)/python benchmarks/forecast_table.py
	$(BIN)/python benchmarks/seq2seq_targets.py
	$(BIN)/python benchmarks/adding_table.py
	$(BIN)/python benchmarks/recall_table.py
	$(BIN)/python benchmarks/stacking_dropout.py
	@# gensim is the word2vec benchmark's reference only: installed here, never needed by lab or test
	$(BIN)/python -m pip install --quiet gensim==4.4.0 -c requirements.txt
	$(BIN)/python benchmarks/word2vec_speed.py
	$(BIN)/python benchmarks/word2vec_quality.py
	$(BIN)/python benchmarks/genre_learning_curve.py
	$(BIN)/python benchmarks/attention_length.py
	$(BIN)/python benchmarks/char_model.py
	$(BIN)/python benchmarks/char_seq_length.py
	$(BIN)/python benchmarks/recurrence_today.py

strip: $(STAMP)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

clean:
	rm -rf build .pytest_cache
