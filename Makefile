# einet — the two commands a fresh machine needs: `make demo` and `make test`.
BUILD  ?= build
JOBS   ?= $(shell nproc)
PY     := /usr/bin/python3
OUT    ?= runs/demo

.PHONY: all deps configure build demo test test-unit test-python bench check-slow clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=$(PY) >/dev/null

configure: $(BUILD)/build.ninja

build: deps configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@$(BUILD)/einet demo --out $(OUT) --overwrite
	@echo "report: $(OUT)/report.html"

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit
	@PYTHONPATH=$(BUILD)/python $(PY) -m pytest -q -p no:cacheprovider tests/python

bench: build
	@$(BUILD)/bench/micro_rng --benchmark_min_time=0.2
	@$(PY) bench/run_bench.py --build $(BUILD)
	@$(PY) bench/spiking_bench.py --build $(BUILD) --repeats 3
	@$(PY) bench/multi_unit_bench.py --build $(BUILD)
	@$(PY) bench/balancing_bench.py --build $(BUILD) --repeats 3
	@$(PY) bench/lowrank_bench.py --build $(BUILD) --repeats 3
	@$(PY) bench/training_bench.py --build $(BUILD) --repeats 3 --trials 5
	@$(PY) bench/convergence_bench.py --build $(BUILD) --repeats 3
	@PYTHONPATH=$(BUILD)/python $(PY) bench/p002_bench.py --repeats 3

check-slow: build
	@EINET_SLOW=1 PYTHONPATH=$(BUILD)/python $(PY) -m pytest -q -p no:cacheprovider -m slow tests/python

clean:
	@rm -rf $(BUILD)
