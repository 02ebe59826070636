# jsocklnd: one entry point. `make` builds native + jar (and the runtime classpath scripts/jsocklnd needs),
# `make test` runs every test.
SHELL       := /bin/bash
CC          ?= gcc
CFLAGS      ?= -O2 -g
WARN_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
JSL_CFLAGS  := $(WARN_CFLAGS) -fPIC -fvisibility=hidden -Inative/include
MVN         ?= mvn
MVN_FLAGS   ?= -B -q
BUILD       := native/build
LIB         := $(BUILD)/libjsl.so
NATIVE_SRC  := $(wildcard native/src/*.c)
NATIVE_HDR  := $(wildcard native/include/*.h native/src/*.h)
NATIVE_TEST := $(wildcard native/test/*.c)
BENCH_SRC   := $(wildcard native/bench/*.c)
RAWBENCH    := $(BUILD)/jsl_rawbench
CP_FILE     := java/target/test-classpath.txt
FUZZ_SECONDS      ?= 5
FUZZ_LONG_SECONDS ?= 300

.PHONY: all native native-test jar test java-test package-cycles fuzz-short fuzz launcher-test demo zc-corruption-demo bench bench-tiny profile bench-jmh bench-gc bench-e2e soak scale clean

all: native jar

native: $(LIB) $(RAWBENCH)

$(LIB): $(NATIVE_SRC) $(NATIVE_HDR)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(JSL_CFLAGS) -shared -o $@ $(NATIVE_SRC)

# Raw TCP baseline of the end-to-end benchmarks (rtt, bulk, rate); standalone, not linked to libjsl.
$(RAWBENCH): $(BENCH_SRC)
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(WARN_CFLAGS) -pthread -o $@ $(BENCH_SRC)

$(BUILD)/jsl_test: $(NATIVE_TEST) $(LIB)
	$(CC) $(CFLAGS) $(JSL_CFLAGS) -o $@ $(NATIVE_TEST) -L$(BUILD) -ljsl -Wl,-rpath,'$$ORIGIN'

native-test: $(BUILD)/jsl_test
	$(BUILD)/jsl_test

# The package phase also writes java/target/runtime-classpath.txt for scripts/jsocklnd.
jar: native
	$(MVN) $(MVN_FLAGS) -DskipTests package

java-test: native
	rm -rf java/target/surefire-reports
	$(MVN) $(MVN_FLAGS) test || { scripts/test-summary.sh; exit 1; }
	scripts/test-summary.sh

# Writes the test classpath once so fuzz targets run without a Maven start each.
$(CP_FILE): java/pom.xml pom.xml
	$(MVN) $(MVN_FLAGS) -f java/pom.xml dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

fuzz-short: native $(CP_FILE)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz.sh

fuzz: native java-test $(CP_FILE)
	FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) scripts/run-fuzz.sh

# scripts/jsocklnd from a shell: help, exit codes, decode of the shared captures, stats without a node.
launcher-test: jar
	SHARED_DIR=$(CURDIR)/../shared scripts/test-launcher.sh

# No two packages may depend on each other (read from the compiled classes by jdeps).
package-cycles: jar
	java scripts/PackageCycles.java java/target/classes io.jsocklnd

test: native native-test java-test package-cycles fuzz-short launcher-test demo bench-tiny

# End-to-end cases against a raw C baseline measured in the same run (native/build/jsl_rawbench): one line per
# case, `case=NAME jsocklnd=X baseline=Y unit=U ratio=R`, plus bench.csv and bench.png in BENCH_OUT. Never gates
# CI; `make test` runs one tiny round (bench-tiny) so the rig keeps working.
BENCH_ROUNDS ?= 5
BENCH_OUT ?= java/target/bench
BENCH_RUN = java -cp java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=$(1).log io.jsocklnd.demo.Bench --raw $(BUILD)/jsl_rawbench --out $(1)
# BENCH_CASE=NAME[,NAME] runs only those cases.
BENCH_CASE ?=
bench: jar $(CP_FILE)
	$(call BENCH_RUN,$(BENCH_OUT)) --rounds $(BENCH_ROUNDS) $(if $(BENCH_CASE),--case $(BENCH_CASE))

bench-tiny: jar $(CP_FILE)
	$(call BENCH_RUN,$(BENCH_OUT)-tiny) --rounds 1 --scale tiny

# One bench case (CASE=NAME, e.g. rate_64B) under async-profiler: a flame graph in PROFILE_OUT/CASE-EVENT.html
# (PROFILE_FORMAT=collapsed for folded stacks as text). PROFILE_EVENT=cpu or wall. The profiler library comes from
# Maven Central (tools.profiler:async-profiler) into java/target/profiler; the first fetch needs Maven online, so
# PROFILER_MVN_FLAGS carries no -o.
CASE ?= rate_64B
PROFILE_EVENT ?= cpu
PROFILE_FORMAT ?= html
# More agent options, comma first: e.g. PROFILE_OPTS=,threads (one flame per thread), PROFILE_OPTS=,interval=1ms
PROFILE_OPTS ?=
PROFILE_ROUNDS ?= 3
PROFILE_OUT ?= java/target/profile
ASYNC_PROFILER_VERSION ?= 4.1
PROFILER_MVN_FLAGS ?= -B -q
PROFILER_DIR := java/target/profiler
PROFILER_LIB := $(PROFILER_DIR)/linux-x64/libasyncProfiler.so
$(PROFILER_LIB):
	$(MVN) $(PROFILER_MVN_FLAGS) -f java/pom.xml dependency:copy \
	  -Dartifact=tools.profiler:async-profiler:$(ASYNC_PROFILER_VERSION) -DoutputDirectory=target/profiler
	cd $(PROFILER_DIR) && jar xf async-profiler-$(ASYNC_PROFILER_VERSION).jar linux-x64/libasyncProfiler.so
profile: jar $(CP_FILE) $(PROFILER_LIB)
	@mkdir -p $(PROFILE_OUT)
	java -agentpath:$(CURDIR)/$(PROFILER_LIB)=start,event=$(PROFILE_EVENT)$(PROFILE_OPTS),file=$(CURDIR)/$(PROFILE_OUT)/$(CASE)-$(PROFILE_EVENT).$(PROFILE_FORMAT) \
	  -cp java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=$(PROFILE_OUT)/$(CASE).log io.jsocklnd.demo.Bench --raw $(BUILD)/jsl_rawbench \
	  --out $(PROFILE_OUT)/$(CASE) --rounds $(PROFILE_ROUNDS) --case $(CASE)
	@echo "profile: $(PROFILE_OUT)/$(CASE)-$(PROFILE_EVENT).$(PROFILE_FORMAT)"

# JMH micro-benchmarks (classes named *Benchmark under java/src/test); BENCH=regex selects, e.g. BENCH=NativeCall.
BENCH ?= ZcCookieBenchmark
bench-jmh: native $(CP_FILE)
	$(MVN) $(MVN_FLAGS) -f java/pom.xml test-compile
	java -cp java/target/test-classes:java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=java/target/bench-jmh.log org.openjdk.jmh.Main -prof gc $(BENCH)

# The traffic of LnetRateBenchmark (PUTs with their SEND and PUT events over loopback) for BENCH_GC_SECONDS after a
# warm-up, with GC logging: prints the messages, the bytes allocated by every thread and the collections during the
# traffic, and fails if one ran. Not part of make test.
BENCH_GC_SECONDS ?= 60
bench-gc: native $(CP_FILE)
	$(MVN) $(MVN_FLAGS) -f java/pom.xml test-compile
	java -Xlog:gc -cp java/target/test-classes:java/target/classes:$$(cat $(CP_FILE)) \
	  -Djsocklnd.native.lib=$(CURDIR)/$(LIB) -Dorg.slf4j.simpleLogger.logFile=java/target/bench-gc.log \
	  io.jsocklnd.lnet.RateGcRun $(BENCH_GC_SECONDS)

# End-to-end throughput against a raw-TCP baseline measured in the same run (prints the ratio).
BENCH_MIB ?= 2048
BENCH_MSG ?= 1048576
BENCH_LOG ?= java/target/bench-e2e.log
# BENCH_OPTS: e.g. -Djsocklnd.bench.busySpin=true -Djsocklnd.bench.threading=DEDICATED
BENCH_OPTS ?=
bench-e2e: jar $(CP_FILE)
	java -cp java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=$(BENCH_LOG) $(BENCH_OPTS) io.jsocklnd.demo.ThroughputBench $(BENCH_MIB) $(BENCH_MSG) 3

# Soak: four nodes (current AUTO, current MSG_ZEROCOPY, legacy V2, legacy V1) exchange checked all-to-all traffic
# in rounds for SOAK_SECONDS while nodes restart between rounds and die in the middle of rounds; every send must
# complete exactly once and every send between live nodes arrive intact. SOAK_SEED reruns one; log in SOAK_LOG.
SOAK_SECONDS ?= 600
SOAK_SEED ?=
SOAK_LOG ?= java/target/soak.log
soak: jar $(CP_FILE)
	$(MVN) $(MVN_FLAGS) -f java/pom.xml test-compile
	java -cp java/target/test-classes:java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=$(SOAK_LOG) io.jsocklnd.soak.Soak $(SOAK_SECONDS) $(SOAK_SEED)

# Scale: one node and SCALE_PEERS independent peers at once (CONTROL, then all three types, capped by the open-file
# limit), then SCALE_LIFETIME distinct peers one after another; prints memory per idle peer and connection, set-up
# rates and the heap over the lifetime run. Log in SCALE_LOG.
SCALE_PEERS ?= 10000
SCALE_LIFETIME ?= 100000
SCALE_LOG ?= java/target/scale.log
scale: jar $(CP_FILE)
	$(MVN) $(MVN_FLAGS) -f java/pom.xml test-compile
	java -cp java/target/test-classes:java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=$(SCALE_LOG) io.jsocklnd.soak.ScaleRun $(SCALE_PEERS) $(SCALE_LIFETIME)

# Three nodes in one JVM on 127.0.0.11-13 (current, legacy V2, legacy V1): pings, then DEMO_MIB MiB of 1 MiB PUTs
# from the current node to each legacy one (zero copy to V2, copied to V1), each checked by the receiver against
# the CRC32C in hdr_data; prints connections, throughput, ZC-ACK statistics and RESULT (exit 0 intact, 1 failed).
# The engine log goes to DEMO_LOG. make test runs it last.
DEMO_MIB ?= 1024
DEMO_LOG ?= java/target/demo.log
demo: jar $(CP_FILE)
	java -cp java/target/classes:$$(cat $(CP_FILE)) -Djsocklnd.native.lib=$(CURDIR)/$(LIB) \
	  -Dorg.slf4j.simpleLogger.logFile=$(DEMO_LOG) io.jsocklnd.demo.TransferDemo $(DEMO_MIB)

# Why ZC sends wait for the ZC-ACK: a scribbling sender, a checksumming receiver, with and without the wait
# (not a test; the run without the wait is expected to show corruption). ZC_MODE=SPLICE or MSG_ZEROCOPY.
ZC_DEMO_MESSAGES ?= 20000
ZC_MODE ?= SPLICE
zc-corruption-demo: jar $(CP_FILE)
	scripts/zc-corruption-demo.sh $(ZC_DEMO_MESSAGES) $(ZC_MODE)

clean:
	rm -rf $(BUILD)
	$(MVN) $(MVN_FLAGS) clean
