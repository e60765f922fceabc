# flowq build, test, demo and benchmark entry points. See README.md.
GO        ?= go
BIN       ?= bin/flowq
PKGS      := ./...
export CGO_ENABLED := 1

.PHONY: all build test test-short demo bench lint fmt fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/flowq

# The whole suite: unit, integration (loopback S3, real DuckDB, real pty) and brief fuzzing.
test: lint
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

test-short:
	$(GO) test -short -count=1 $(PKGS)

demo: build
	./$(BIN) demo

bench: build
	$(GO) run ./cmd/flowbench

lint:
	$(GO) vet $(PKGS)
	@out="$$(gofmt -l cmd engine queries 2>/dev/null)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w cmd engine queries

clean:
	rm -rf bin
