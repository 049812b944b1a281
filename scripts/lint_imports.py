"""Run import-linter (`lint-imports`) over peerchat as it installs.

The folders ingest/, index/ and prompts/ install as peerchat.ingest, peerchat.index and
peerchat.prompts (setuptools package-dir in pyproject.toml). import-linter finds a
package's modules by walking the folder of its root package, which in the checkout holds
only peerchat/, so this lays the package out in a temporary folder as the wheel does (the
mapping read from pyproject.toml) and runs `lint-imports` with the contracts of
pyproject.toml there. Extra arguments go to lint-imports (e.g. --verbose).

    .venv/bin/python scripts/lint_imports.py      (make lint, make test)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lay_out(target: Path) -> None:
    """Copy every package's .py files to where the wheel puts them, under `target`."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package, folder in setuptools["package-dir"].items():
        source = ROOT / folder
        for path in source.rglob("*.py"):
            relative = path.relative_to(source)
            if "__pycache__" in relative.parts:
                continue
            dest = target.joinpath(*package.split("."), relative)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def main(argv: list[str]) -> int:
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint) if lint.exists() else "lint-imports"]
    with tempfile.TemporaryDirectory(prefix="peerchat-lint-") as tmp:
        lay_out(Path(tmp))
        env = {**os.environ, "PYTHONPATH": tmp}
        config = str(ROOT / "pyproject.toml")
        return subprocess.call([*command, config, "--no-cache", *argv], cwd=tmp, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
