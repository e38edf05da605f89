"""Pengumuman: officials announce to the whole village or part of it; residents choose topics.

`topics` (the village's topics and the defaults), `message` (an announcement as a resident
receives it), the resident's side in `residents` (`subscriptions`, `recent`, `acks`), the
officials' side in `officials` (`compose` with its `compose_form`, `compose_steps` and
`compose_recipients`, `approval`, `manage`, `export`).
"""

from flows.announce.capability import CAPABILITY

__all__ = ["CAPABILITY"]
