# PlateWatch: `make demo` and `make test` do all set-up on a fresh Debian machine with Swift installed.
# apt runs only when a package is missing, so re-running is quick.

SWIFT      ?= swift
CONFIG     ?= release
SUDO       := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
BIN        := .build/$(CONFIG)/platewatch

# Native libraries the build links, and the OCR models it loads.
RUNTIME_PACKAGES := pkg-config libavcodec-dev libavformat-dev libswscale-dev libavutil-dev \
                    libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-chi-sim libsqlite3-dev libnats-dev
# What the tests start or call besides the product: a JSON Schema validator for the event schema,
# GStreamer's RTSP server (tools/rtsp/serve.py) that the ingest tests stream the clips from, and
# nats-server for the JetStream sink's cluster test.
TEST_PACKAGES := python3-jsonschema nats-server python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
                 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad chromium chromium-driver python3-pip postgresql
# From PyPI, for Debian's python3: Selenium drives headless Chromium in the desk's browser tests;
# openapi-spec-validator checks the desk's /openapi.yaml.
TEST_PIP := selenium openapi-spec-validator

# Only for regenerating testvideos/ (`make footage`).
FOOTAGE_PACKAGES := ffmpeg python3-pil python3-numpy fonts-dejavu-core fonts-dejavu-extra fonts-wqy-microhei

# Only for retraining the plate OCR model (`make model`): Tesseract's training tools and the fonts.
TRAIN_PACKAGES := tesseract-ocr python3-pil python3-numpy fonts-dejavu-core fonts-dejavu-extra fonts-liberation \
                  fonts-roboto-unhinted fonts-open-sans fonts-bebas-neue fonts-freefont-ttf fonts-clear-sans \
                  fonts-routed-gothic fonts-wqy-microhei fonts-wqy-zenhei

define apt_ensure
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: all deps footage-deps train-deps build demo test bench compare-models footage model clean

all: build

deps:
	$(call apt_ensure,$(RUNTIME_PACKAGES))

footage-deps:
	$(call apt_ensure,$(FOOTAGE_PACKAGES))

train-deps:
	$(call apt_ensure,$(TRAIN_PACKAGES))

build: deps
	$(SWIFT) build -c $(CONFIG)

# Runs every bundled clip through the pipeline with the built-in defaults: events are printed as they
# are published and appended to ./var/events.jsonl; the outbox is ./var/platewatch.sqlite. Then starts the
# desk on them (http://127.0.0.1:$(DESK_PORT)/; Ctrl-C stops it): it prints the admin's one-time password.
DESK_PORT ?= 8080
demo: build
	@# Events of files have ids derived from the footage (a rerun after a crash is deduplicated by id),
	@# so the demo starts from empty stores to show every event again, and a new one-time admin password.
	rm -f var/platewatch.sqlite var/platewatch.sqlite-wal var/platewatch.sqlite-shm var/desk.sqlite var/desk.sqlite-wal var/desk.sqlite-shm
	$(BIN) run --print
	$(BIN) desk --port $(DESK_PORT)

# Unit tests, then the end-to-end checks (real footage, real SQLite, the CLI as a user runs it), then a
# short accuracy-only bench: it reports missed targets but speed and targets are never asserted here.
# OMP_THREAD_LIMIT: libgomp reads it at load time; the test process runs Tesseract in-process (the CLI
# sets it for itself).
test: build
	$(call apt_ensure,$(TEST_PACKAGES))
	@/usr/bin/python3 -c "import selenium, openapi_spec_validator" 2>/dev/null || \
		$(SUDO) /usr/bin/python3 -m pip install -q --break-system-packages $(TEST_PIP)
	@# One test at a time: the end-to-end tests run real servers and real-time streams, and on two cores
	@# tests that wait on them in parallel starve Swift's cooperative pool that the delivery tasks run on.
	OMP_THREAD_LIMIT=1 $(SWIFT) test -c $(CONFIG) --no-parallel
	$(BIN) bench --accuracy-only --report-only --out var/bench

# The full benchmark: decode-only vs pipeline fps, live capacity, accuracy, latency, stills from
# ../shared/data/real when present. Writes benchmarks/results/ and exits non-zero on a missed target.
# Vietnamese and Chinese sets use the border-crossing grammars; the EU/US sets the generic one. The
# Vietnamese parking-lot frames are close-up motorbike plates: their photos are read as a camera with
# close_up: true (--close-up touches only still photos, not the footage nor crop sets).
REAL := ../shared/data/real
BORDER_SETS := $(wildcard $(REAL)/vn_vitocolerole_plate_crops $(REAL)/cn_lprnet_plate_crops $(REAL)/vn_mrzaizai2k_parking_frames)
OTHER_SETS := $(wildcard $(REAL)/openalpr_seg_ocr_us_crops $(REAL)/openalpr_endtoend_eu)
bench: build
	$(BIN) bench --close-up $(foreach s,$(BORDER_SETS),--stills $(s)); status=$$?; \
	$(if $(OTHER_SETS),$(BIN) bench --no-footage --regions generic --report-name stills-generic $(foreach s,$(OTHER_SETS),--stills $(s)) || status=$$?;) \
	exit $$status

# The plate models against stock eng, each alone (no fallback, no second model voting): bundled footage
# (vehicles and crops) and the real sets (crop sets on their held-out part). `make bench` gives the default
# (plate with plate-b voting on crops and photos). Reports: benchmarks/results/model-<model>-*.md.
compare-models: build
	for m in plate plate-b eng; do \
		$(BIN) bench --accuracy-only --report-only --close-up --ocr-model $$m --fallback-model none --vote-model none \
			--report-name model-$$m-border $(foreach s,$(BORDER_SETS),--stills $(s)) || exit $$?; \
		$(if $(OTHER_SETS),$(BIN) bench --no-footage --report-only --regions generic --ocr-model $$m --fallback-model none \
			--vote-model none --report-name model-$$m-generic $(foreach s,$(OTHER_SETS),--stills $(s)) || exit $$?;) \
	done

# Regenerates testvideos/ from the deterministic generator (same bytes every run).
footage: footage-deps
	/usr/bin/python3 tools/footage/generate.py --out testvideos
	/usr/bin/python3 tools/footage/frames.py testvideos

# Retrains models/plate-b.traineddata from scratch (60 min measured from a fresh clone, build included; not part of `make test`):
# renders plates, cuts them with the reader's own line cutter, trains with lstmtraining on them and on the
# training part of ../shared/data/real's crop sets (models/train/split.csv, labels corrected by
# benchmarks/label-corrections.csv), anneals the last state at a tenth of the learning rate, evaluates with
# lstmeval. plate-b is the second model that votes on crops and still photos (`ocr.vote_model`); the run is
# repeatable (session 14's run gave session 13's lstmeval figures to the digit). The first model,
# models/plate.traineddata, is an earlier recipe's run (session 5): models/README.md.
# Scratch files go to var/train; the evaluation summary to var/train/eval.txt.
model: build train-deps
	models/train/train.sh

clean:
	rm -rf .build var
