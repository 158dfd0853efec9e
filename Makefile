# smallworld — see README.md. Two commands do all the set-up on a fresh
# Debian 12 machine (as root): `make demo` and `make test`.

GO       ?= go
BIN      := bin/smallworld
APT_PKGS := libunicorn-dev qemu-user gdb-multiarch gcc make time bc curl gcc-i686-linux-gnu gcc-aarch64-linux-gnu gcc-arm-linux-gnueabi gcc-arm-linux-gnueabihf gcc-mips-linux-gnu gcc-mipsel-linux-gnu gcc-mips64-linux-gnuabi64 gcc-mips64el-linux-gnuabi64 gcc-powerpc-linux-gnu gcc-powerpc64-linux-gnu gcc-powerpc64le-linux-gnu
DEMO_DIR := $(CURDIR)/bin/demo

.PHONY: all setup build demo test fixtures fuzz bench vet clean

all: build

# setup installs the Debian packages the build, the demo and the tests
# need, when any is missing, and puts Unicorn 2.1.1 (trixie's static
# library, which the default build links) in .deps/ (see RATIONALE.md).
setup:
	@scripts/setup.sh $(APT_PKGS)
	@scripts/unicorn.sh

build: setup
	$(GO) build -o $(BIN) ./cmd/smallworld

# demo: build a program that reads a word, traps, then puts it; make a
# Linux core of it; resume the core with smallworld so the word is printed.
demo: build
	@scripts/demo.sh $(BIN) $(DEMO_DIR)

fixtures: setup
	$(GO) run ./internal/tools/genfixtures -out testdata/gen -platforms all

vet:
	$(GO) vet ./...

test: setup fixtures vet
	$(GO) test -count=1 ./...

# fuzz runs each parser's fuzz target (FUZZTIME each, default 60s).
FUZZTIME ?= 60s
fuzz: setup fixtures
	$(GO) test -run='^$$' -fuzz='^FuzzParseELF$$' -fuzztime=$(FUZZTIME) ./load/
	$(GO) test -run='^$$' -fuzz='^FuzzParseCore$$' -fuzztime=$(FUZZTIME) ./load/

# bench runs every Go benchmark, then times resumed cores against
# qemu-user (scripts/bench-vs-qemu.sh).
bench: build fixtures
	$(GO) test -run='^$$' -bench=. -benchmem ./...
	scripts/bench-vs-qemu.sh

clean:
	rm -rf bin testdata/gen
