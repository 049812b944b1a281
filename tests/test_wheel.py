"""The wheel installs and works with no access to the checkout.

Builds the wheel, checks what it holds (no top-level `index` or `ingest`; the prompts and
the council list as package data), installs it into a fresh virtual environment that sees
the dependencies of .venv but not the checkout, then from a folder outside the checkout
runs `peerchat ingest`, `peerchat doctor` and one `peerchat ask --json` against an index
built by that install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "peerchat", "ingest", "index", "prompts")
REPORT = ROOT / "tests" / "data" / "text" / "lambeth-cpc-feedback-2016.md"


def _run(args: list, cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (setuptools leaves build/ behind)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    dist = work / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    built = _run([*command, "-q", "-w", dist, src], work, dict(os.environ))
    assert built.returncode == 0, built.stderr[-3000:]
    (path,) = dist.glob("peerchat-*.whl")
    return path


def test_the_wheel_holds_one_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"peerchat"}, tops
    prompts = {n for n in names if n.startswith("peerchat/prompts/") and n.endswith(".md")}
    assert prompts == {
        "peerchat/prompts/answer_across.md",
        "peerchat/prompts/answer_single.md",
        "peerchat/prompts/rewrite_follow_up.md",
    }
    assert "peerchat/core/councils.csv" in names
    assert {"peerchat/assets/app.css", "peerchat/assets/app.js"} <= set(names), "the app's page"
    for module in ("ingest/readers.py", "index/answer/assistant.py", "cli/__init__.py"):
        assert f"peerchat/{module}" in names


def test_the_installed_wheel_ingests_and_answers_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, dict(os.environ))
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path, {}
    )
    # The dependencies of .venv, as a plain path: its .pth files (the editable install's
    # finder among them) are not run, so the checkout stays out of sight.
    (Path(site.stdout.strip()) / "peerchat-deps.pth").write_text(sysconfig.get_path("purelib"))
    env = {
        k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PEERCHAT_")
    }
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    where = [python, "-c", "import peerchat; print(peerchat.__file__)"]
    before = _run(where, tmp_path, env)
    assert before.returncode != 0, f"the checkout is visible: {before.stdout}"

    install = [sys.executable, "-m", "pip", "--python", python, "install", "-q"]
    installed = _run([*install, "--no-deps", "--no-index", wheel], tmp_path, env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    after = _run(where, tmp_path, env)
    assert Path(after.stdout.strip()).is_relative_to(venv), after.stdout + after.stderr

    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(REPORT, reports)
    env.update(
        PEERCHAT_INDEX_DIR=str(tmp_path / "index"),
        PEERCHAT_REPORTS_DIR=str(reports),
        PEERCHAT_EMBEDDER="hash",  # fast; doctor still loads the real model
        PEERCHAT_LOG_LEVEL="WARNING",
    )
    peerchat = venv / "bin" / "peerchat"
    ingest = _run([peerchat, "ingest", "--quiet"], tmp_path, env)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    assert ingest.stdout.startswith("ingested 1,"), ingest.stdout

    doctor = _run([peerchat, "doctor"], tmp_path, env, timeout=300)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr[-3000:]
    assert "ok    index:" in doctor.stdout and "ok    model:" in doctor.stdout

    ask = _run(
        [peerchat, "ask", "--json", "What was Lambeth told about its priorities?"], tmp_path, env
    )
    assert ask.returncode == 0, ask.stderr[-3000:]
    reply = json.loads(ask.stdout)
    assert reply["found"] is True and reply["citations"], reply
    assert reply["citations"][0]["source"] == REPORT.name

    prompts = [python, "-c", "from peerchat.index.answer.prompts import load_prompt as p; "
               "print(p('answer_single').name, p('answer_across').name, p('rewrite_follow_up').name)"]  # fmt: skip
    loaded = _run(prompts, tmp_path, env)
    assert loaded.stdout.split() == ["answer_single", "answer_across", "rewrite_follow_up"], (
        loaded.stderr
    )
