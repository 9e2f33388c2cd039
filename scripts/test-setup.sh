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
