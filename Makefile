# hdaq: MCAP telemetry logs in PostgreSQL.
#
# In the order of this file:
#   1. the cores, plain C11 without PostgreSQL: each folder (src/common,
#      src/mcap, src/decode, src/mat, src/column) compiled once into a static library
#      under build/core, plus one AddressSanitizer/UBSan variant
#      (build/asan) and one libFuzzer variant (build/fuzz) for the tests;
#   2. the extension (PGXS): the PostgreSQL side, linked with the cores;
#   3. the hdaq command (src/cli, libpq), linked with the cores;
#   4. the test programs and the fuzz targets, linked with the cores;
#   5. the tests: make installcheck (SQL and isolation tests against an
#      installed server; REGRESS=name for one), make prove_installcheck
#      (TAP tests, each with a server of its own; PROVE_TESTS=test/t/x.pl
#      for one), make test (every suite; SUITE="unit mat" for some,
#      SUITE=help for their names);
#   6. make demo, make bench.
#
# make test and make demo first install what is missing (tools/install-deps).

EXTENSION = hdaq
MODULE_big = hdaq
DATA = $(wildcard sql/hdaq--*.sql)

PG_CONFIG ?= pg_config
PKG_CONFIG ?= pkg-config
CLANG ?= clang
CLI_BINDIR ?= /usr/local/bin

# the default goal: the extension (PGXS adds it to all) and the command
all: src/cli/hdaq

# ---- 1. the cores ------------------------------------------------------------

