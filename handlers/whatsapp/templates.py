"""Message templates Meta approved: what a notification becomes outside the 24-hour window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Meta refuses an empty body parameter; a missing value reads as a dash.
MISSING = "-"
# Meta's limit for one body parameter's text.
MAX_PARAMETER = 1024


@dataclass(frozen=True)
class Template:
    """One approved utility template: its name, language, and the values ({{1}}, {{2}}, ...)
    of its body, named as the notification carries them ("code", "status", "village")."""

    name: str
    language: str
    body: tuple[str, ...] = ()


def template_message(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """The Graph API message object sending `template` filled in with `values`."""
    parameters = []
    for name in template.body:
        text = " ".join(str(values.get(name) or "").split())[:MAX_PARAMETER] or MISSING
        parameters.append({"type": "text", "text": text})
    content: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if parameters:
        content["components"] = [{"type": "body", "parameters": parameters}]
    return {"type": "template", "template": content}
