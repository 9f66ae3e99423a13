# The two commands of the README:
#   make run    builds everything (web app included) and starts Kontor with the demo company
#   make test   runs every test: Rust unit and integration tests, web unit tests, browser tests
# Everything else here serves those two.

export CARGO_TARGET_DIR ?= $(CURDIR)/target
LISTEN ?= 0.0.0.0:8080

.PHONY: run test web web-deps build-debug check-tools rust-test web-test e2e lint bench

run: web
	cargo build --release
	$(CARGO_TARGET_DIR)/release/kontor serve --demo --listen $(LISTEN)

test: check-tools web build-debug rust-test web-test e2e

check-tools:
	@command -v cargo >/dev/null || { echo "cargo is missing: install Rust (https://rustup.rs)"; exit 1; }
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer"; exit 1; }
	@test -x /usr/bin/chromium || { echo "/usr/bin/chromium is missing: sudo apt-get install chromium (browser tests)"; exit 1; }

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

bench:
	cargo bench --bench http -- --customers $${CUSTOMERS:-100000}

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
