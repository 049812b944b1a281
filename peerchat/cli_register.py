"""CLI commands over the recommendation register: recommendations, signposts, briefing."""

from __future__ import annotations
