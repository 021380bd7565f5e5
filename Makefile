# Silta - one Makefile for everything. `make help` lists the targets.
#
# Layout of the output (never in git):
#   build/gen/        protobuf-c code generated from proto/*.proto
#   build/obj/        objects;  build/lib/libsilta.a
#   build/bin/        the programs (the operators' contract: names are stable)
#   build/test/       test binaries
# `make check` builds the same tree with ASan/UBSan under build/asan/.

SHELL := /bin/bash
.DEFAULT_GOAL := all

VARIANT ?= release
ifeq ($(VARIANT),asan)
  B := build/asan
  SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  OPT := -O1 -g
else
  B := build
  SAN :=
  OPT := -O2 -g
endif

PKGS := libzmq libprotobuf-c libpq libxml-2.0 libsodium libmicrohttpd jansson libsystemd
CC ?= cc
# Where `make install` puts things (build and install with the same PREFIX / SYSCONFDIR:
# they are the programs' last-resort defaults, silta_paths.h). No path of this tree is
# compiled into a program: ops/silta-local writes the tree's folders into $SILTA_HOME/env.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc/silta
DATADIR := $(PREFIX)/share/silta
STATEDIR ?= /var/lib/silta
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -DSILTA_SYSCONF_DIR=\"$(SYSCONFDIR)\" \
               -DSILTA_DATA_DIR_DEFAULT=\"$(DATADIR)\" -Wall -Wextra -Wshadow -Wformat=2 -Werror $(OPT) $(SAN)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
INCLUDES := -Ilib -I$(B)/gen -Ihub -Itests/support
CFLAGS_ALL = $(CFLAGS_BASE) $(INCLUDES) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lm $(LDLIBS)

