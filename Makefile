# Makefile: pg_mfa through PGXS, plus the two commands everybody runs:
#   make demo   build, install, start a throwaway cluster, walk through the primitives
#   make test   unit tests (CMake/CTest), install, regression + isolation + interop on a throwaway cluster
#   make tap    TAP suites (PostgreSQL::Test::Cluster) of standbys, failovers, backups and crashes, against the
#               installed pg_mfa (make install first)

EXTENSION   = pg_mfa
EXTVERSION  = 0.2.0

MODULE_big  = pg_mfa
CORE_SRCS   = $(sort $(wildcard src/core/*.cpp))
PG_SRCS     = $(sort $(wildcard src/pg/*.cpp))
OBJS        = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# SQL scripts. src/sql/pg_mfa.sql is the install script of EXTVERSION. Released scripts (install scripts
# pg_mfa--X.sql and upgrade scripts pg_mfa--A--B.sql) are kept verbatim in src/sql and installed as they
# are, never edited. An upgrade script to EXTVERSION is still in development: it is built from its source
# in src/sql with the functions-and-privileges part of pg_mfa.sql spliced in (scripts/splice-upgrade).
SQL_SOURCE   = src/sql/$(EXTENSION).sql
UPGRADES_DEV = $(notdir $(wildcard src/sql/$(EXTENSION)--*--$(EXTVERSION).sql))
DATA_built   = $(EXTENSION)--$(EXTVERSION).sql $(UPGRADES_DEV)
DATA         = $(filter-out $(SQL_SOURCE) src/sql/$(EXTENSION)--$(EXTVERSION).sql $(addprefix src/sql/,$(UPGRADES_DEV)),\
                 $(wildcard src/sql/$(EXTENSION)--*.sql))
EXTRA_CLEAN = $(EXTENSION).control $(DATA_built) results regression.diffs regression.out \
              output_iso build

# Regression suites: one file per SQL area under sql/, each runnable on its own.
REGRESS      := $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --outputdir=. --encoding=UTF8 --no-locale
# Isolation specs (races) under test/isolation/specs.
ISOLATION     := $(sort $(basename $(notdir $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=output_iso --encoding=UTF8 --no-locale

PG_CONFIG  ?= pg_config
# Warnings are errors in CI (CI=true) or when asked (WERROR=1).
WERROR     ?= $(if $(CI),1,)
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-missing-field-initializers $(if $(WERROR),-Werror,)
PG_CPPFLAGS = -I$(srcdir)/src
SHLIB_LINK  = -lcrypto -lsodium -largon2 -lqrencode -lcrypt -lstdc++ -pthread

# PostgreSQL 15 on Debian is built with LLVM and PGXS would compile our C++ to bitcode for JIT inlining
# (without PG_CXXFLAGS). Nothing of ours gains from inlining into query plans, so we skip the bitcode.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL's headers are system headers to us: their warnings are not ours to fix. Core files are
# compiled with PG_MFA_CORE_TU, which makes an include of postgres.h from src/core fail the build.
override CPPFLAGS := -isystem $(includedir_server) -isystem $(includedir_internal) $(CPPFLAGS)
src/core/%.o: override CPPFLAGS += -DPG_MFA_CORE_TU

all: $(EXTENSION).control check-symbols

$(EXTENSION).control: $(EXTENSION).control.in Makefile
	sed 's/@EXTVERSION@/$(EXTVERSION)/' $< > $@

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCE)
	cp $< $@

$(EXTENSION)--%--$(EXTVERSION).sql: src/sql/$(EXTENSION)--%--$(EXTVERSION).sql $(SQL_SOURCE) scripts/splice-upgrade
	scripts/splice-upgrade $< $(SQL_SOURCE) > $@.tmp && mv $@.tmp $@

# Every C symbol that any script we install names (released ones included) must be in the library: a
# removed symbol fails the build here rather than a user's CREATE EXTENSION or ALTER EXTENSION UPDATE.
.PHONY: check-symbols
check-symbols: $(shlib) $(DATA_built)
	@scripts/check-symbols $(shlib) $(DATA_built) $(DATA)

# Header dependencies: rebuild everything when a header changes (the tree is small).
$(OBJS): $(wildcard src/core/*.hpp src/pg/*.hpp)

.PHONY: test demo unit fuzz interop deps tap
deps:
	@scripts/install-deps

unit:
	@scripts/run-unit

interop:
	@pg_virtualenv -t test/interop/run

test:
	@scripts/run-tests

# Not PGXS's TAP_TESTS = 1: that would make `make installcheck` run prove as the calling user (initdb
# refuses root) from the checkout. test/tap/run runs the suites as `postgres` when called as root.
tap:
	@test/tap/run

demo:
	@scripts/demo

fuzz:
	@scripts/run-fuzz $(FUZZ_SECONDS)

# Benchmarks: bench/run starts its own throwaway cluster. `make bench` writes bench/RESULTS.md;
# `make bench-quick` is the short form CI runs to prove the runner works (it never judges speed).
.PHONY: bench bench-quick
bench:
	@scripts/bench

bench-quick:
	@scripts/bench --quick

# `make failover-test`: real failovers under pg_auto_failover (test/failover/pg_auto_failover): a monitor and
# two nodes of its own, login load, a rolled-back attacker, `pg_autoctl perform failover` and a killed
# primary. Not part of `make test`. As root it installs pg_mfa first and, when missing, Debian's
# postgresql-15-auto-failover; as another user it expects pg_mfa installed and prints what to install. Run
# the script directly to see its exit status 77 (skipped: pg_auto_failover missing and not root).
# make install and the run hold $(INSTALL_LOCK), which everybody who installs into this machine's
# PostgreSQL directories takes around `make install` and runs that depend on it.
INSTALL_LOCK ?= /tmp/pg_mfa_install.lock
.PHONY: failover-test
failover-test: all
	@flock $(INSTALL_LOCK) sh -c 'if [ "$$(id -u)" -eq 0 ]; then $(MAKE) --no-print-directory install >/dev/null || exit 1; fi; test/failover/pg_auto_failover'

# Packages
# META.json (PGXN) is made from META.json.in like the control file, so its versions are EXTVERSION.
# `make dist`: build/pg_mfa-<version>.zip, PGXN's format (one top-level directory pg_mfa-<version>/), of HEAD.
# `make deb`: build/deb/postgresql-<major>-pg-mfa_<version>-1_<arch>.deb through pg_buildext (debian/).
.PHONY: dist deb
EXTRA_CLEAN += META.json

META.json: META.json.in Makefile
	sed 's/@EXTVERSION@/$(EXTVERSION)/g' $< > $@

dist: META.json
	@git diff --quiet HEAD -- || echo "make dist: uncommitted changes are left out: the zip is made from HEAD"
	@mkdir -p build
	git archive --format=zip --prefix=$(EXTENSION)-$(EXTVERSION)/ --add-file=META.json \
		-o build/$(EXTENSION)-$(EXTVERSION).zip HEAD

deb:
	@scripts/build-deb $(EXTVERSION)
