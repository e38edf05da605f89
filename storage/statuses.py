"""The closed sets of values some columns hold. The code writes these names and the tables'
CHECK constraints (storage.models) allow exactly them: a new value needs a migration too.

Case statuses are not here: each case kind declares its own (flows/*/card.py), and a new
kind is a small module, not a schema change; a listing's status is its case's, but the
listing kind is one closed set, so it is.
"""

from __future__ import annotations

from collections.abc import Iterable

# An outbox message: due, claimed by a worker, delivered, given up on (a dead letter),
# or held until the person writes again (their app takes no message now).
MESSAGE_PENDING, MESSAGE_SENDING, MESSAGE_SENT = "pending", "sending", "sent"
MESSAGE_FAILED, MESSAGE_WAITING = "failed", "waiting"
MESSAGE_STATUSES = (
    MESSAGE_PENDING,
    MESSAGE_SENDING,
    MESSAGE_SENT,
    MESSAGE_FAILED,
    MESSAGE_WAITING,
)
# What a chat app reported after a send, in the order it can only advance.
DELIVERY_RANKS = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}

# An announcement's sending.
ANNOUNCEMENT_AWAITING, ANNOUNCEMENT_SCHEDULED = "awaiting_approval", "scheduled"
ANNOUNCEMENT_SENDING, ANNOUNCEMENT_PAUSED = "sending", "paused"
ANNOUNCEMENT_STOPPED, ANNOUNCEMENT_DONE, ANNOUNCEMENT_CANCELLED = "stopped", "done", "cancelled"
ANNOUNCEMENT_STATUSES = (
    ANNOUNCEMENT_AWAITING,
    ANNOUNCEMENT_SCHEDULED,
    ANNOUNCEMENT_SENDING,
    ANNOUNCEMENT_PAUSED,
    ANNOUNCEMENT_STOPPED,
    ANNOUNCEMENT_DONE,
    ANNOUNCEMENT_CANCELLED,
)
# How urgent it is: 📢 Pengumuman, ⚠️ Penting, 🚨 Darurat.
ANNOUNCEMENT_NORMAL, ANNOUNCEMENT_IMPORTANT, ANNOUNCEMENT_EMERGENCY = (
    "normal",
    "important",
    "emergency",
)
ANNOUNCEMENT_KINDS = (ANNOUNCEMENT_NORMAL, ANNOUNCEMENT_IMPORTANT, ANNOUNCEMENT_EMERGENCY)

# One announcement to one resident: not yet in the outbox, in it, sent, held until they
# write, or not reached (blocked the bot, failed, expired, opted out meanwhile).
DELIVERY_PENDING, DELIVERY_QUEUED, DELIVERY_SENT, DELIVERY_HELD = (
    "pending",
    "queued",
    "sent",
    "held",
)
DELIVERY_UNREACHABLE, DELIVERY_FAILED, DELIVERY_EXPIRED, DELIVERY_SKIPPED = (
    "unreachable",
    "failed",
    "expired",
    "skipped",
)
DELIVERY_STATUSES = (
    DELIVERY_PENDING,
    DELIVERY_QUEUED,
    DELIVERY_SENT,
    DELIVERY_HELD,
    DELIVERY_UNREACHABLE,
    DELIVERY_FAILED,
    DELIVERY_EXPIRED,
    DELIVERY_SKIPPED,
)

# Lapak Desa: a listing (its case kind's statuses, flows/market/card.py).
LISTING_PENDING, LISTING_FIX, LISTING_LIVE, LISTING_RESERVED = "pending", "fix", "live", "reserved"
LISTING_SOLD, LISTING_EXPIRED, LISTING_REJECTED = "sold", "expired", "rejected"
LISTING_REMOVED, LISTING_WITHDRAWN = "removed", "withdrawn"
LISTING_STATUSES = (
    LISTING_PENDING,
    LISTING_FIX,
    LISTING_LIVE,
    LISTING_RESERVED,
    LISTING_SOLD,
    LISTING_EXPIRED,
    LISTING_REJECTED,
    LISTING_REMOVED,
    LISTING_WITHDRAWN,
)

# A buyer's conversation with a seller, and who (or what) ended it.
CONTACT_OPEN, CONTACT_ENDED = "open", "ended"
CONTACT_STATUSES = (CONTACT_OPEN, CONTACT_ENDED)
ENDED_BY_BUYER, ENDED_BY_SELLER = "buyer", "seller"
ENDED_BY_LISTING, ENDED_BY_ERASURE = "listing", "erased"
CONTACT_ENDED_BY = (ENDED_BY_BUYER, ENDED_BY_SELLER, ENDED_BY_LISTING, ENDED_BY_ERASURE)

# Who hears about a case: its reporter, or a resident supporting the same report.
SUBSCRIBER_REPORTER, SUBSCRIBER_SUPPORTER = "reporter", "supporter"
SUBSCRIBER_ROLES = (SUBSCRIBER_REPORTER, SUBSCRIBER_SUPPORTER)


def one_of(column: str, values: Iterable[str]) -> str:
    """A CHECK condition: `column` holds one of `values` (NULL passes, as SQL's CHECK lets
    an unknown result through: nullable columns stay nullable)."""
    allowed = list(values)
    # Our own names, never input: quoting them is enough, but refuse anything surprising.
    if not all(value.replace("_", "").isalnum() and value.isascii() for value in allowed):
        raise ValueError("a status name must be letters, digits and underscores")
    quoted = ", ".join("'" + value + "'" for value in allowed)
    return f"{column} IN ({quoted})"
