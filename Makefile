# flowq build, test, demo and benchmark entry points. See README.md.
GO        ?= go
BIN       ?= bin/flowq
PKGS      := ./...
export CGO_ENABLED := 1

.PHONY: all build test test-deps test-short demo bench bench-scale lint fmt fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/flowq

# The whole suite: unit, integration (loopback S3, real DuckDB, real pty) and brief fuzzing.
test: test-deps lint
	$(GO) test -count=1 -timeout 30m $(PKGS)
	$(MAKE) --no-print-directory fuzz

# Brief fuzz runs of the parsers, the statement splitter and the Athena rewrite on their
# checked-in corpora. Budgets are execution counts, not durations: a duration-based -fuzztime
# races Go 1.26's fuzz coordinator and fails with "context deadline exceeded" on a busy machine
# (golang/go#75804, fixed in Go 1.27).
FUZZ_N ?= 1
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseRecord$$' -fuzztime $$((300000 * $(FUZZ_N)))x ./engine/flowlog
	$(GO) test -run '^$$' -fuzz '^FuzzParseLine$$' -fuzztime $$((300000 * $(FUZZ_N)))x ./engine/flowlog
	$(GO) test -run '^$$' -fuzz '^FuzzSplit$$' -fuzztime $$((200000 * $(FUZZ_N)))x ./engine/sqlscan
	$(GO) test -run '^$$' -fuzz '^FuzzRewrite$$' -fuzztime $$((100000 * $(FUZZ_N)))x ./engine/compat
	$(GO) test -run '^$$' -fuzz '^FuzzCIDRFastPath$$' -fuzztime $$((100000 * $(FUZZ_N)))x ./engine/compat

# The HTML report test opens the report in headless Chromium: install Debian's package when it is
# missing (needs root or sudo), so `make test` works on a fresh machine.
test-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "make: installing chromium for the HTML report test" >&2; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

test-short:
	$(GO) test -short -count=1 $(PKGS)

demo: build
	./$(BIN) demo

bench: build
	$(GO) run ./cmd/flowbench

# The month-scale benchmark (issue 22): a 60 M-record busy day, a 300 M-record month and a
# scanner-heavy month, up to 45 minutes on an idle 2-core machine once the data is generated
# (into .bench-cache, kept for later runs). BENCH_SCALE=0.01 shrinks every size for a smoke run.
bench-scale: build
	$(GO) run ./cmd/flowbench -only month

lint:
	$(GO) vet $(PKGS)
	$(GO) mod tidy -diff
	@out="$$(gofmt -l cmd engine queries 2>/dev/null)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w cmd engine queries

clean:
	rm -rf bin
