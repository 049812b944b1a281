"""Answering questions: the extractive answerer (extractive.py), the optional language
model (llm.py, the client; llm_answer.py, the answer path; guard.py, which lets through only
sentences tied to a passage; prompts.py, the templates in peerchat/prompts), and
`Assistant`, which the CLI, the app and the server share.

May import: `peerchat.index.register`, `peerchat.index.search`, `peerchat.index.store`,
`peerchat.index.embedding`, `peerchat.ingest` and `peerchat.core`; not `peerchat.index.build`.
The language-model modules are not imported here (httpx loads only when a model is set).
"""

from peerchat.index.answer.assistant import Assistant, generation_key
from peerchat.index.answer.extractive import answer_question

__all__ = ["Assistant", "answer_question", "generation_key"]
