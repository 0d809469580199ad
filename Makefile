# Ramp: `make run` sets up, builds and runs the main job; `make test` runs every test.
SWIFT ?= swift
BUILD_FLAGS ?=
# toml++ (TOMLKit's TOML parser) asserts on some malformed input where its error path would report it. Ramp
# refuses the header it is known to assert on ("[[[") before handing it over (TOMLHeaders.swift); turning its
# asserts off here covers what is not known. Not by NDEBUG, which would turn them into assumptions.
TOML_ASSERTS_OFF = '-DTOML_ASSERT(expr)=static_cast<void>(0)'
TOML_CXX = -Xcxx $(TOML_ASSERTS_OFF)
RAMP = .build/debug/ramp
SAMPLE = samples/card.ramp
SAMPLE_METRICS = samples/card.metrics

.PHONY: run test build release deps clean fuzz python-check integration llm-frameworks wheel style

APT_INSTALL = apt-get install -y -q --no-install-recommends

## deps: install what the build needs (libedit-dev for the REPL's line editor),
## and, when root, what the end-to-end tests drive: tmux, an SVG renderer, and Neovim
## (a real client for the language server).
deps:
	@if [ -f /usr/include/histedit.h ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing libedit-dev..."; \
		($(APT_INSTALL) libedit-dev >/dev/null 2>&1 || (apt-get update -q >/dev/null && $(APT_INSTALL) libedit-dev >/dev/null)) \
		|| { echo "error: could not install libedit-dev"; exit 1; }; \
	else \
		echo "libedit-dev is missing. Install it with:"; \
		echo "  sudo apt-get install -y libedit-dev"; \
		exit 1; \
	fi
	@missing=""; command -v rsvg-convert >/dev/null || missing="$$missing librsvg2-bin"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	command -v nvim >/dev/null || missing="$$missing neovim"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		echo "Installing$$missing (the tests render charts, drive the REPL in a terminal and the language server from an editor)..."; \
		$(APT_INSTALL) $$missing >/dev/null 2>&1 || (apt-get update -q >/dev/null && $(APT_INSTALL) $$missing >/dev/null 2>&1) || true; \
	fi

build: deps
	$(SWIFT) build $(TOML_CXX) $(BUILD_FLAGS)

release: deps
	$(SWIFT) build $(TOML_CXX) -c release $(BUILD_FLAGS)

## run: the card example trains a logistic regression (Breast Cancer Wisconsin);
## the cosine phase ends when the validation loss stops improving.
run: build
	$(RAMP) explain $(SAMPLE)
	@echo
	$(RAMP) run $(SAMPLE) --objective logistic --optimizer momentum --batch-size 32 --log .build/card-run.csv
	@echo
	$(RAMP) plot --run .build/card-run.csv --height 10

## test: every test, then the fuzzer for FUZZ_SECONDS (0 skips it).
FUZZ_SECONDS ?= 60
test: deps python-check style
	$(SWIFT) build $(TOML_CXX) --build-tests $(BUILD_FLAGS)
	$(SWIFT) test $(TOML_CXX) --skip-build $(BUILD_FLAGS)
	RAMP=$(abspath $(RAMP)) $(PYTHON) -m pytest -q -rs -p no:cacheprovider Tests/Integration
	$(MAKE) --no-print-directory wheel
	@$(PYTHON) -m auditwheel --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q --disable-pip-version-check auditwheel >/dev/null 2>&1 \
		|| echo "note: auditwheel is not installed and could not be; the wheel's manylinux policy is not checked"
	@if $(PYTHON) -m auditwheel --version >/dev/null 2>&1; then $(PYTHON) -m auditwheel show $(WHEEL_DIR)/dist/*.whl; fi
	RAMP=$(abspath $(RAMP)) RAMP_WHEEL_DIR=$(abspath $(WHEEL_DIR))/dist $(PYTHON) -m pytest -q -rs -p no:cacheprovider Tests/Wheel
	$(RAMP) check samples/*.ramp
	$(RAMP) fmt --check samples/*.ramp
	@if [ "$(FUZZ_SECONDS)" != 0 ]; then $(MAKE) --no-print-directory fuzz SECONDS=$(FUZZ_SECONDS); fi

## style: swift-format's lint, with the project's .swift-format (4 spaces, 120 columns);
## `swift format -i -r Sources Tests Package.swift` applies it.
style:
	@if $(SWIFT) format --version >/dev/null 2>&1; then \
		$(SWIFT) format lint --strict -r Sources Tests Package.swift && echo "swift-format: Sources and Tests are clean"; \
	else echo "note: swift-format is not in this toolchain; the style is not checked"; fi

## wheel: the Python distribution (python/), with the release compiler inside:
## built with --static-swift-stdlib, libedit and its libraries bundled beside it.
## Writes .build/wheel/dist/ramp_schedules-VERSION-py3-none-PLATFORM.whl.
WHEEL_DIR = .build/wheel
wheel: deps
	$(PYTHON) python/build_bundle.py --out $(WHEEL_DIR)/bundle
	rm -rf $(WHEEL_DIR)/dist python/build
	RAMP_BUNDLE=$(abspath $(WHEEL_DIR))/bundle $(PYTHON) -m pip wheel -q --disable-pip-version-check --no-deps -w $(WHEEL_DIR)/dist ./python
	@ls -l $(WHEEL_DIR)/dist/*.whl

## python-check: lint (pyflakes, installed from PyPI when missing) and unit-test
## the Python runtime that compiled modules are made of, and the Python package's
## calls into the compiler (built first: ramp.fit_law runs `ramp law fit`).
PYTHON ?= $(or $(RAMP_PYTHON),python3)
python-check: build
	@$(PYTHON) -m pyflakes --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q --disable-pip-version-check pyflakes >/dev/null 2>&1 \
		|| echo "note: pyflakes is not installed and could not be; the Python runtime is not linted"
	@if $(PYTHON) -m pyflakes --version >/dev/null 2>&1; then $(PYTHON) -m pyflakes Sources/Ramp/Emit/Python Sources/Ramp/Emit/Arrays Tests/Python Tests/Integration Tests/Wheel conformance/runners editors/pygments python && echo "pyflakes: the Python runtime and its tests are clean"; fi
	RAMP_BINARY=$(abspath $(RAMP)) $(PYTHON) -m pytest -q -p no:cacheprovider Tests/Python

## fuzz: libFuzzer with AddressSanitizer over lexer → parser → checker → 100 steps,
## every config reader, saved states (loaded, replayed, through serve), metrics
## files and the language server's framing. FUZZ_PARTS picks some of them
## (programs, configs, state, metrics, lsp; comma-separated; all by default).
## Seeds come from the test corpus, the samples and Fuzz/Seeds; grammar/ramp.dict guides it.
## Exits non-zero on a crash, a leak report or a timeout.
SECONDS ?= 60
# A fixed seed makes a run repeatable: CI replays the sequence checked here; pass FUZZ_SEED=0 for a random one.
FUZZ_SEED ?= 1
# An input that takes longer than this many seconds is a finding. Under AddressSanitizer, built whole-module as
# the release is, the harness checks each program four times (compiled, rebased, checked afresh at another base,
# and by the language server), each under a budget of sampled values (FuzzTarget.swift), and reads its IR back as
# the emitters do. The budgets bound an input's time: the slowest, chains replayed up to them, take about 0.35 s.
# FUZZ_TIMEOUT=1 is the bar a 10-minute run of each part is held to; the default leaves room for a slower machine.
FUZZ_TIMEOUT ?= 30
FUZZ_DIR = .build/fuzz
FUZZ_PARTS ?= programs,configs,state,metrics,lsp
# Yams (the YAML reader) with its libyaml, and TOMLKit (the TOML reader) with its toml++, as SwiftPM checked them
# out, built into the harness with the same sanitizers.
YAMS = .build/checkouts/Yams
TOMLKIT = .build/checkouts/TOMLKit
fuzz: deps
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds
	cp conformance/programs/*.ramp samples/*.ramp Fuzz/Regressions/* Fuzz/Seeds/* $(FUZZ_DIR)/seeds/ 2>/dev/null || true
	$(SWIFT) package resolve
	mkdir -p $(FUZZ_DIR)/yams
	cd $(FUZZ_DIR)/yams && clang -c -O1 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC \
		-I$(abspath $(YAMS))/Sources/CYaml/include $(abspath $(YAMS))/Sources/CYaml/src/*.c
	swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Yams -emit-library -static \
		-emit-module -emit-module-path $(FUZZ_DIR)/yams/Yams.swiftmodule -D SWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC \
		-I $(YAMS)/Sources/CYaml/include $(YAMS)/Sources/Yams/*.swift -o $(FUZZ_DIR)/yams/libYams.a
	mkdir -p $(FUZZ_DIR)/tomlkit
	cd $(FUZZ_DIR)/tomlkit && clang++ -c -std=c++17 -O1 -w -fsanitize=fuzzer-no-link,address -DTOML_EXCEPTIONS=1 $(TOML_ASSERTS_OFF) \
		-I$(abspath $(TOMLKIT))/Sources/CTOML/include $(abspath $(TOMLKIT))/Sources/CTOML/Sources/*.cpp
	find $(TOMLKIT)/Sources/TOMLKit -name '*.swift' -print0 | xargs -0 swiftc -sanitize=fuzzer,address -parse-as-library -O \
		-module-name TOMLKit -emit-library -static -emit-module -emit-module-path $(FUZZ_DIR)/tomlkit/TOMLKit.swiftmodule \
		-I $(TOMLKIT)/Sources/CTOML/include -suppress-warnings -o $(FUZZ_DIR)/tomlkit/libTOMLKit.a
	rm -f $(FUZZ_DIR)/ramp-fuzz
	swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -module-name Ramp -enable-upcoming-feature MemberImportVisibility \
		-I $(FUZZ_DIR)/yams -I $(YAMS)/Sources/CYaml/include -Xcc -DYAML_DECLARE_STATIC \
		-I $(FUZZ_DIR)/tomlkit -I $(TOMLKIT)/Sources/CTOML/include \
		$$(find Sources/Ramp -name '*.swift') Fuzz/*.swift $(FUZZ_DIR)/yams/libYams.a $(FUZZ_DIR)/yams/*.o \
		$(FUZZ_DIR)/tomlkit/libTOMLKit.a $(FUZZ_DIR)/tomlkit/*.o -lstdc++ \
		-o $(FUZZ_DIR)/ramp-fuzz 2>&1 | grep -v 'ld.gold: warning' || true
	test -x $(FUZZ_DIR)/ramp-fuzz
	cp Sources/Ramp/Emit/Python/*.py Sources/Ramp/Emit/Arrays/*.py Sources/Ramp/Compat/Prelude/*.ramp $(FUZZ_DIR)/
	RAMP_FUZZ=$(FUZZ_PARTS) ASAN_OPTIONS=malloc_context_size=255 LSAN_OPTIONS=suppressions=Fuzz/lsan.supp \
	$(FUZZ_DIR)/ramp-fuzz $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds -dict=grammar/ramp.dict \
		-seed=$(FUZZ_SEED) -max_total_time=$(SECONDS) -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/

clean:
	rm -rf .build

## integration: every test against the real frameworks. Creates a virtual
## environment in .build/integration-venv with torch (a local CPU wheel from
## $(WHEELS) when there is one), transformers, lightning, jax, optax and keras,
## then runs the Swift tests with it as $$RAMP_PYTHON and the Python integration
## tests in Tests/Integration. `make test` needs none of this.
VENV = .build/integration-venv
WHEELS ?= /opt/wheels
INTEGRATION_PACKAGES = torch transformers accelerate lightning jax optax keras numpy pytest nbconvert ipykernel fastai

## llm-frameworks: megatron-core, torchtitan, nemo-toolkit, paddlepaddle and fairseq (fairseq-fixed, its Python 3.11
## build) in .build/llm-venv, over the integration environment (a .pth file), installed without their dependency
## trees, which their schedulers never import (../shared/reference/README.md). Each is given 10 minutes; one that
## does not install is skipped by its test, which says so.
LLM_VENV = .build/llm-venv
LLM_PACKAGES = megatron-core==0.19.2 torchtitan==0.3.0 nemo-toolkit==3.0.0 paddlepaddle==3.3.1 tyro==1.0.17 \
	docstring-parser shtab typeguard spmd_types==0.2.3 hydra-core==1.3.8 omegaconf==2.3.0 \
	antlr4-python3-runtime==4.9.3 wrapt onnx==1.23.2 "protobuf>=6.31.1" httpx httpcore certifi
LLM_SITE = $(LLM_VENV)/lib/python3.11/site-packages
llm-frameworks:
	@test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	@$(VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > $(LLM_SITE)/integration.pth
	@$(LLM_VENV)/bin/python -c "import megatron.core, torchtitan, nemo, paddle" 2>/dev/null || \
		{ echo "Installing megatron-core, torchtitan, nemo-toolkit and paddlepaddle into $(LLM_VENV) (once)..."; \
		  timeout 600 $(LLM_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps \
			--ignore-requires-python $(LLM_PACKAGES) || echo "note: they did not install; their tests skip"; }
	@test -d $(LLM_SITE)/fairseq || \
		{ echo "Installing fairseq's Python sources (fairseq-fixed 0.12.3.1) into $(LLM_VENV) (once)..."; \
		  $(LLM_VENV)/bin/python -m pip install -q --disable-pip-version-check wheel "setuptools<81" cython && \
		  rm -rf .build/fairseq-src && \
		  timeout 600 $(LLM_VENV)/bin/python -m pip download -q --disable-pip-version-check --no-deps \
			--no-build-isolation -d .build/fairseq-src fairseq-fixed==0.12.3.1 && \
		  tar xzf .build/fairseq-src/fairseq_fixed-0.12.3.1.tar.gz -C .build/fairseq-src && \
		  cp -r .build/fairseq-src/fairseq_fixed-0.12.3.1/fairseq $(LLM_SITE)/ \
		  || echo "note: fairseq did not install; its tests skip"; }

integration: build
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@KERAS_BACKEND=jax $(VENV)/bin/python -c "import torch, transformers, lightning, jax, optax, keras, nbconvert, ipykernel, fastai.callback.schedule" 2>/dev/null || \
		{ echo "Installing $(INTEGRATION_PACKAGES) into $(VENV) (once; torch is large)..."; \
		  $(VENV)/bin/python -m pip install -q --disable-pip-version-check \
			$$( [ -d $(WHEELS) ] && echo --find-links $(WHEELS) ) $(INTEGRATION_PACKAGES); }
	$(SWIFT) build $(TOML_CXX) --build-tests $(BUILD_FLAGS)
	RAMP_PYTHON=$(abspath $(VENV))/bin/python $(SWIFT) test $(TOML_CXX) --skip-build $(BUILD_FLAGS)
	RAMP=$(abspath $(RAMP)) $(VENV)/bin/python -m pytest -q -rs -p no:cacheprovider Tests/Python Tests/Integration
	$(MAKE) --no-print-directory llm-frameworks
	RAMP=$(abspath $(RAMP)) $(LLM_VENV)/bin/python -m pytest -q -rs -p no:cacheprovider \
		Tests/Integration/test_llm_frameworks.py
	$(MAKE) --no-print-directory wheel
	RAMP=$(abspath $(RAMP)) RAMP_WHEEL_DIR=$(abspath $(WHEEL_DIR))/dist $(VENV)/bin/python -m pytest -q -rs -p no:cacheprovider Tests/Wheel
