# hdaq: MCAP telemetry logs in PostgreSQL.
#
# Builds with PGXS: the extension (src/*.c glue over the src/mcap and
# src/decode cores), the hdaq command (src/cli, libpq), and the test
# programs.  `make test` runs every suite against a throwaway server;
# `make installcheck` runs the SQL tests against an installed one.

EXTENSION = hdaq
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" hdaq.control)
MODULE_big = hdaq
DATA = $(wildcard sql/hdaq--*.sql)

PG_CONFIG ?= pg_config
PKG_CONFIG ?= pkg-config
CLANG ?= clang
CLI_BINDIR ?= /usr/local/bin

COMMON_SRCS = $(sort $(wildcard src/common/*.c))
MCAP_SRCS = $(sort $(wildcard src/mcap/*.c)) $(COMMON_SRCS)
DECODE_SRCS = $(sort $(wildcard src/decode/*.c)) $(COMMON_SRCS)
GLUE_SRCS = $(sort $(wildcard src/*.c))
CLI_SRCS = $(sort $(wildcard src/cli/*.c))
CORE_SRCS = $(sort $(MCAP_SRCS) $(DECODE_SRCS))
CORE_HEADERS = $(wildcard src/common/*.h src/mcap/*.h src/decode/*.h)
CORE_OBJS = $(CORE_SRCS:.c=.o)
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_OBJS)

CORE_LIBS = $(shell $(PKG_CONFIG) --libs libzstd liblz4 zlib) -lm
MATIO_CFLAGS = $(shell $(PKG_CONFIG) --cflags matio 2>/dev/null)
MATIO_LIBS = $(shell $(PKG_CONFIG) --libs matio 2>/dev/null)

PG_CPPFLAGS = -Isrc -Isrc/common -Isrc/mcap -Isrc/decode $(MATIO_CFLAGS)
# -Wextra without -Wunused-parameter: PostgreSQL's own headers (ilist.h,
# bufpage.h) have unused parameters in their inline functions.
PG_CFLAGS = -Wextra -Werror -Wno-unused-parameter
SHLIB_LINK = $(CORE_LIBS) $(MATIO_LIBS)

# SQL tests: sql/<name>.sql against expected/<name>.out, in this order.
REGRESS = mcap_type info ingest messages export decode bad_input mat
REGRESS_OPTS = --inputdir=. --encoding=UTF8
ISOLATION = ingest_concurrent
ISOLATION_OPTS = --inputdir=test/isolation

EXTRA_CLEAN = src/cli/hdaq $(CORE_PROGRAMS) build test/fuzz/fuzz_reader test/fuzz/fuzz_mat \
	$(patsubst %.c,%,$(wildcard test/fuzz/fuzz_decode_*.c))

# The cores are plain C11 libraries, compiled with their own strict flags.
CORE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
	-O2 -g -fPIC
CORE_INCLUDES = -Isrc/common -Isrc/mcap -Isrc/decode
ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -O1 -g
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -O1 -g

# ---- MAT export: src/mat builds MATLAB files over libmatio (and HDF5 for
# v7.3), without PostgreSQL; test/mat reads them back (SciPy, h5py, Octave).
MAT_SRCS = $(sort $(wildcard src/mat/*.c))
MAT_OBJS = $(MAT_SRCS:.c=.o)
OBJS += $(MAT_OBJS)
PG_CPPFLAGS += -Isrc/mat

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(CORE_OBJS): %.o: %.c $(CORE_HEADERS)
	$(CC) $(CORE_CFLAGS) $(CORE_INCLUDES) -c -o $@ $<

$(GLUE_SRCS:.c=.o): $(wildcard src/*.h) $(CORE_HEADERS)

# ---- programs built from the cores ---------------------------------------

# $(call core_program,OUTPUT,MAIN SOURCES,CORE SOURCES,COMPILER AND FLAGS)
define core_program
$(1): $(2) $(3) $(CORE_HEADERS)
	@mkdir -p $$(dir $$@)
	$(4) $$(CORE_INCLUDES) -o $$@ $(2) $(3) $$(CORE_LIBS)
endef

CORE_CC = $(CC) $(CORE_CFLAGS)
ASAN_CC = $(CLANG) -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Werror $(ASAN_FLAGS)
FUZZ_CC = $(CLANG) -std=c11 -D_POSIX_C_SOURCE=200809L $(FUZZ_FLAGS)

# name | main source | cores; only those whose main source exists
CORE_PROGRAM_CANDIDATES = \
	test/unit/test_mcap|test/unit/test_mcap.c|MCAP \
	test/unit/test_writer|test/unit/test_writer.c|MCAP \
	test/unit/test_decode|test/unit/test_decode.c|DECODE \
	test/conformance/reader|test/conformance/reader.c|MCAP \
	test/decode/decode_stream|test/decode/decode_stream.c|DECODE \
	test/mcapjs/write_sample|test/mcapjs/write_sample.c|MCAP

prog_name = $(word 1,$(subst |, ,$(1)))
prog_main = $(word 2,$(subst |, ,$(1)))
prog_srcs = $($(word 3,$(subst |, ,$(1)))_SRCS)
CORE_PROGRAM_LIST = $(foreach p,$(CORE_PROGRAM_CANDIDATES),$(if $(wildcard $(call prog_main,$(p))),$(p)))

CORE_PROGRAMS = $(foreach p,$(CORE_PROGRAM_LIST),$(call prog_name,$(p)))
ASAN_PROGRAMS = $(foreach p,$(CORE_PROGRAM_LIST),build/asan/$(notdir $(call prog_name,$(p))))

$(foreach p,$(CORE_PROGRAM_LIST),$(eval $(call core_program,$(call prog_name,$(p)),$(call prog_main,$(p)),$(call prog_srcs,$(p)),$$(CORE_CC))))
$(foreach p,$(CORE_PROGRAM_LIST),$(eval $(call core_program,build/asan/$(notdir $(call prog_name,$(p))),$(call prog_main,$(p)),$(call prog_srcs,$(p)),$$(ASAN_CC))))

# libFuzzer targets: test/fuzz/fuzz_<name>.c; fuzz_mat also needs src/mat
FUZZ_TARGETS = $(patsubst %.c,%,$(wildcard test/fuzz/fuzz_*.c))
$(foreach f,$(filter-out test/fuzz/fuzz_mat,$(FUZZ_TARGETS)),$(eval $(call core_program,$(f),$(f).c,$(CORE_SRCS),$$(FUZZ_CC))))
$(eval $(call core_program,test/fuzz/fuzz_mat,test/fuzz/fuzz_mat.c,$(CORE_SRCS) $(MAT_SRCS),$$(FUZZ_CC) -Isrc/mat $$(MATIO_CFLAGS)))
test/fuzz/fuzz_mat: CORE_LIBS += $(MATIO_LIBS)

.PHONY: test-programs fuzz
test-programs: $(CORE_PROGRAMS) $(ASAN_PROGRAMS)
fuzz: $(FUZZ_TARGETS)

# ---- MAT export (see above) ------------------------------------------------

$(MAT_OBJS): %.o: %.c $(wildcard src/mat/*.h) $(CORE_HEADERS)
	$(CC) $(CORE_CFLAGS) $(CORE_INCLUDES) -Isrc/mat $(MATIO_CFLAGS) -c -o $@ $<

$(GLUE_SRCS:.c=.o): $(wildcard src/mat/*.h)

# ---- the hdaq command ----------------------------------------------------

CLI_CFLAGS = $(CORE_CFLAGS) -I$(shell $(PG_CONFIG) --includedir) $(CORE_INCLUDES)

src/cli/hdaq: $(CLI_SRCS) $(wildcard src/cli/*.h) $(MCAP_SRCS) $(wildcard src/common/*.h src/mcap/*.h)
	$(CC) $(CLI_CFLAGS) -o $@ $(CLI_SRCS) $(MCAP_SRCS) \
		-L$(shell $(PG_CONFIG) --libdir) -lpq -lcrypto $(CORE_LIBS)

all: src/cli/hdaq

install: install-cli
.PHONY: install-cli
install-cli: src/cli/hdaq
	$(MKDIR_P) '$(DESTDIR)$(CLI_BINDIR)'
	$(INSTALL_PROGRAM) src/cli/hdaq '$(DESTDIR)$(CLI_BINDIR)/hdaq'

# ---- the whole suite -------------------------------------------------------

.PHONY: test
test:
	test/run-all

# ---- the demo ----------------------------------------------------------------
# make demo: install what is missing, build, start a server of its own
# (build/demo), load the bundled logs and a generated session, print a tour.
# make demo-stop: stop that server.

.PHONY: demo demo-stop
demo:
	tools/demo/demo.sh
demo-stop:
	tools/demo/stop.sh

# ---- benchmarks ------------------------------------------------------------

# make bench: a 1-hour session against the baselines, into bench/RESULTS.md;
# make bench QUICK=1: a 2-minute session, to check that the harness works.
.PHONY: bench
bench:
	bench/run $(if $(filter 1 yes true,$(QUICK)),--quick)
