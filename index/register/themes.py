"""The fixed theme taxonomy for recommendations, and tagging by embedding similarity.

Each theme has a short description written the way peer challenge reports talk; a
recommendation is tagged with the theme whose description it is most similar to, plus any
other theme close to that best score and above a floor (the embedder's calibration:
theme_margin, theme_floor). No keyword lists.
"""

from __future__ import annotations

import numpy as np

from peerchat.index.embedding.calibration import Calibration

THEMES: dict[str, str] = {
    "priorities and vision": (
        "Set a clear, shared long-term vision and a narrower, focused set of council "
        "priorities for the place, and align plans, resources and delivery with them."
    ),
    "leadership and culture": (
        "Strengthen political and managerial leadership, relationships between members and "
        "officers, the senior team, organisational culture, values and behaviours."
    ),
    "governance and scrutiny": (
        "Improve governance and decision making: overview and scrutiny, council procedures, "
        "member support, accountability, risk and the quality of committee reports."
    ),
    "finance": (
        "Secure financial sustainability: budget setting, savings, medium term financial "
        "planning, capital strategy, income generation, commercialisation and budget ownership."
    ),
    "capacity and workforce": (
        "Build capacity to deliver: the workforce, staff skills, recruitment and retention, "
        "management structures, HR, appraisal and developing and empowering staff."
    ),
    "partnerships and place": (
        "Work with partners, communities and the voluntary sector as leader of the place, "
        "through shared services, joint ventures and strategic partnership bodies."
    ),
    "communications and engagement": (
        "Communicate a clear narrative and engage residents, staff and partners: "
        "consultation, internal communications, listening and telling the council's story."
    ),
    "transformation and digital": (
        "Transform how services are designed and delivered: change programmes, digital "
        "services and channel shift, customer access, systems and redesign."
    ),
    "performance": (
        "Manage performance and delivery: delivery plans, measurable targets, performance "
        "reporting, benchmarking, tracking progress and programme management."
    ),
}


def theme_names() -> tuple[str, ...]:
    """The taxonomy's theme names, in their fixed order."""
    return tuple(THEMES)


def theme_texts() -> list[str]:
    """The text embedded for each theme (its name and description), in `theme_names` order."""
    return [f"{name}: {description}" for name, description in THEMES.items()]


def tag_themes(
    vectors: np.ndarray,
    theme_vectors: np.ndarray,
    calibration: Calibration,
) -> list[tuple[str, ...]]:
    """Themes of each row of `vectors` (normalised): the best, plus any within
    `calibration.theme_margin` of it that score at least `calibration.theme_floor`, best
    first."""
    floor, margin = calibration.theme_floor, calibration.theme_margin
    if len(vectors) == 0:
        return []
    names = theme_names()
    scores = np.asarray(vectors, dtype=np.float32) @ np.asarray(theme_vectors, dtype=np.float32).T
    out: list[tuple[str, ...]] = []
    for row in scores:
        order = np.argsort(-row)
        best = float(row[order[0]])
        picked = [names[order[0]]]
        for i in order[1:]:
            if row[i] >= floor and best - row[i] <= margin:
                picked.append(names[i])
        out.append(tuple(picked))
    return out
