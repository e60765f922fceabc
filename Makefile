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

# Brief fuzz runs of the record parser and the statement splitter on their checked-in corpora.
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseRecord$$' -fuzztime $(FUZZTIME) ./engine/flowlog
	$(GO) test -run '^$$' -fuzz '^FuzzParseLine$$' -fuzztime $(FUZZTIME) ./engine/flowlog
	$(GO) test -run '^$$' -fuzz '^FuzzSplit$$' -fuzztime $(FUZZTIME) ./engine/sqlscan
	$(GO) test -run '^$$' -fuzz '^FuzzRewrite$$' -fuzztime $(FUZZTIME) ./engine/compat

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
