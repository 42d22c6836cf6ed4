# The two commands of the README: `make demo` and `make test`. Both create .venv from scratch when it
# is missing. bpy 5.0.1 (Blender as a Python module) is built for CPython 3.11 only.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.llmreel-installed
BPY   := bpy==5.0.1
# The package files, one path a line. The install is strict editable (a tree of links to the files
# under build/__editable__.*, on sys.path): editors and static tools resolve `llmreel.*` there, but a
# new file needs a new link. So this list is a prerequisite of the install, rewritten only when it
# changes (a file added, removed or renamed), and the install reruns then and only then.
FILES := $(VENV)/.llmreel-files
PKG_DIRS := core model scenes blender_addon render_scripts
# First interpreter on PATH that is CPython 3.11 (override: make PYTHON=/path/to/python3.11).
PYTHON ?= $(shell for p in python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: demo test bench frames addon test-compat venv clean FORCE

venv: $(STAMP)

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "llmreel needs Python 3.11 (bpy 5.0.1 is built only for it); none found on PATH." >&2; \
	  echo "Install Python 3.11, or run: make PYTHON=/path/to/python3.11 $(MAKECMDGOALS)" >&2; exit 2; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(FILES): FORCE | $(BIN)/python
	@find $(PKG_DIRS) -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -name '.*' ! -name '*~' \
	  | LC_ALL=C sort > $@.new
	@ls -d build/__editable__.llmreel-* >/dev/null 2>&1 || rm -f $@  # link tree gone: relink
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# The build requirements ([build-system] requires) go into the venv and the project builds with them
# (--no-build-isolation), so relinking after adding a file needs no registry. -W drops setuptools'
# one notice (relayed by pip) that a strict install lives in build/ (`make clean` removes both).
$(STAMP): pyproject.toml $(FILES) | $(BIN)/python
	$(BIN)/python -c 'import shlex, tomllib; print(shlex.join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
	  | xargs $(BIN)/python -m pip install --quiet
	$(BIN)/python -W 'ignore:Editable installation' -m pip install --quiet --no-build-isolation \
	  --config-settings editable_mode=strict -e '.[blender,distributed,dev]' '$(BPY)'
	touch $(STAMP)

# The whole default story, draft preset (Workbench, 854x480, 12 fps, captions burnt in), two worker
# processes; rerunning resumes. Prints where the video is.
DEMO_OUT ?= out/demo
DEMO_WORKERS ?= 2
demo: $(STAMP)
	$(BIN)/llmreel render --quality draft --workers $(DEMO_WORKERS) --out $(DEMO_OUT)
	@echo "demo video: $$(ls -t $(DEMO_OUT)/*.mp4 | head -1)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The README's pictures: one 1080p final still per chapter (at a moment that shows its numbers), a 9:16 one
# and a Korean one, the end of the scale film, GPT-2 small's logits (seeded random weights), and a contact
# sheet of the whole story (docs/). A few minutes on two cores; rerun after a deliberate picture change.
FRAMES := introduction:0.78 embedding:0.95 layer-norm:0.68 self-attention:0.65 projection:0.53 mlp:0.65 \
          transformer:0.15 softmax:0.93 output:0.58
frames: $(STAMP)
	@for f in $(FRAMES); do c=$${f%%:*}; echo "== $$c"; \
	  $(BIN)/llmreel still --chapter $$c --at $${f##*:} --captions --out docs/frames/$$c.png || exit 1; done
	$(BIN)/llmreel still --chapter self-attention --at 0.65 --aspect 9:16 --captions --out docs/frames/self-attention-9x16.png
	$(BIN)/llmreel still --chapter layer-norm --at 0.68 --lang ko --captions --out docs/frames/layer-norm-ko.png
	$(BIN)/llmreel still scale --chapter scale --at 0.97 --captions --out docs/frames/scale.png
	$(BIN)/llmreel still --config gpt2 --text "The cat sat on the mat and looked at the dog in the garden all day" \
	  --chapter softmax --at 0.45 --captions --out docs/frames/gpt2-softmax.png
	$(BIN)/llmreel contact-sheet --quality preview --resolution 960x540 --at 0.6 --out docs/contact-sheet.png

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Blender extension zip (add-on + llmreel core wheel + safetensors wheels per platform), validated with
# the extension tool inside the bpy wheel. Needs the package registry for the safetensors/tqdm wheels.
addon: $(STAMP)
	$(BIN)/python -m llmreel.blender_addon.package_extension --out dist/llmreel-0.1.0.zip

# Not in CI: build the default scene and render a frame with the bpy 4.2 LTS wheel in its own venv.
COMPAT := .venv-compat
test-compat:
	@if [ -z "$(PYTHON)" ]; then echo "test-compat needs Python 3.11" >&2; exit 2; fi
	[ -x $(COMPAT)/bin/python ] || $(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install --quiet 'bpy==4.2.*' 'numpy<2' safetensors tqdm
	$(COMPAT)/bin/python -m pip install --quiet --no-deps -e .
	mkdir -p out/compat
	$(COMPAT)/bin/llmreel build --out out/compat/scene.blend
	$(COMPAT)/bin/python -c "import bpy; from llmreel.blender_addon import compat; \
	bpy.ops.wm.open_mainfile(filepath='out/compat/scene.blend', use_scripts=False); s = bpy.context.scene; \
	compat.set_engine(s, 'workbench'); compat.set_image_output(s); s.render.resolution_percentage = 33; \
	s.frame_set(s.frame_end // 3); s.render.filepath = '$(CURDIR)/out/compat/frame.png'; \
	bpy.ops.render.render(write_still=True); print('bpy', bpy.app.version_string, 'rendered out/compat/frame.png')"

clean:
	rm -rf $(VENV) $(COMPAT) build dist *.egg-info out
