"""Prompt templates for the language-model answerer, kept as `.md` files in the package
`peerchat.prompts` (the prompts/ folder; package data, read with importlib.resources, so an
installed wheel finds them as a checkout does).

A template has a system part and a user part, each under a `=== system ===` or
`=== user ===` line, with `$name` placeholders (`string.Template`). Values are put in
once and never re-read as templates, so a passage cannot smuggle in a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from string import Template

from peerchat.core.errors import PeerchatError

PROMPTS_PACKAGE = "peerchat.prompts"
PART = re.compile(r"^=== (system|user) ===[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    """A loaded template: `render(**values)` gives the (system, user) texts."""

    name: str
    system: str
    user: str

    def render(self, **values: str) -> tuple[str, str]:
        try:
            return (
                Template(self.system).substitute(values).strip(),
                Template(self.user).substitute(values).strip(),
            )
        except (KeyError, ValueError) as exc:
            raise PeerchatError(f"prompt {self.name!r}: no value for {exc}") from exc


def load_prompt(name: str, folder: Traversable | None = None) -> Prompt:
    """The template `<name>.md` of `folder` (default: the package `peerchat.prompts`)."""
    path = (folder if folder is not None else files(PROMPTS_PACKAGE)) / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PeerchatError(f"prompt template {path} cannot be read ({exc.strerror})") from exc
    parts = dict(_parts(text))
    if set(parts) != {"system", "user"}:
        raise PeerchatError(
            f"prompt template {path} needs a '=== system ===' and a '=== user ===' part"
        )
    return Prompt(name, parts["system"], parts["user"])


def _parts(text: str) -> list[tuple[str, str]]:
    heads = list(PART.finditer(text))
    return [
        (m.group(1), text[m.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)])
        for i, m in enumerate(heads)
    ]
