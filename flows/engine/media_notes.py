"""What to tell someone whose photo, voice note or file could not be kept."""

from __future__ import annotations

from collections.abc import Callable

from flows.engine.context import Services
from flows.engine.types import MediaProblem


def media_note(gettext: Callable[[str], str], problem: MediaProblem, services: Services) -> str:
    """What to tell someone whose photo, voice note or file could not be kept."""
    if problem is MediaProblem.TOO_LARGE:
        limit = services.media.max_bytes // (1024 * 1024) if services.media else 0
        return gettext(
            "That file is too large for me. I can take photos, voice notes and files "
            "(such as PDF) up to {limit} MB. Please send a smaller one."
        ).format(limit=limit)
    return gettext(
        "Sorry, that file did not reach me. Nothing you sent before is lost. Please send it again."
    )