# A library is every .c of its folder.
COMMON_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/common/*.c)))
MCAP_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/mcap/*.c)))
DECODE_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/decode/*.c)))
MAT_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/mat/*.c)))
COLUMN_OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/column/*.c)))
# in the order they link: a library before the ones it uses
CORE_LIBS = libmat.a libdecode.a libmcap.a libcolumn.a libcommon.a

CORE_A = $(addprefix build/core/,$(CORE_LIBS))
ASAN_A = $(addprefix build/asan/,$(CORE_LIBS))
FUZZ_A = $(addprefix build/fuzz/,$(CORE_LIBS))

# what the cores link to
MATIO_CFLAGS = $(shell $(PKG_CONFIG) --cflags matio)
EXTERNAL_LIBS = $(shell $(PKG_CONFIG) --libs libzstd liblz4 zlib matio) -lm

CORE_CPPFLAGS = -Isrc/common -Isrc/mcap -Isrc/decode -Isrc/mat -Isrc/column $(MATIO_CFLAGS)
C11 = -std=c11 -D_POSIX_C_SOURCE=200809L
CORE_CFLAGS = $(C11) -Wall -Wextra -Werror -O2 -g -fPIC
ASAN_CFLAGS = $(C11) -Wall -Werror -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = $(C11) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined

# One object per source and variant: build/<variant>/<path of the source>.o
# (the test programs' and the command's sources too).  -MMD writes the
# headers each object depends on beside it (.d), read at the end of this file.
build/core/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CORE_CFLAGS) $(CORE_CPPFLAGS) -MMD -MP -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(ASAN_CFLAGS) $(CORE_CPPFLAGS) -MMD -MP -c -o $@ $<

build/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(CORE_CPPFLAGS) -MMD -MP -c -o $@ $<

# build/<variant>/lib<core>.a holds build/<variant>/src/<core>/*.o; an
# empty folder makes an empty library.
build/core/libcommon.a: $(addprefix build/core/,$(COMMON_OBJS))
build/asan/libcommon.a: $(addprefix build/asan/,$(COMMON_OBJS))
build/fuzz/libcommon.a: $(addprefix build/fuzz/,$(COMMON_OBJS))
build/core/libmcap.a: $(addprefix build/core/,$(MCAP_OBJS))
build/asan/libmcap.a: $(addprefix build/asan/,$(MCAP_OBJS))
build/fuzz/libmcap.a: $(addprefix build/fuzz/,$(MCAP_OBJS))
build/core/libdecode.a: $(addprefix build/core/,$(DECODE_OBJS))
build/asan/libdecode.a: $(addprefix build/asan/,$(DECODE_OBJS))
build/fuzz/libdecode.a: $(addprefix build/fuzz/,$(DECODE_OBJS))
build/core/libmat.a: $(addprefix build/core/,$(MAT_OBJS))
build/asan/libmat.a: $(addprefix build/asan/,$(MAT_OBJS))
build/fuzz/libmat.a: $(addprefix build/fuzz/,$(MAT_OBJS))
build/core/libcolumn.a: $(addprefix build/core/,$(COLUMN_OBJS))
build/asan/libcolumn.a: $(addprefix build/asan/,$(COLUMN_OBJS))
build/fuzz/libcolumn.a: $(addprefix build/fuzz/,$(COLUMN_OBJS))
$(CORE_A) $(ASAN_A) $(FUZZ_A):
	rm -f $@ && $(AR) crs $@ $^

# ---- 2. the extension ----------------------------------------------------------

# The PostgreSQL side: entry points, engines and the store.
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/functions/*.c src/engine/*.c src/store/*.c)))
PG_CPPFLAGS = -Isrc -Isrc/common -Isrc/mcap -Isrc/decode -Isrc/mat -Isrc/column $(MATIO_CFLAGS)
# -Wextra without -Wunused-parameter: PostgreSQL's own headers (ilist.h,
# bufpage.h) have unused parameters in their inline functions.
PG_CFLAGS = -Wextra -Werror -Wno-unused-parameter -MMD -MP
SHLIB_LINK = $(CORE_A) $(EXTERNAL_LIBS) $(shell $(PKG_CONFIG) --libs libcrypto)

# SQL tests, as pgvector lays them out: test/sql/<name>.sql against
# test/expected/<name>.out; each stands alone (creates the extension and
# the data it reads), so make installcheck REGRESS=<name> runs one.
REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --encoding=UTF8
ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation
# databases named after the extension (contrib_regression_hdaq...)
USE_MODULE_DB = 1

EXTRA_CLEAN = build src/cli/hdaq $(TEST_PROGRAMS) test/decode/numbers test/decode/numbers.d $(FUZZ_TARGETS) $(OBJS:.o=.d)

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
# the extension's shared library links the core libraries (SHLIB_LINK)
$(shlib): $(CORE_A)
else ifeq ($(filter test demo demo-stop,$(MAKECMDGOALS)),)
$(error $(PG_CONFIG) not found: run tools/install-deps first (make test and make demo run it themselves))
endif

# ---- 3. the hdaq command ----------------------------------------------------------

CLI_OBJS = $(patsubst %.c,build/core/%.o,$(sort $(wildcard src/cli/*.c)))
# hdaq plot draws with cairo (SVG and PNG surfaces)
build/core/src/cli/%.o: CORE_CPPFLAGS += -I$(shell $(PG_CONFIG) --includedir) $(shell $(PKG_CONFIG) --cflags cairo)

src/cli/hdaq: $(CLI_OBJS) $(CORE_A)
	$(CC) -o $@ $^ -Wl,--as-needed -L$(shell $(PG_CONFIG) --libdir) -lpq -lcrypto \
		$(shell $(PKG_CONFIG) --libs cairo) $(EXTERNAL_LIBS)

install: install-cli
.PHONY: install-cli
install-cli: src/cli/hdaq
	$(MKDIR_P) '$(DESTDIR)$(CLI_BINDIR)'
	$(INSTALL_PROGRAM) src/cli/hdaq '$(DESTDIR)$(CLI_BINDIR)/hdaq'

# ---- 4. test programs and fuzz targets -------------------------------------------

# One main each: the unit tests of the cores, the conformance reader, and the
# tools of the independent checks (test/decode, test/mcapjs).
UNIT_TESTS = $(basename $(sort $(wildcard test/unit/test_*.c)))
TEST_TOOLS = $(basename $(sort $(wildcard test/conformance/reader.c test/decode/decode_stream.c test/mcapjs/*.c)))
TEST_PROGRAMS = $(UNIT_TESTS) $(TEST_TOOLS)
# the unit tests and the conformance reader again, with AddressSanitizer/UBSan
ASAN_PROGRAMS = $(addprefix build/asan/,$(UNIT_TESTS) test/conformance/reader)
# libFuzzer targets: test/fuzz/fuzz_<name>.c
FUZZ_TARGETS = $(basename $(sort $(wildcard test/fuzz/fuzz_*.c)))

# the jsonb builder's numerics against the JSON writer's text
# (test/decode/numbers.c): numeric_build.c with PostgreSQL's Ryu
# (libpgcommon), outside the server
test/decode/numbers: test/decode/numbers.c src/engine/numeric_build.c src/engine/numeric_build.h $(CORE_A)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ test/decode/numbers.c src/engine/numeric_build.c \
		$(CORE_A) -L$(shell $(PG_CONFIG) --pkglibdir) -lpgcommon -lpgport -lm

$(TEST_PROGRAMS): %: build/core/%.o $(CORE_A)
	$(CC) -o $@ $^ -Wl,--as-needed $(EXTERNAL_LIBS)

$(ASAN_PROGRAMS): build/asan/%: build/asan/%.o $(ASAN_A)
	$(CLANG) -fsanitize=address,undefined -o $@ $^ -Wl,--as-needed $(EXTERNAL_LIBS)

$(FUZZ_TARGETS): %: build/fuzz/%.o $(FUZZ_A)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ -Wl,--as-needed $(EXTERNAL_LIBS)

.PHONY: test-programs fuzz fuzz-smoke
test-programs: $(TEST_PROGRAMS) $(ASAN_PROGRAMS)
fuzz: $(FUZZ_TARGETS)
# every target over its seed corpus, then fuzzing 3 s each (make test runs it)
fuzz-smoke:
	test/fuzz/replay.sh --seconds 3

# ---- 5. tests ------------------------------------------------------------------------

# make test: every suite (test/run-all), or those of SUITE; SUITE=help lists them.
.PHONY: test
test:
	@test/run-all $(SUITE)

# TAP tests (test/t): each starts a server of its own with
# PostgreSQL::Test::Cluster, from the installed PostgreSQL and hdaq.
# initdb refuses to run as root: as root, they run as the postgres user.
TAP_USER = $(if $(filter 0,$(shell id -u)),postgres)
.PHONY: prove_installcheck
prove_installcheck:
	rm -rf build/tap && mkdir -p build/tap
	$(if $(TAP_USER),chown $(TAP_USER) build/tap)
	$(if $(TAP_USER),runuser -u $(TAP_USER) --) env TESTDIR='$(CURDIR)/build/tap' \
		PATH="$(bindir):$$PATH" PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
		$(PROVE) $(PG_PROVE_FLAGS) -I test/t $(PROVE_FLAGS) $(or $(PROVE_TESTS),test/t/*.pl)

# ---- 6. demo and benchmarks --------------------------------------------------------------

# make demo: install what is missing, build, start a server of its own
# (build/demo), load the bundled logs and a generated session, print a tour.
# make demo-stop: stop that server.
.PHONY: demo demo-stop
demo:
	tools/demo/demo.sh
demo-stop:
	tools/demo/stop.sh

# make bench: a 1-hour session against the baselines, into bench/RESULTS.md;
# make bench QUICK=1: a 2-minute session, to check that the harness works.
# make bench MANY=1: many runs in one store, a store grown from 10 to 10,000
# files (bench/many_files.py), into its section of bench/RESULTS.md; with
# QUICK=1 up to 1,000 files; MANY_STEPS=10,100,1000,10000,100000 for others.
# make bench JSONB=1: one topic decoded to jsonb (bench/jsonb.py), into
# bench/JSONB.md and its section of bench/RESULTS.md.
.PHONY: bench
bench:
	bench/run $(if $(filter 1 yes true,$(QUICK)),--quick) \
		$(if $(filter 1 yes true,$(MANY)),--many) $(if $(MANY_STEPS),--steps $(MANY_STEPS)) \
		$(if $(filter 1 yes true,$(JSONB)),--jsonb)

# the headers each object was built from (written by -MMD)
-include $(wildcard build/*/src/*/*.d build/*/test/*/*.d) $(wildcard $(OBJS:.o=.d))