PROTOS := $(wildcard proto/*.proto)
GEN_C := $(patsubst proto/%.proto,$(B)/gen/%.pb-c.c,$(PROTOS))
GEN_H := $(patsubst proto/%.proto,$(B)/gen/%.pb-c.h,$(PROTOS))

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(patsubst $(B)/gen/%.c,$(B)/obj/gen/%.o,$(GEN_C))
LIBSILTA := $(B)/lib/libsilta.a

# program name -> source folder. Add a line here for a new program.
PROG_DIRS := silta-hub:hub siltactl:tools/siltactl silta-bench:bench \
             silta-kela:adapters/kela silta-employment:adapters/employment \
             silta-health:adapters/health silta-casestore:casestore
prog_dir = $(word 2,$(subst :, ,$(filter $(1):%,$(PROG_DIRS))))
# A program is every .c under its folder, subfolders included (casestore/ has
# store/, rules/, read/, web/); sorted so the link order does not depend on find.
src_under = $(sort $(shell find $(1) -name '*.c' 2>/dev/null))
PROGRAMS := $(foreach p,$(PROG_DIRS),$(if $(call src_under,$(word 2,$(subst :, ,$(p)))),$(word 1,$(subst :, ,$(p)))))
BINS := $(addprefix $(B)/bin/,$(PROGRAMS))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
TEST_SUPPORT := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(TEST_SUPPORT))
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/test/unit/%,$(UNIT_SRC))
INTEG_BINS := $(patsubst tests/integration/%.c,$(B)/test/integration/%,$(INTEG_SRC))

DEPS_STAMP := build/.deps-ok

# The inbox's message catalogue (po/README.md): po/<lang>.po → $(B)/locale/<lang>/LC_MESSAGES/silta.mo
PO_LANGS := fi sv
MO_FILES := $(foreach l,$(PO_LANGS),$(B)/locale/$(l)/LC_MESSAGES/silta.mo)
I18N_SRC = $(sort $(wildcard casestore/web/*.c casestore/rules/*.c casestore/client/*.c))

.PHONY: all deps test unit integration check lint demo bench clean help fuzz pot test-fault install
.SECONDARY:

all: $(DEPS_STAMP) $(BINS) $(MO_FILES) $(UNIT_BINS) $(INTEG_BINS)

help:
	@echo "make            build every program into build/bin/ (and the tests)"
	@echo "make test       run the whole test suite (unit + integration, real PostgreSQL)"
	@echo "make check      the same under ASan/UBSan (build/asan/)"
	@echo "make test-fault the fault suite: faults under load, then the books (FAULT_ARGS=..., VARIANT=asan)"
	@echo "make install    programs, configuration, migrations, units (PREFIX, SYSCONFDIR, DESTDIR)"
	@echo "make lint       clang-tidy and cppcheck"
	@echo "make fuzz       libFuzzer over the packet decoder, the XML batch and FHIR parsers, FUZZ_TIME s (60) each"
	@echo "make demo       start a local Silta, run the sample flow, print the summary"
	@echo "make bench      silta-bench, then Silta vs RabbitMQ vs PostgreSQL alone, side by side"
	@echo "make pot        extract the inbox's texts into po/silta.pot and merge them into po/*.po"

# Install the Debian packages once, when something is missing.
$(DEPS_STAMP): ops/install-deps.sh
	@mkdir -p build
	@if ! ops/install-deps.sh --check >/dev/null 2>&1; then ops/install-deps.sh; fi
	@touch $@

deps:
	ops/install-deps.sh

$(GEN_C) $(GEN_H) &: $(PROTOS) | $(DEPS_STAMP)
	@mkdir -p $(B)/gen
	protoc-c --proto_path=proto --c_out=$(B)/gen $(PROTOS)

$(B)/obj/gen/%.pb-c.o: $(B)/gen/%.pb-c.c
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Wshadow,$(CFLAGS_ALL)) -Wno-unused-parameter -MMD -MP -c $< -o $@

$(B)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(B)/locale/%/LC_MESSAGES/silta.mo: po/%.po | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# After adding or changing a text: the template from the sources, merged into each language.
pot:
	xgettext --from-code=UTF-8 --language=C --keyword= --keyword=N_ --keyword=web_t:2 \
	    --keyword=web_tr:2 --keyword=s_t:3 \
	    --add-comments=TRANSLATORS: \
	    --package-name=silta --msgid-bugs-address= --sort-by-file -o po/silta.pot $(I18N_SRC)
	for l in $(PO_LANGS); do msgmerge --quiet --update --backup=none po/$$l.po po/silta.pot; done

$(LIBSILTA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# bench/cmp/ and bench/amqp/ hold `make bench`'s comparison programs, not silta-bench's code.
NOT_PROGRAM_SRC := bench/cmp/% bench/amqp/%
prog_src = $(filter-out $(NOT_PROGRAM_SRC),$(call src_under,$(call prog_dir,$(1))))

# One link rule per program: the objects of every .c under its folder + libsilta.
define PROGRAM_RULE
$(B)/bin/$(1): $(patsubst %.c,$(B)/obj/%.o,$(call prog_src,$(1))) $(LIBSILTA)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_ALL) -o $$@ $$(filter %.o,$$^) $(LIBSILTA) $$(LDLIBS_ALL)
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROGRAM_RULE,$(p))))
# siltactl report prints the case store's report read model (one owner of its SQL).
$(B)/bin/siltactl: $(B)/obj/casestore/read/read_report.o

# Unit tests of the hub's modules (test_hub_*) link the hub's objects but its main.
HUB_MODULE_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(filter-out hub/hub_main.c,$(wildcard hub/*.c)))
$(B)/test/unit/test_hub_%: $(B)/obj/tests/unit/test_hub_%.o $(HUB_MODULE_OBJ) $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL) -lcriterion

# Unit tests of the case store's modules (test_casestore_*) link its objects but its main.
CASESTORE_SRC := $(call src_under,casestore)
CASESTORE_MODULE_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(filter-out casestore/cs_main.c,$(CASESTORE_SRC)))
$(B)/test/unit/test_casestore_%: $(B)/obj/tests/unit/test_casestore_%.o $(CASESTORE_MODULE_OBJ) $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL) -lcriterion

# Integration tests that drive the store's functions against the harness's
# PostgreSQL (test_casestore_*) link its objects and the test support.
$(B)/test/integration/test_casestore_%: $(B)/obj/tests/integration/test_casestore_%.o $(CASESTORE_MODULE_OBJ) $(TEST_SUPPORT_OBJ) $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL) -lcriterion

# Unit tests of silta-health's modules (test_health_*) link its objects but its main.
HEALTH_MODULE_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(filter-out adapters/health/health_main.c,$(wildcard adapters/health/*.c)))
$(B)/obj/tests/unit/test_health_%.o: CFLAGS += -Iadapters/health
$(B)/test/unit/test_health_%: $(B)/obj/tests/unit/test_health_%.o $(HEALTH_MODULE_OBJ) $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL) -lcriterion

$(B)/test/unit/%: $(B)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJ) $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL) -lcriterion

$(B)/test/integration/%: $(B)/obj/tests/integration/%.o $(TEST_SUPPORT_OBJ) $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL) -lcriterion

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# Tests find the programs through SILTA_BIN; each integration test starts its own
# PostgreSQL and hub under a temporary SILTA_HOME (tests/README.md).
TEST_ENV = SILTA_BIN=$(CURDIR)/$(B)/bin SILTA_SRC=$(CURDIR) SILTA_CONF_DIR=$(CURDIR)/config \
           SILTA_LOCALE_DIR=$(CURDIR)/$(B)/locale
CRITERION_FLAGS ?= --jobs 1

unit: all
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $(TEST_ENV) $$t $(CRITERION_FLAGS); done

integration: all
	@set -e; for t in $(INTEG_BINS); do echo "== $$t"; $(TEST_ENV) $$t $(CRITERION_FLAGS); done

test: all
	@$(TEST_ENV) tools/run-tests $(UNIT_BINS) $(INTEG_BINS)

check:
	$(MAKE) VARIANT=asan test

# The fault suite (tests/fault/run): faults under load, then the books. FAULT_ARGS passes
# options (--rounds N, --faults LIST, --seed S); VARIANT=asan runs the ASan programs.
test-fault: all
	@$(TEST_ENV) tests/fault/run $(FAULT_ARGS)

# rmq-bench (bench/amqp/) is linted where librabbitmq is installed (ops/install-deps.sh --bench).
lint: $(GEN_H)
	clang-tidy --quiet $(LIB_SRC) $(wildcard hub/*.c tools/siltactl/*.c bench/*.c bench/cmp/*.c adapters/*/*.c) $(CASESTORE_SRC) \
	    $(if $(wildcard /usr/include/amqp.h),$(wildcard bench/amqp/*.c)) \
	    -- $(CFLAGS_BASE) $(INCLUDES) -Ibench -Ibench/cmp $(PKG_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	    -I lib -I $(B)/gen lib hub tools bench adapters casestore

demo: all
	ops/demo

# `make bench`'s comparison (bench/README.md): pg-ceiling (PostgreSQL alone, libpq) is built
# with everything else; rmq-bench needs librabbitmq, which only `ops/install-deps.sh --bench`
# installs (with rabbitmq-server), so it is built here and never by `make all`.
CMP_OBJ := $(B)/obj/bench/cmp/cmp_bench.o $(B)/obj/bench/silta_bench_hist.o
$(B)/obj/bench/cmp/%.o $(B)/obj/bench/amqp/%.o: CFLAGS += -Ibench -Ibench/cmp
$(B)/bin/pg-ceiling: $(B)/obj/bench/cmp/pg_ceiling.o $(CMP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
all: $(B)/bin/pg-ceiling
$(B)/bin/rmq-bench: $(B)/obj/bench/amqp/rmq_bench.o $(CMP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) -lrabbitmq

bench: all
	@ops/install-deps.sh --bench --check >/dev/null 2>&1 || ops/install-deps.sh --bench
	$(MAKE) $(B)/bin/rmq-bench
	bench/run

# libFuzzer (tests/fuzz/): the packet decoder, the agency batch reader and the
# FHIR parser, each for FUZZ_TIME seconds. New inputs the fuzzers find go to
# build/fuzz/corpus*, never into git; the seeds are the fixtures. A per-input
# timeout of 5 s makes an input that costs more than linear time a finding.
FUZZ_TIME ?= 60
FUZZ_CC = clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
    -Ilib -I$(B)/gen -Iadapters/health $(PKG_CFLAGS)
FUZZ_SRC := tests/fuzz/fuzz_packet.c lib/silta_codec.c lib/silta_uuid.c lib/silta_err.c \
    lib/silta_redact.c lib/silta_hetu.c lib/silta_date.c
FUZZ_LIB_SRC = $(LIB_SRC) $(GEN_C)
FUZZ_HEALTH_SRC = $(filter-out adapters/health/health_main.c,$(wildcard adapters/health/*.c))
FUZZ_RUN = -max_total_time=$(FUZZ_TIME) -timeout=5 -print_final_stats=1
fuzz: $(GEN_H)
	@command -v clang >/dev/null && [ -n "$$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] || ops/install-deps.sh --fuzz
	@mkdir -p build/fuzz/corpus build/fuzz/corpus-xml build/fuzz/corpus-fhir
	$(FUZZ_CC) $(FUZZ_SRC) $(GEN_C) $(PKG_LIBS) -o build/fuzz/fuzz_packet
	$(FUZZ_CC) tests/fuzz/fuzz_xml_batch.c $(FUZZ_LIB_SRC) $(PKG_LIBS) -lm -o build/fuzz/fuzz_xml_batch
	$(FUZZ_CC) tests/fuzz/fuzz_fhir.c $(FUZZ_HEALTH_SRC) $(FUZZ_LIB_SRC) $(PKG_LIBS) -lm \
	    -o build/fuzz/fuzz_fhir
	build/fuzz/fuzz_packet $(FUZZ_RUN) -max_len=4096 build/fuzz/corpus tests/fuzz/corpus/packet
	SILTA_CONF_DIR=$(CURDIR)/config build/fuzz/fuzz_xml_batch $(FUZZ_RUN) -max_len=65536 -dict=tests/fuzz/xml.dict \
	    build/fuzz/corpus-xml tests/fixtures/xml config/examples
	SILTA_CONF_DIR=$(CURDIR)/config build/fuzz/fuzz_fhir $(FUZZ_RUN) -max_len=65536 -dict=tests/fuzz/xml.dict \
	    build/fuzz/corpus-fhir tests/fixtures/fhir

# make install [PREFIX=/usr/local] [SYSCONFDIR=/etc/silta] [DESTDIR=...]: the programs in
# $(PREFIX)/bin, configuration (policy, rules, schemas) in $(SYSCONFDIR) (kept when there),
# migrations and catalogues in $(PREFIX)/share/silta, the systemd units in
# $(PREFIX)/lib/systemd/system (ExecStart= pointing at $(PREFIX)/bin), state in $(STATEDIR).
# docs/operations.md: what comes next (the silta user, /etc/silta/env, PostgreSQL).
INSTALL_PROGRAMS := silta-hub silta-kela silta-employment silta-health silta-casestore siltactl
install: $(BINS) $(MO_FILES)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/schemas \
	    $(DESTDIR)$(DATADIR)/migrations/hub $(DESTDIR)$(DATADIR)/migrations/casestore \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -d -m 0700 $(DESTDIR)$(STATEDIR)
	install -m 0755 $(addprefix $(B)/bin/,$(INSTALL_PROGRAMS)) $(DESTDIR)$(PREFIX)/bin/
	for f in policy.xml rules.conf retention.conf; do \
	    [ -e $(DESTDIR)$(SYSCONFDIR)/$$f ] || install -m 0644 config/$$f $(DESTDIR)$(SYSCONFDIR)/$$f; \
	done
	install -m 0644 config/schemas/*.xsd $(DESTDIR)$(SYSCONFDIR)/schemas/
	install -m 0644 hub/migrations/*.sql $(DESTDIR)$(DATADIR)/migrations/hub/
	install -m 0644 casestore/migrations/*.sql $(DESTDIR)$(DATADIR)/migrations/casestore/
	for l in $(PO_LANGS); do \
	    install -d $(DESTDIR)$(DATADIR)/locale/$$l/LC_MESSAGES && \
	    install -m 0644 $(B)/locale/$$l/LC_MESSAGES/silta.mo $(DESTDIR)$(DATADIR)/locale/$$l/LC_MESSAGES/; \
	done
	for u in ops/systemd/*.service ops/systemd/*.timer; do \
	    sed 's|/usr/local/bin/|$(PREFIX)/bin/|' $$u >$(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u); \
	done

clean:
	rm -rf build

# docs/example_client.c is the client library's worked example: build it so it keeps compiling.
EXAMPLES := $(B)/bin/example-client
all: $(EXAMPLES)
$(B)/bin/example-client: $(B)/obj/docs/example_client.o $(LIBSILTA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBSILTA) $(LDLIBS_ALL)
