"""What Pengumuman contributes to the catalogue: its parts, combined."""

from __future__ import annotations

from flows.announce import officials, residents
from flows.engine.catalog import combined

CAPABILITY = combined("announce", residents.PART, officials.PART)
