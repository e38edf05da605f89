"""Lapak Desa: the listing case kind, its typed data, categories, and how a listing reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.cases.card import Gettext
from flows.cases.data import CaseData
from flows.cases.lifecycle import CaseKind
from flows.common.formatting import number, rupiah
from flows.common.text import N_
from flows.common.villages import MarketCategory, VillageConfig
from flows.engine.types import Media, MediaKind
from storage import statuses

# A listing's statuses are its case's; the listings table allows exactly these.
PENDING, FIX = statuses.LISTING_PENDING, statuses.LISTING_FIX
LIVE, RESERVED = statuses.LISTING_LIVE, statuses.LISTING_RESERVED
SOLD, EXPIRED = statuses.LISTING_SOLD, statuses.LISTING_EXPIRED
REJECTED, REMOVED = statuses.LISTING_REJECTED, statuses.LISTING_REMOVED
WITHDRAWN = statuses.LISTING_WITHDRAWN
# Shown to buyers (and found by search) in these statuses.
SHOWN = frozenset({LIVE, RESERVED})
LISTING = CaseKind(
    name="listing",
    prefix="LPK",
    labels={
        PENDING: N_("Waiting for approval"),
        FIX: N_("Needs correction"),
        LIVE: N_("Live"),
        RESERVED: N_("Reserved"),
        SOLD: N_("Sold"),
        EXPIRED: N_("Expired"),
        REJECTED: N_("Rejected"),
        REMOVED: N_("Taken down"),
        WITHDRAWN: N_("Withdrawn"),
    },
    transitions={
        PENDING: frozenset({LIVE, FIX, REJECTED, WITHDRAWN}),
        FIX: frozenset({PENDING, REJECTED, WITHDRAWN}),
        LIVE: frozenset({LIVE, PENDING, RESERVED, SOLD, EXPIRED, REMOVED, WITHDRAWN}),
        RESERVED: frozenset({LIVE, PENDING, SOLD, EXPIRED, REMOVED, WITHDRAWN}),
        EXPIRED: frozenset({LIVE}),
    },
    # Open: officials can still act on it (approve, or take a live one down).
    open_statuses=frozenset({PENDING, FIX, LIVE, RESERVED}),
    initial=PENDING,
)
APPROVE, ASK_FIX, REJECT, TAKE_DOWN = "ok", "fix", "reject", "down"
RESIDENT_EVENTS = {
    "created": N_("sent by the seller"),
    "fixed": N_("corrected by the seller"),
    "edited": N_("changed by the seller"),
    "reserved": N_("marked reserved by the seller"),
    "sold": N_("marked sold by the seller"),
    "withdrawn": N_("withdrawn by the seller"),
    "renewed": N_("renewed by the seller"),
    "expired": N_("expired"),
}

DEFAULT_CATEGORIES = (
    MarketCategory("tani", "Hasil Tani"),
    MarketCategory("kebun", "Kebun (kopi, lada, kakao)", "Kebun"),
    MarketCategory("ternak", "Ternak"),
    MarketCategory("ikan", "Ikan"),
    MarketCategory("olahan", "Makanan & Minuman Olahan", "Makanan & Minuman"),
    MarketCategory("kerajinan", "Kerajinan"),
    MarketCategory("jasa", "Jasa"),
    MarketCategory("lainnya", "Lainnya"),
)
# Units offered as buttons; any short unit typed with the price is taken as well.
UNITS = ("kg", "ons", "liter", "ikat", "buah", "butir", "pcs", "paket", "karung", "hari")
DELIVERY = {
    "pickup": N_("Pick up at the seller's home"),
    "village": N_("Delivered within the village"),
    "ship": N_("Can be shipped"),
}
BALAI, WHATSAPP = "balai", "wa"


def categories(village: VillageConfig) -> tuple[MarketCategory, ...]:
    return village.market_categories or DEFAULT_CATEGORIES


def category_name(village: VillageConfig, code: str) -> str:
    return next((c.name for c in categories(village) if c.code == code), code)


@dataclass
class ListingData(CaseData):
    """What a listing's case stores in `Case.data` (the listings row mirrors it)."""

    name: str = ""
    category: str = ""
    # Whole Rupiah; None: "nego".
    price: int | None = None
    unit: str = ""
    # How much is for sale, in `unit`; None: not said.
    stock: int | None = None
    photos: list[str] = field(default_factory=list)
    description: str = ""
    delivery: str = "pickup"
    contact: str = BALAI
    whatsapp: str | None = None
    dusun: str = ""
    # The parts officials asked the seller to correct (step names), and their note.
    flagged: list[str] = field(default_factory=list)
    fix_note: str | None = None


def first_name(full_name: str | None) -> str:
    """A seller as other residents see them in Lapak Desa: the first name only."""
    words = (full_name or "").split()
    return words[0] if words else "-"


def price_text(_: Gettext, price: int | None, unit: str) -> str:
    """`Rp25.000/kg`, or "Nego" when the seller asks buyers to offer."""
    if price is None:
        return _("Negotiable")
    shown = rupiah(price)
    return f"{shown}/{unit}" if unit else shown


def stock_text(_: Gettext, stock: int, unit: str) -> str:
    """`Stok: 20 kg`."""
    amount = f"{number(stock)} {unit}" if unit else number(stock)
    return _("In stock: {amount}").format(amount=amount)


def listing_lines(_: Gettext, village: VillageConfig, data: ListingData) -> list[str]:
    """The listing as officials and its seller read it."""
    lines = [
        f"🛒 {data.name}",
        _("Category: {category}").format(category=category_name(village, data.category)),
        _("Price: {price}").format(price=price_text(_, data.price, data.unit)),
    ]
    if data.stock is not None:
        lines.append(stock_text(_, data.stock, data.unit))
    if data.description:
        lines.append(data.description)
    lines.append(_("Delivery: {how}").format(how=_(DELIVERY.get(data.delivery, data.delivery))))
    return lines


def listing_media(data: ListingData) -> tuple[Media, ...]:
    return tuple(Media(MediaKind.PHOTO, p) for p in data.photos)
