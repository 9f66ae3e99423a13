# The two commands of the README:
#   make run    builds everything (web app included) and starts Kontor with the demo company
#   make test   runs every test: Rust unit and integration tests, web unit tests, browser tests
# Everything else here serves those two.

export CARGO_TARGET_DIR ?= $(CURDIR)/target
LISTEN ?= 0.0.0.0:8080

.PHONY: run test web web-deps build-debug check-tools rust-test web-test e2e lint bench bench-dedup fuzz conformance

run: web
	cargo build --release
	$(CARGO_TARGET_DIR)/release/kontor serve --demo --listen $(LISTEN)

test: check-tools web build-debug rust-test web-test e2e

check-tools:
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust (https://rustup.rs)"; exit 1; }
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer"; exit 1; }
	@scripts/browser-deps.sh

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web-deps: web/node_modules/.package-lock.json

web: web-deps
	cd web && npm run build

build-debug:
	cargo build

rust-test:
	cargo test

web-test:
	cd web && npm run test:unit

e2e: build-debug
	cd web && npm run test:e2e

# API conformance (issue 12): schemathesis, an OpenAPI fuzzer from PyPI (installed into a venv
# under /var/tmp on first use), against a fresh server as the admin and as a sales rep: no 5xx,
# no answer the document does not list, no schema-violating request accepted. See .ci/schemathesis.
conformance: build-debug
	.ci/schemathesis

bench:
	cargo bench --bench http -- --customers $${CUSTOMERS:-100000}
	cargo bench --bench sales -- --orders $${ORDERS:-100000}

# Duplicate quality and import speed on the generated book of ../shared/testdata (issue 11).
bench-dedup:
	cargo bench --bench dedup -- --customers $${CUSTOMERS:-100000}

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

# Fuzzing (issue 6): every target of fuzz/ (import readers, dedup normalisers) for FUZZ_SECONDS
# each, with cargo-fuzz on the stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc take the
# address sanitizer's -Z flag, which -malloc_limit_mb needs. Builds go to their own target
# directory (other flags than the main build). Each run starts from the committed seeds; the
# corpus it grows is thrown away unless FUZZ_CORPUS names a directory to keep (absolute path):
# replaying a kept corpus takes longer every run. A finding stops the run and leaves its input
# in fuzz/artifacts/<target>/. See fuzz/README.md.
FUZZ_SECONDS ?= 20
FUZZ_TARGETS ?= csv_reader xlsx_reader xlsx_parts normalize_name normalize_email_phone_website
FUZZ_TARGET_DIR ?= /var/tmp/kontor-fuzz-target
FUZZ_CORPUS ?= $(FUZZ_TARGET_DIR)/tmp/corpus
FUZZ_FLAGS ?= -rss_limit_mb=2048 -malloc_limit_mb=128 -timeout=10 -verbosity=0 -print_final_stats=1
FUZZ_CARGO = cd fuzz && RUSTC_BOOTSTRAP=1 TMPDIR=$(FUZZ_TARGET_DIR)/tmp cargo fuzz

# The fuzzed dependencies are the shipped ones: the lock file starts as a copy of the main one.
fuzz/Cargo.lock: Cargo.lock
	cp Cargo.lock fuzz/Cargo.lock

fuzz: fuzz/Cargo.lock
	@command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: cargo install cargo-fuzz --version 0.13.2 --locked"; exit 1; }
	rm -rf $(FUZZ_TARGET_DIR)/tmp
	mkdir -p $(FUZZ_TARGET_DIR)/tmp
	$(FUZZ_CARGO) build --target-dir $(FUZZ_TARGET_DIR)
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_CORPUS)/$$t && \
	  ( $(FUZZ_CARGO) run --target-dir $(FUZZ_TARGET_DIR) $$t $(FUZZ_CORPUS)/$$t seeds/$$t -- \
	      -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) ) || exit 1; \
	done
	rm -rf $(FUZZ_TARGET_DIR)/tmp
