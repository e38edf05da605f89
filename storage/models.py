"""Typed tables. Every record that belongs to people belongs to a village."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage import statuses
from storage.clock import utcnow

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC and always gives back an aware datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UtcDateTime}


class Village(Base):
    """A desa served by this deployment; its settings live in the config file."""

    __tablename__ = "villages"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Citizen(Base):
    """A registered resident. Personal fields are emptied when they delete their data."""

    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("village_id", "nik", name="uq_citizens_village_nik"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    full_name: Mapped[str | None] = mapped_column(String(100))
    nik: Mapped[str | None] = mapped_column(String(16))
    dusun: Mapped[str | None] = mapped_column(String(100))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None]
    registered_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[str | None] = mapped_column(String(100))
    deleted_at: Mapped[datetime | None]
    # Bumped on every change so an official's card can tell it is stale.
    version: Mapped[int] = mapped_column(Integer, default=1)


class ChannelIdentity(Base):
    """One account on one chat app (a Telegram user id, later a WhatsApp number)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="id")
    # Set when the app tells us the person blocked the bot; cleared when they write again.
    unreachable_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The phone number the app gave with the person's messages, where the account is keyed
    # by another id (WhatsApp's user id; a username may hide the number). Erased with them.
    phone: Mapped[str | None] = mapped_column(String(20))
    # When the person last wrote, a few minutes late at most (written only that often):
    # WhatsApp lets a business write freely only within 24 hours of it, and notifications
    # go to the app the person used last.
    last_inbound_at: Mapped[datetime | None]
    # Wrong link codes sent from this account in the window starting at the given time.
    link_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    link_failures_since: Mapped[datetime | None]


