"""The one case lifecycle and the officials' desk every case kind plugs into.

`lifecycle` (codes, transitions, version checks, history, notifications), `card` (the
card in the admin chat), `desk` (a kind's `Desk`: buttons, notes, refusals), `commands`
(/antrian, /kasus, /status, reminders across kinds). A case kind contributes its desk
through its capability; this package never imports a kind.
"""

from flows.cases.commands import CAPABILITY

__all__ = ["CAPABILITY"]
