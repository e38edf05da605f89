"""Typed case data: each case kind reads and writes `Case.data` through a dataclass.

`Case.data` is JSON in the database; a kind's dataclass names every key it holds, so no
module reads a case by string key. Keys a newer or older version stored and this one
does not know are kept as they were when the data is written back.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Self

from storage.models import Case


@dataclasses.dataclass
class CaseData:
    """Base of a kind's data; subclasses are dataclasses with defaults for every field."""

    @classmethod
    def of(cls, case: Case) -> Self:
        return cls.from_json(case.data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_json(self, over: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON to store: every field that is set (None is left out), and the keys of
        `over` (the data stored before) that this version does not know."""
        known = {f.name for f in dataclasses.fields(self)}
        kept = {k: v for k, v in (over or {}).items() if k not in known}
        return kept | {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
