# Ramp: `make run` sets up, builds and runs the main job; `make test` runs every test.
SWIFT ?= swift
BUILD_FLAGS ?=
RAMP = .build/debug/ramp
SAMPLE = samples/card.ramp
SAMPLE_METRICS = samples/card.metrics

.PHONY: run test build release deps clean

APT_INSTALL = apt-get install -y -q --no-install-recommends

## deps: install what the build needs (libedit-dev for the REPL's line editor),
## and, when root, what the end-to-end tests drive: tmux and an SVG renderer.
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
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		echo "Installing$$missing (the tests render charts and drive the REPL in a terminal)..."; \
		$(APT_INSTALL) $$missing >/dev/null 2>&1 || (apt-get update -q >/dev/null && $(APT_INSTALL) $$missing >/dev/null 2>&1) || true; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

## run: the card example trains a logistic regression (Breast Cancer Wisconsin);
## the cosine phase ends when the validation loss stops improving.
run: build
	$(RAMP) explain $(SAMPLE)
	@echo
	$(RAMP) run $(SAMPLE) --objective logistic --optimizer momentum --batch-size 32 --log .build/card-run.csv
	@echo
	$(RAMP) plot --run .build/card-run.csv --height 10

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)
	$(RAMP) check samples/*.ramp

clean:
	rm -rf .build
