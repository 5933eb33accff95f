# Raftoral build, test and run targets. Needs only node, npm, make and git: Bun is installed
# through npm into .tools/ when the right version is not already on PATH.

BUN_VERSION := 1.4.4
SYSTEM_BUN := $(shell command -v bun 2>/dev/null)
ifeq ($(SYSTEM_BUN),)
BUN := $(CURDIR)/.tools/node_modules/.bin/bun
else ifeq ($(shell $(SYSTEM_BUN) --version 2>/dev/null),$(BUN_VERSION))
BUN := $(SYSTEM_BUN)
else
BUN := $(CURDIR)/.tools/node_modules/.bin/bun
endif
export BUN

DEPS_STAMP := node_modules/.deps-installed
SOURCES := $(shell find src proto -type f 2>/dev/null) package.json bun.lock
LISTEN ?= 127.0.0.1:7001
SEEDS ?= 1000

.PHONY: all deps check test build run bench bench-smoke smoke sim sim-system chaos fuzz clean

all: build

$(CURDIR)/.tools/node_modules/.bin/bun:
	npm install --prefix .tools --no-save --no-package-lock --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)
	@$@ --version >/dev/null

$(DEPS_STAMP): package.json bun.lock | $(BUN)
	$(BUN) install --frozen-lockfile
	@touch $@

deps: $(DEPS_STAMP)

## check: typecheck, format and lint, and the project rules in scripts/tidy.ts
check: $(DEPS_STAMP)
	node_modules/.bin/tsc -p .
	node_modules/.bin/biome ci --reporter=summary .
	$(BUN) scripts/tidy.ts

## test: everything CI checks; prints "N passed, N failed" last
test: check
	scripts/run-tests.sh

## build: the single executable dist/raftoral
build: dist/raftoral

# The Dockerfile builds the same (test/integration/deploy.test.ts checks it).
# Two entrypoints: main.ts decides whether to relaunch before the rest (command.ts) is read.
COMPILE_ENTRYPOINTS := src/cli/main.ts src/cli/command.ts

dist/raftoral: $(DEPS_STAMP) $(SOURCES)
	$(BUN) build --compile --minify-whitespace --minify-syntax --bytecode $(COMPILE_ENTRYPOINTS) --outfile dist/raftoral

## smoke: the compiled binary works alone in an empty directory
smoke: dist/raftoral
	scripts/smoke.sh dist/raftoral

## run: a bootstrap node on $(LISTEN) with the default transport
run: dist/raftoral
	dist/raftoral --listen $(LISTEN) --bootstrap

## sim: a campaign of Raft simulation seeds (SEEDS=N, FROM=first seed)
sim: $(DEPS_STAMP)
	$(BUN) scripts/sim.ts --seeds $(SEEDS) --from $(or $(FROM),1)

## sim-system: a campaign of whole-system simulation seeds (SEEDS=N, FROM=first seed)
sim-system: $(DEPS_STAMP)
	$(BUN) scripts/sim-system.ts --seeds $(SEEDS) --from $(or $(FROM),1)

## chaos: long chaos runs, five real node processes per transport under workflow load while
## a nemesis kills, pauses and restarts nodes (CHAOS_SECONDS per transport, CHAOS_SEED,
## CHAOS_TRANSPORT=grpc|http|both); prints a summary, fails on any violation
CHAOS_SECONDS ?= 600
chaos: $(DEPS_STAMP)
	CHAOS_SECONDS=$(CHAOS_SECONDS) $(BUN) test/chaos/run-chaos.ts

## fuzz: long fuzz campaigns against three real node processes per transport (FUZZ_SECONDS per
## transport, FUZZ_SEED, FUZZ_TRANSPORT=grpc|http|both, FUZZ_ONLY to replay inputs)
FUZZ_SECONDS ?= 300
fuzz: $(DEPS_STAMP)
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BUN) test/fuzz/run-fuzz.ts

## bench: benchmarks, one JSON line per measurement, then a summary of the targets next to
## this machine's floor (BENCH_SCALE scales every sample count)
bench: $(DEPS_STAMP)
	$(BUN) bench/run-all.ts

## bench-smoke: every benchmark at a hundredth of its counts, to check they still run (CI)
bench-smoke: $(DEPS_STAMP)
	BENCH_SCALE=0.01 BENCH_RUNS=1 BENCH_REPAIR=0 RAFT_CLUSTER_GROUPS=1,2 CATCH_UP_GROUPS=1,2 IDLE_GROUPS=2 \
	  IDLE_NODES=1 IDLE_SETTLE_SECONDS=1 IDLE_SECONDS=1 $(BUN) bench/run-all.ts

clean:
	rm -rf dist .tools node_modules
