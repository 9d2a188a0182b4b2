# The course's commands. Every target creates .venv first if it is missing.
#   make lab       JupyterLab on notebooks/ (127.0.0.1, token auth on)
#   make test      lint, unit tests, the student edition (checked on every chapter, chapter 02 run top to
#                  bottom), widgets in headless Chromium, notebooks under nbval, slide rendering, repo
#                  hygiene, then the website built from the notebooks nbval just executed and checked in
#                  headless Chromium
#   make site      the website in build/site/ (index.html): executed chapters, decks, search (installs
#                  requirements-site.txt; executes only the notebooks whose executed copy is out of date;
#                  COURSE_REPOSITORY=owner/name turns the Binder templates into links)
#   make slides    every deck to build/slides/*.html (presenter view: key P) and *.notes.txt, and *.pdf with the
#                  notes as annotations where Chromium is present
#   make student   student edition of the notebooks in student/ (never overwrites your edits)
#   make student-test  every chapter's student edition run top to bottom (minutes; before handing one out)
#   make assignments  the course as an nbgrader class in build/classroom/ (installs requirements-classroom.txt)
#   make hub       a JupyterHub on 127.0.0.1:8000 to try the classroom locally (installs requirements-hub.txt);
#                  HUB_PASSWORD=... HUB_USERS=alice,bob make hub (see README "Running a class")
#   make figures   redraw images/ from course_utils.figures and embed them in notebooks/ as cell attachments
#   make bench     regenerate the chapter benchmarks (minutes)
#   make lint      ruff over the package, tests and benchmarks (configured in pyproject.toml)
#   make strip     strip outputs from notebooks/ before committing

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLASSROOM_STAMP := $(VENV)/.installed-classroom
SITE_STAMP := $(VENV)/.installed-site
# Notebooks as nbval executed them (outputs, widget state): the website's pages, keyed by each notebook's hash.
EXECUTED := build/executed
CHAPTER_NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
NBVAL  := -p course_utils.executed --executed-dir $(EXECUTED) --nbval-lax --nbval-current-env -n 2 --dist loadscope
HUB_STAMP := $(VENV)/.installed-hub
# make assignments CHAPTERS="02_bptt 03_vanishing_gradients" converts only those chapters (default: all)
CHAPTERS ?=
MARP   := node_modules/.bin/marp
PROXY  := node_modules/.bin/configurable-http-proxy
# make hub: the published student edition (a bare git repository) and the address the students open
HUB_DIR := build/hub
HUB_URL ?= http://127.0.0.1:$(or $(HUB_PORT),8000)
DECKS  := $(wildcard slides/*.md)
# JupyterLab refuses to run as root unless told to (containers, Binder-like boxes).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Tests run two workers on two cores: one BLAS thread each avoids oversubscription (up to 100x slower).
TEST_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: lab test lint unit notebooks site site-test slides student student-test assignments hub figures bench strip clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# nbgrader for make assignments and tests/test_classroom.py; make lab does not need it. The constraints keep
# every pin of requirements.txt (pip adds six packages and changes none).
$(CLASSROOM_STAMP): $(STAMP) requirements-classroom.txt
	$(BIN)/python -m pip install --quiet -r requirements-classroom.txt -c requirements.txt
	touch $@

# The website's tooling (Sphinx, myst-nb, the book theme); make lab and the unit tests do not need it.
$(SITE_STAMP): $(STAMP) requirements-site.txt
	$(BIN)/python -m pip install --quiet -r requirements-site.txt -c requirements.txt
	touch $@

# JupyterHub and nbgitpuller for make hub and tests/test_hub.py, with the pins of both files above kept.
$(HUB_STAMP): $(STAMP) requirements-hub.txt requirements-classroom.txt
	$(BIN)/python -m pip install --quiet -r requirements-hub.txt -c requirements.txt -c requirements-classroom.txt
	touch $@

$(MARP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# the hub's proxy comes with the same npm ci as marp-cli
$(PROXY): $(MARP)
	test -x $@ || npm ci --no-audit --no-fund --loglevel=error
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 $(ROOT_FLAG)

test: lint unit notebooks site site-test

lint: $(STAMP)
	$(BIN)/ruff check course_utils tests benchmarks

# loadscope: whole modules, slowest first (tests/conftest.py), one at a time to whichever worker is free. Plain
# load scheduling handed the first worker all the slow tests at once; worksteal ended them on one worker in
# some runs (211 s or 426 s for the same tests), loadscope took 223 s.
unit: $(STAMP) $(CLASSROOM_STAMP) $(HUB_STAMP) $(MARP) $(PROXY)
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadscope --ignore=tests/test_site.py

# nbval runs every notebook once; course_utils.executed keeps what it ran (build/executed/) for the website.
notebooks: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest $(NBVAL) notebooks/

# Executes only the chapters whose executed copy is missing or older than the notebook (after make notebooks:
# none), renders the decks to HTML, stages the Sphinx sources and builds; -W: a broken reference fails the build.
site: $(SITE_STAMP) $(MARP)
	@stale="$$($(BIN)/python -m course_utils.website stale $(CHAPTER_NOTEBOOKS) --executed $(EXECUTED))"; \
	if [ -n "$$stale" ]; then echo "executing for the site: $$stale"; \
	  $(TEST_ENV) $(BIN)/python -m pytest -q $(NBVAL) $$stale; fi
	@rm -rf build/site-slides build/site
	$(MARP) --html --allow-local-files -I slides -o build/site-slides
	$(BIN)/python -m course_utils.website stage $(CHAPTER_NOTEBOOKS) --executed $(EXECUTED) \
	  --slides build/site-slides --out build/site-src $(if $(COURSE_REPOSITORY),--repo $(COURSE_REPOSITORY),)
	$(BIN)/python -m sphinx -b html -q -W --keep-going -j 2 build/site-src build/site
	@echo "website: build/site/index.html"

# The website in headless Chromium (tests/test_site.py); fails, rather than skips, when build/site is missing.
site-test: $(STAMP) $(MARP)
	COURSE_SITE_REQUIRED=1 $(BIN)/python -m pytest -q -n 2 tests/test_site.py

slides: $(MARP)
	@mkdir -p build/slides
	@# the decks link ../images/..., so the rendered HTML needs images/ beside build/slides/
	@rm -rf build/images && cp -r images build/images
	@set -e; for deck in $(DECKS); do \
	  name=$$(basename $$deck .md); \
	  $(MARP) --html --allow-local-files $$deck -o build/slides/$$name.html; \
	  $(MARP) --notes $$deck -o build/slides/$$name.notes.txt; \
	  if command -v chromium >/dev/null 2>&1; then \
	    $(MARP) --pdf --pdf-notes --allow-local-files $$deck -o build/slides/$$name.pdf; \
	  else echo "chromium not found: skipping $$name.pdf (apt-get install chromium)"; fi; \
	done

student: $(STAMP)
	$(BIN)/python -m course_utils.student notebooks student $(if $(FORCE),--force,)

# make test checks every chapter's student edition statically and runs chapter 02's; this runs them all.
student-test: $(STAMP)
	COURSE_STUDENT_ALL=1 $(TEST_ENV) $(BIN)/python -m pytest -n 2 tests/test_student_edition.py

# nbgrader runs alembic and the notebooks' python3 kernel from PATH: the venv's bin/ goes first.
assignments: $(CLASSROOM_STAMP)
	$(BIN)/python -m course_utils.classroom notebooks build/classroom $(if $(CHAPTERS),--chapters $(CHAPTERS),)
	@set -e; cd build/classroom; for name in $(or $(CHAPTERS),$$(ls source)); do \
	  PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/python -m nbgrader generate_assignment $$name --force; \
	done

# The student edition goes to branch `student` of $(HUB_DIR)/course.git (one new commit when it changed), then the
# hub starts; classroom/jupyterhub_config.py refuses to without HUB_PASSWORD and HUB_USERS. Every student who
# opens the printed link gets the course pulled into ~/rnn-course (again after each make hub: edits are kept).
hub: $(HUB_STAMP) $(PROXY) student
	$(BIN)/python -m course_utils.hub publish student $(HUB_DIR)/course.git
	@echo "students open:"
	@$(BIN)/python -m course_utils.hub link --repo file://$(abspath $(HUB_DIR))/course.git --hub $(HUB_URL)
	$(BIN)/jupyterhub -f classroom/jupyterhub_config.py

figures: $(STAMP)
	$(BIN)/python -m course_utils.figures --out images --attach notebooks

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
	$(BIN)/python benchmarks/char_model.py --dynamic-lrs 0.1 0.3 1
	$(BIN)/python benchmarks/char_seq_length.py
	$(BIN)/python benchmarks/kernel_footprint.py
	$(BIN)/python benchmarks/recurrence_today.py

strip: $(STAMP)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

clean:
	rm -rf build .pytest_cache
