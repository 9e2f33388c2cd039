"""An optional local LLM that writes the answer (`--llm URL`): any OpenAI-compatible server (ollama, vLLM,
llama.cpp, Xinference). Every sentence it writes is checked against the passage it cites; what fails is
dropped and said so, and the extractive answer stands whenever the reply cannot be trusted. Nothing here is
imported unless an LLM is asked for."""

from .answer import asks_llm, attach, failed, generate, generate_streaming, prompt
from .client import LLMClient, LLMError, client_from
from .verify import CheckParams, verify

__all__ = ["CheckParams", "LLMClient", "LLMError", "asks_llm", "attach", "client_from", "failed", "generate",
           "generate_streaming", "prompt", "verify"]
