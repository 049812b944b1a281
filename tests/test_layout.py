"""The layout holds: the edges go into peerchat.index only by its rooms' front doors, and
nothing imports the folders under their own names (they install as peerchat.*)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDGES = sorted(
    [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "peerchat" / "cli").glob("*.py")]
)
ROOMS = ("embedding", "store", "search", "register", "answer", "build")


def _imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names) of every import in `path` (names empty for `import x`)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module, tuple(a.name for a in node.names)))
    return out


@pytest.mark.parametrize("path", EDGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_edges_use_only_the_front_doors_of_index(path: Path) -> None:
    for line, module, names in _imports(path):
        if module != "peerchat.index" and not module.startswith("peerchat.index."):
            continue
        where = f"{path.relative_to(ROOT)}:{line} imports {module}"
        parts = module.split(".")
        if len(parts) == 2:  # from peerchat.index import <room>
            assert names and set(names) <= set(ROOMS), where
            continue
        assert len(parts) == 3 and parts[2] in ROOMS, f"{where}: use peerchat.index.<room>"
        exported = set(importlib.import_module(module).__all__)
        assert set(names) <= exported, f"{where}: {set(names) - exported} not in its __all__"


def test_no_code_imports_the_folders_as_top_level_modules() -> None:
    files = [
        p
        for p in ROOT.rglob("*.py")
        if p.relative_to(ROOT).parts[0] not in {".venv", "data", ".git", "build"}
        and ".work" not in p.relative_to(ROOT).parts
    ]
    assert len(files) > 100 and ROOT / "index" / "build" / "update.py" in files
    for path in files:
        for line, module, _ in _imports(path):
            top = module.split(".")[0]
            assert top not in {"index", "ingest", "prompts"}, (
                f"{path.relative_to(ROOT)}:{line} imports {module}: use peerchat.{module}"
            )


def test_no_pages_folder_beside_the_app() -> None:
    """A `pages/` folder beside app.py makes Streamlit serve its scripts by itself (without
    app.py's menu and layout) to the first visitor after a restart who opens one by its
    address; the app's pages live in app_pages/ and app.py lists them."""
    assert not (ROOT / "pages").exists()
    assert {p.name for p in (ROOT / "app_pages").glob("*.py")} >= {
        "1_Library.py",
        "2_Recommendations.py",
        "3_Signposted_practice.py",
        "4_Council_briefing.py",
    }
