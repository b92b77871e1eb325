# ddbfs: a local DynamoDB you mount. Plain make (see README.md).
CC ?= cc
PKGS := fuse3 lmdb libcjson zlib libzstd libcrypto libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS ?= -O2 -g
SANITIZE ?=
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -MMD -MP $(PKG_CFLAGS) $(SANITIZE)
LDLIBS += $(PKG_LIBS) -lpthread -lm

BUILD ?= build
LAYOUT_SRC := $(wildcard layout/*.c)
ENGINE_SRC := $(wildcard engine/*.c)
FS_SRC := $(filter-out fs/main.c,$(wildcard fs/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

LAYOUT_OBJ := $(LAYOUT_SRC:%.c=$(BUILD)/%.o)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
FS_OBJ := $(FS_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit check-layers deps run bench clean asan tsan stress soak
all: $(BUILD)/ddbfs $(UNIT_BIN) $(BUILD)/tools/fsx

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/liblayout.a: $(LAYOUT_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(BUILD)/libengine.a: $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/ddbfs: $(BUILD)/fs/main.o $(FS_OBJ) $(BUILD)/libengine.a $(BUILD)/liblayout.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# fs/'s modules but main.c, for the unit tests of the daemon's own logic
# (tests/unit/test_fs_*.c): they set up fs's state on a real engine.
$(BUILD)/libfs.a: $(FS_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/tests/test_fs_%: $(BUILD)/tests/unit/test_fs_%.o $(BUILD)/libfs.a $(BUILD)/libengine.a \
		$(BUILD)/liblayout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libengine.a $(BUILD)/liblayout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The file-system exerciser the bats suite runs on ddbfs and on tmpfs.
$(BUILD)/tools/fsx: tests/tools/fsx.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

deps:
	./scripts/install-deps.sh

# Install what is missing, build, and mount $(DATA) on $(MNT).
DATA ?= $(CURDIR)/data
MNT ?= $(CURDIR)/mnt
run: deps
	$(MAKE) $(BUILD)/ddbfs
	./scripts/mount.sh $(DATA) $(MNT)

# Every test: unit tests (normal and sanitizer builds) and bats behaviour
# tests against real mounts; ends with one line "N passed, N failed".
test: deps
	./scripts/run-tests.sh

# kill -9 of the daemon under a mixed load, STRESS_N times; every
# acknowledged change must survive (tests/stress/crash.py)
STRESS_N ?= 1000
stress: $(BUILD)/ddbfs
	DDBFS=$(CURDIR)/$(BUILD)/ddbfs ./tests/stress/crash.sh $(STRESS_N)

# a mixed workload on one mount for SOAK_S seconds, its RSS, open files,
# map size and latencies every SOAK_TICK seconds; fails if they climb
SOAK_S ?= 600
SOAK_TICK ?= 60
soak: $(BUILD)/ddbfs
	DDBFS=$(CURDIR)/$(BUILD)/ddbfs SOAK_S=$(SOAK_S) SOAK_TICK=$(SOAK_TICK) ./tests/stress/soak.sh

unit: $(UNIT_BIN)
	./scripts/run-unit.sh $(BUILD)

ASAN_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g" SANITIZE="$(ASAN_SAN)" all

# The daemon and the unit tests under ThreadSanitizer; scripts/run-tests.sh
# runs the multi-threaded bats suites on this daemon (tests/tsan.supp).
tsan:
	$(MAKE) BUILD=build-tsan CFLAGS="-O1 -g" \
		SANITIZE="-fsanitize=thread -fno-omit-frame-pointer" \
		build-tsan/ddbfs $(UNIT_SRC:tests/unit/%.c=build-tsan/tests/%)

# The layers: layout is pure (libc, cJSON and itself), engine knows nothing
# of FUSE, fs nothing of LMDB and of the engine only its face, engine.h.
LIBC_H := assert|ctype|errno|float|inttypes|limits|math|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|strings|time
check-layers:
	@! grep -nE '#include' layout/*.[ch] | grep -vE '#include[[:space:]]*(<($(LIBC_H))\.h>|<cJSON\.h>|<cjson/cJSON\.h>|"[a-z0-9_]+\.h")' || (echo "layout/ may include only libc, cJSON and itself" && false)
	@! grep -nE '#include[[:space:]]*[<"]fuse' engine/*.[ch] || (echo "engine/ must not use FUSE" && false)
	@! grep -nE '#include[[:space:]]*[<"]lmdb' fs/*.[ch] || (echo "fs/ must not use LMDB" && false)
	@! grep -nE '#include[[:space:]]*"[^"]*engine/' fs/*.[ch] | grep -v '"../engine/engine.h"' || (echo "fs/ may include only engine/engine.h of the engine" && false)
	@echo "layers ok"

clean:
	rm -rf build build-asan build-tsan build-fault build-fuzz

# Fuzzing (README.md, "Fuzzing"). `make fuzz` builds each target of
# tests/fuzz/fuzz_*.c with libFuzzer and the sanitizers (clang, build-fuzz/)
# and runs it FUZZ_S seconds from its seed corpus, FUZZ_JOBS targets at once;
# findings land in build-fuzz/findings/. `make fuzz-replay` runs the seeds
# and the kept findings (tests/fuzz/regress/) through each target built by
# gcc with the sanitizers (build-asan/), as make test does.
FUZZ_S ?= 60
FUZZ_JOBS ?= 1
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIBS = $(BUILD)/libfs.a $(BUILD)/libengine.a $(BUILD)/liblayout.a
.PHONY: fuzz fuzz-build fuzz-replay fuzz-replay-build fuzz-deps
fuzz-deps:
	./scripts/install-deps.sh --fuzz
fuzz-build: fuzz-deps
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g" \
		SANITIZE="-fsanitize=fuzzer-no-link $(ASAN_SAN)" \
		$(FUZZ_TARGETS:%=build-fuzz/fuzz/%)
fuzz: fuzz-build
	FUZZ_S=$(FUZZ_S) FUZZ_JOBS=$(FUZZ_JOBS) ./scripts/run-fuzz.sh $(FUZZ_TARGETS)
build-fuzz/fuzz/%: tests/fuzz/%.c tests/fuzz/*.h build-fuzz/libfs.a build-fuzz/libengine.a \
		build-fuzz/liblayout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) $(LDLIBS)
fuzz-replay-build:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g" SANITIZE="$(ASAN_SAN)" \
		$(FUZZ_TARGETS:%=build-asan/fuzz/%)
fuzz-replay: fuzz-replay-build
	./scripts/run-fuzz-replay.sh build-asan $(FUZZ_TARGETS)
build-asan/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/*.h build-asan/libfs.a \
		build-asan/libengine.a build-asan/liblayout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(FUZZ_LIBS) $(LDLIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The benchmark (SPEC §18, bench/README.md): ddbfs beside tmpfs, a minimal
# in-memory FUSE file system, raw LMDB and dynalite; prints ops/s and ratios
# and writes bench/results.json.
.PHONY: bench-quick bench-scale bench-tools
BENCH_BIN := $(addprefix $(BUILD)/bench/,bench ceilingfs rawlmdb rawbatch dynaclient report scale space sweep pitr)
bench-tools: $(BUILD)/ddbfs $(BENCH_BIN)
$(BUILD)/bench/bench: $(BUILD)/bench/bench.o $(BUILD)/bench/common.o \
		$(BUILD)/bench/dynclient.o $(BUILD)/liblayout.a
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs lmdb libcjson)
# The FUSE ceiling links libfuse only: no LMDB, nothing of ours.
$(BUILD)/bench/ceilingfs: $(BUILD)/bench/ceilingfs.o
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs fuse3) -lpthread
$(BUILD)/bench/rawlmdb $(BUILD)/bench/scale $(BUILD)/bench/space $(BUILD)/bench/sweep \
		$(BUILD)/bench/pitr $(BUILD)/bench/rawbatch: \
		$(BUILD)/bench/%: $(BUILD)/bench/%.o \
		$(BUILD)/bench/common.o $(BUILD)/libengine.a $(BUILD)/liblayout.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/bench/dynaclient: $(BUILD)/bench/dynalite.o $(BUILD)/bench/common.o \
		$(BUILD)/bench/dynclient.o $(BUILD)/liblayout.a
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs libcjson) -lpthread
$(BUILD)/bench/report: $(BUILD)/bench/report.o
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs libcjson) -lm
bench: deps
	BUILD=$(BUILD) ./bench/run.sh full
bench-quick: deps
	BUILD=$(BUILD) ./bench/run.sh quick
bench-scale: deps
	BUILD=$(BUILD) ./bench/run.sh scale

# The fault build (tests/fault/, README): the engine's calls of malloc and
# friends, LMDB, file I/O, zlib, zstd, OpenSSL's digests and the HTTP
# endpoint's answers go through
# tests/fault/inject.c's wrappers (the linker's --wrap), which fail the Nth
# call of a class (and clock_gettime a fixed time); faultrun runs its workload for N = 1, 2, 3, ... per class.
FAULT_WRAP := malloc calloc realloc strdup strndup \
	mdb_txn_begin mdb_txn_commit mdb_txn_renew mdb_get mdb_put mdb_del \
	mdb_cursor_open mdb_cursor_get mdb_cursor_put mdb_cursor_del mdb_stat \
	mdb_env_set_mapsize mdb_env_sync mdb_env_info mdb_env_stat mdb_env_get_fd mdb_dbi_open \
	write pwrite read pread fsync fdatasync msync ftruncate rename posix_fallocate open \
	mkdir fopen fwrite fputs fclose \
	deflateInit2_ deflate deflateSetHeader inflateInit2_ inflate inflateReset \
	ZSTD_createDStream ZSTD_DCtx_setParameter ZSTD_decompressStream \
	EVP_MD_CTX_new EVP_DigestInit_ex EVP_DigestUpdate EVP_DigestFinal_ex EVP_Digest \
	MHD_create_response_from_buffer MHD_add_response_header MHD_queue_response \
	clock_gettime
comma := ,
FAULT_LDFLAGS := $(addprefix -Wl$(comma)--wrap=,$(FAULT_WRAP))

$(BUILD)/fault/faultrun: $(BUILD)/tests/fault/faultrun.o $(BUILD)/tests/fault/workload.o \
		$(BUILD)/tests/fault/inject.o \
		$(BUILD)/libfs.a $(BUILD)/libengine.a $(BUILD)/liblayout.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(FAULT_LDFLAGS) $(LDLIBS)

# Every class, every N, on a sanitizers' build (a leak fails a run).
.PHONY: faults fault-quick
faults:
	$(MAKE) BUILD=build-fault CFLAGS="-O1 -g" SANITIZE="$(ASAN_SAN)" build-fault/fault/faultrun
	ASAN_OPTIONS=detect_leaks=1 ./build-fault/fault/faultrun

# make test's share: every class, N = 1..50 and then a stride that keeps a
# class to about FAULT_RUNS runs, linked with the sanitizers' build that
# make test builds anyway (make asan).
FAULT_RUNS ?= 150
fault-quick:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g" SANITIZE="$(ASAN_SAN)" build-asan/fault/faultrun
	ASAN_OPTIONS=detect_leaks=1 FAULT_RUNS=$(FAULT_RUNS) ./build-asan/fault/faultrun