class LinkCode(Base):
    """A resident's one-time code to link another chat app: one row per resident, the
    active code replacing the last. Only its hash is stored."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), unique=True)
    # The account that asked for the code: told when another app is linked with it.
    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id"))
    code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Codes given in the hour starting at window_started_at (a rate limit).
    window_started_at: Mapped[datetime]
    issued_in_window: Mapped[int] = mapped_column(Integer, default=0)


class Conversation(Base):
    """Where one identity is in a flow: the step, the answers so far, the way back."""

    __tablename__ = "conversations"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    history: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class Case(Base):
    """Anything officials decide (letters, complaints, listings) shares this lifecycle."""

    __tablename__ = "cases"
    # Tracking codes are short enough to read aloud, so each village has its own set of them.
    __table_args__ = (UniqueConstraint("village_id", "code", name="uq_cases_village_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(16))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1)
    assignee: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    confidential: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When officials should have acted; reminders and escalation count from here.
    due_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    followup_at: Mapped[datetime | None]
    related_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))


class CaseSubscriber(Base):
    """Who hears about a case: its reporter, and residents who support the same report."""

    __tablename__ = "case_subscribers"
    __table_args__ = (
        UniqueConstraint("case_id", "citizen_id", name="uq_case_subscriber"),
        CheckConstraint(statuses.one_of("role", statuses.SUBSCRIBER_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]


class CaseEvent(Base):
    """Append-only history of a case: who did what, when, with which note."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """A message to a chat other than the one being answered, delivered by the worker."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_topic", "topic"),
        Index("ix_outbox_external", "channel", "external_message_id"),
        CheckConstraint(statuses.one_of("status", statuses.MESSAGE_STATUSES), name="status"),
        CheckConstraint(
            statuses.one_of("delivery_state", statuses.DELIVERY_RANKS), name="delivery_state"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Same key, same message: lets a retried transaction queue a message only once.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    external_message_id: Mapped[str | None] = mapped_column(String(64))
    # What the message is about ("case:12"), so that case's card can tell it is held.
    topic: Mapped[str | None] = mapped_column(String(40))
    # The furthest status the app reported (sent < delivered < read; failed), and when.
    delivery_state: Mapped[str | None] = mapped_column(String(12))
    delivery_rank: Mapped[int | None] = mapped_column(Integer)
    delivery_state_at: Mapped[datetime | None]
    # Lower goes first: cards and notifications (0) before announcement deliveries.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The admin-chat card the message is ("case-card:12"; "citizen-card:5", every version
    # of a resident's card): found by it when an official replies to the card or the
    # resident deletes their data, and kept by the pruner (storage.outbox.card_of).
    card: Mapped[str | None] = mapped_column(String(120), index=True)
    # The dedupe key of the message this one edits (its payload's replaces_key), so an
    # edit can tell that a newer edit of the same message was delivered before it.
    replaces: Mapped[str | None] = mapped_column(String(120), index=True)


class AuditEntry(Base):
    """Every official action, kept for accountability."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(300))


class StoredMedia(Base):
    """A photo, voice note or file someone sent, kept in Balai's media folder by its sha256.

    One row per sender and content: the same bytes sent twice by one person are one row;
    by two people, two rows sharing one file (so one person's /hapusdata leaves the other's).
    """

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("sha256", "identity_id", name="uq_media_sha256_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("channel_identities.id"), index=True)
    created_at: Mapped[datetime]


class MediaChannelRef(Base):
    """A chat app's own id for a stored file (a Telegram file_id): a cache, not the record."""

    __tablename__ = "media_channel_refs"
    __table_args__ = (UniqueConstraint("media_id", "channel", name="uq_media_ref_media_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class InboundReceipt(Base):
    """A channel's message already handled: a redelivered webhook is not handled twice."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (
        UniqueConstraint("channel", "message_id", name="uq_inbound_receipts_channel_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    # WhatsApp's wamid (base64, well under 200 characters).
    message_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]


class Listing(Base):
    """A Lapak Desa listing as buyers browse it; its moderation is its case (1:1)."""

    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint(statuses.one_of("status", statuses.LISTING_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    # Whole Rupiah; None when the price is "nego".
    price: Mapped[int | None] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(20), default="")
    # How much is for sale, in `unit`; None when the seller did not say.
    stock: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    delivery: Mapped[str] = mapped_column(String(20))
    contact_mode: Mapped[str] = mapped_column(String(10))
    # Only when the seller chose to show it (E.164).
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    # Media store references.
    photos: Mapped[list[str]] = mapped_column(JSON)
    dusun: Mapped[str] = mapped_column(String(60), default="")
    views: Mapped[int] = mapped_column(Integer, default=0)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    sold_at: Mapped[datetime | None]
    # When the seller was asked whether to renew (asked once per listing period).
    renewal_asked_at: Mapped[datetime | None]


class SavedSearch(Base):
    """A buyer's 🔔 Kabari saya: told when a listing matching `query` is approved."""

    __tablename__ = "saved_searches"
    __table_args__ = (
        UniqueConstraint("citizen_id", "normalised", name="uq_saved_searches_citizen_normalised"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    # As the buyer typed it (shown back), and as the search reads it (one per buyer).
    query: Mapped[str] = mapped_column(String(60))
    normalised: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    # When its owner was last told of a match: at most once in 24 hours.
    last_told_at: Mapped[datetime | None]


class SavedSearchTerm(Base):
    """A word that makes a listing a candidate for a saved search (its words and their
    corrections when saved): approving a listing looks its words up here."""

    __tablename__ = "saved_search_terms"
    __table_args__ = (
        UniqueConstraint("search_id", "term", name="uq_saved_search_terms_search_term"),
        Index("ix_saved_search_terms_village_term", "village_id", "term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    term: Mapped[str] = mapped_column(String(40))


class ContactThread(Base):
    """A buyer's conversation with a seller about one listing, relayed by Balai.

    One row per listing and buyer: writing again after it ended opens the same row again,
    so the buyer keeps their number ("Pembeli 3") and the listing counts them once.
    """

    __tablename__ = "contact_threads"
    __table_args__ = (
        UniqueConstraint("listing_id", "buyer_id", name="uq_contact_threads_listing_buyer"),
        CheckConstraint(statuses.one_of("status", statuses.CONTACT_STATUSES), name="status"),
        CheckConstraint(statuses.one_of("ended_by", statuses.CONTACT_ENDED_BY), name="ended_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    # The buyer as the seller sees them: "Pembeli <number>", in order of first contact.
    number: Mapped[int] = mapped_column(Integer, default=0)
    # "open" or "ended"; who ended it ("buyer", "seller", "listing", "erased").
    status: Mapped[str] = mapped_column(String(10))
    ended_by: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Messages relayed on `day` (the village's date), against the daily cap.
    day: Mapped[str] = mapped_column(String(10), default="")
    sent_on_day: Mapped[int] = mapped_column(Integer, default=0)


class ContactBlock(Base):
    """A seller who no longer takes messages from a buyer, about any listing."""

    __tablename__ = "contact_blocks"
    __table_args__ = (
        UniqueConstraint("seller_id", "buyer_id", name="uq_contact_blocks_seller_buyer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    created_at: Mapped[datetime]


class ContactQuota(Base):
    """How many conversations a buyer started on `day`, against the daily cap."""

    __tablename__ = "contact_quotas"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), default="")
    used: Mapped[int] = mapped_column(Integer, default=0)


class Announcement(Base):
    """A pengumuman: what officials send, to whom, when, and where its sending stands."""

    __tablename__ = "announcements"
    __table_args__ = (
        Index("ix_announcements_due", "status", "send_at"),
        CheckConstraint(statuses.one_of("status", statuses.ANNOUNCEMENT_STATUSES), name="status"),
        CheckConstraint(statuses.one_of("kind", statuses.ANNOUNCEMENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "PGM-XXXX", unique within the first target village (as case codes are).
    code: Mapped[str] = mapped_column(String(16), index=True)
    # The villages it goes to (database ids): one, or several from a region's admin chat.
    village_ids: Mapped[list[int]] = mapped_column(JSON)
    # The admin chat it was composed in (a village's, or a region's), where its cards go.
    admin_chat_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(100))
    approver_id: Mapped[str | None] = mapped_column(String(64))
    approver_name: Mapped[str | None] = mapped_column(String(100))
    # "normal" (📢 Pengumuman), "important" (⚠️ Penting) or "emergency" (🚨 Darurat).
    kind: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str] = mapped_column(String(40))
    # Who within the villages: {} for everyone, {"dusun": [...]}, or
    # {"dusun": [one], "rt": ["001", ...]} for RTs within one dusun.
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    # A photo or PDF from the media store ("m:<id>"), sent with the text as its caption.
    media_ref: Mapped[str | None] = mapped_column(String(40))
    media_kind: Mapped[str | None] = mapped_column(String(10))
    # awaiting_approval, scheduled, sending, paused, stopped, done, cancelled
    # (storage.statuses, as the CHECK constraints of these tables).
    status: Mapped[str] = mapped_column(String(20))
    send_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # After this, a delivery still waiting for its resident (WhatsApp outside the window)
    # is counted as not delivered.
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    # Bumped on every change of status, so two officials' presses cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)


class AnnouncementDelivery(Base):
    """One announcement to one resident: made once, so no resident gets it twice."""

    __tablename__ = "announcement_deliveries"
    __table_args__ = (
        UniqueConstraint("announcement_id", "citizen_id", name="uq_announcement_deliveries"),
        Index("ix_announcement_deliveries_state", "announcement_id", "status"),
        CheckConstraint(statuses.one_of("status", statuses.DELIVERY_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    # Where it goes (the app the resident used last), and their dusun, for the counts.
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    dusun: Mapped[str] = mapped_column(String(100), default="")
    # pending (not yet in the outbox), queued, sent, held (waiting for the resident to
    # write), unreachable, failed, expired, skipped (opted out meanwhile).
    status: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # ✅ Sudah saya baca, or WhatsApp's read status.
    read_at: Mapped[datetime | None]


class TopicSubscription(Base):
    """A resident takes announcements of a topic (Darurat reaches everyone regardless)."""

    __tablename__ = "topic_subscriptions"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime]


class Worker(Base):
    """A Balai process on this database, as it last said it was alive (several workers
    share one PostgreSQL database): its share of the bot's limit, and since when it runs."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    # Its share of the bot's one Telegram limit: the most it may send in any second (bot/crew.py).
    holds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The share it asked for at its last heartbeat.
    wants: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
