"""Chinese semantic search and Q&A over official reports, with cited, highlighted passages."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Assistant", "__version__"]


def __getattr__(name: str):
    # keep `import assistant` (and so `assistant --help`) free of numpy/faiss/jieba
    if name == "Assistant":
        from .api import Assistant

        return Assistant
    raise AttributeError(name)
