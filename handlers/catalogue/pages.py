"""The catalogue's HTML: small pages for weak phones, every value escaped, no outside assets.

Pages show what a buyer sees of a listing in the chat and nothing more: no phone number
unless the seller chose to show their WhatsApp number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from flows.common.villages import MarketCategory, VillageConfig

Gettext = Callable[[str], str]

_CSS = (
    "body{margin:0;font:16px/1.4 system-ui,sans-serif;color:#222;background:#f6f4ef}"
    "main{max-width:40rem;margin:0 auto;padding:.75rem}"
    "h1{font-size:1.3rem;margin:.3rem 0}a{color:#0b5c3b}"
    ".sub{color:#555;margin:0 0 .75rem}"
    "form{display:flex;flex-wrap:wrap;gap:.4rem;margin-bottom:.75rem}"
    "input,select,button{font:inherit;padding:.45rem;border:1px solid #bbb;border-radius:.4rem}"
    "input{flex:1 1 10rem}button{background:#0b5c3b;color:#fff;border-color:#0b5c3b}"
    "ul{list-style:none;padding:0;margin:0}"
    "li a{display:flex;gap:.6rem;align-items:center;background:#fff;margin-bottom:.5rem;"
    "padding:.5rem;border-radius:.5rem;text-decoration:none;color:inherit}"
    "li img,.nophoto{width:80px;height:80px;object-fit:cover;border-radius:.3rem;"
    "background:#ddd;flex:none}"
    ".n{font-weight:600;display:block;overflow-wrap:anywhere}.p{color:#0b5c3b;display:block}"
    ".m{color:#666;font-size:.9rem;display:block;overflow-wrap:anywhere}"
    ".tag{background:#f0c36d;border-radius:.3rem;padding:0 .3rem;font-size:.85rem}"
    ".photos{display:flex;gap:.4rem;overflow-x:auto}.photos img{max-width:100%;"
    "border-radius:.4rem}"
    ".d{white-space:pre-line;overflow-wrap:anywhere}"
    ".btn{display:block;text-align:center;padding:.7rem;margin:.5rem 0;border-radius:.5rem;"
    "color:#fff;text-decoration:none;font-weight:600}.tg{background:#2a8bcc}.wa{background:#1b9e4b}"
    "nav{display:flex;justify-content:space-between;margin:.75rem 0}"
)


@dataclass(frozen=True)
class ShownListing:
    """One listing as the page shows it (what the chat's listing view shows)."""

    code: str
    name: str
    price: str
    # "Stok: 20 kg" when the seller said how much there is.
    stock: str | None
    dusun: str
    seller: str
    reserved: bool
    description: str
    # Shown only when the seller chose to show it.
    whatsapp: str | None
    # Photo URLs without the width (`?w=` is added per use).
    photos: tuple[str, ...]
    telegram_url: str | None
    whatsapp_url: str | None


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _words(_: Gettext) -> dict[str, str]:
    """The page's fixed words, translated and escaped (kept out of f-strings, where the
    message extractor would not find them)."""
    words = {
        "all": _("All categories"),
        "looking": _("What are you looking for?"),
        "category": _("Category"),
        "search": _("Search"),
        "reserved": _("Reserved"),
        "previous": _("Previous page"),
        "next": _("Next page"),
        "reach": _("Open it in the chat with Balai to reach the seller."),
        "telegram": _("Open in Telegram"),
        "whatsapp": _("Open in WhatsApp"),
        "not_found": _("Not found"),
    }
    return {key: escape(text) for key, text in words.items()}


def village_page(
    _: Gettext,
    village: VillageConfig,
    base: str,
    shown: Sequence[ShownListing],
    *,
    query: str,
    category: str,
    categories: Sequence[MarketCategory],
    page: int,
    pages: int,
) -> str:
    """The village's listings, newest first (or best first for a search), one page of them."""
    w = _words(_)
    title = _("Lapak Desa {village}").format(village=village.name)
    about = _("What residents of Desa {village} sell, approved by the village office.")
    options = [f'<option value="">{w["all"]}</option>']
    for c in categories:
        chosen = " selected" if c.code == category else ""
        options.append(f'<option value="{escape(c.code)}"{chosen}>{escape(c.name)}</option>')
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(about.format(village=village.name))}</p>',
        f'<form method="get" action="{escape(base)}" role="search">'
        f'<input type="search" name="q" value="{escape(query)}" maxlength="100" '
        f'placeholder="{w["looking"]}" aria-label="{w["looking"]}">'
        f'<select name="kategori" aria-label="{w["category"]}">{"".join(options)}</select>'
        f"<button>{w['search']}</button></form>",
    ]
    if not shown:
        empty = (
            _("Nothing found for \u201c{query}\u201d in Lapak Desa.").format(query=query)
            if query
            else _("Nothing is on offer here yet.")
        )
        parts.append(f"<p>{escape(empty)}</p>")
    items = []
    for x in shown:
        photo = (
            f'<img src="{escape(x.photos[0])}?w=160" alt="" loading="lazy" width="80" height="80">'
            if x.photos
            else '<span class="nophoto"></span>'
        )
        meta = " · ".join(p for p in (x.dusun, x.seller) if p)
        tag = f' <span class="tag">{w["reserved"]}</span>' if x.reserved else ""
        items.append(
            f'<li><a href="{escape(base)}/{escape(x.code)}">{photo}<span>'
            f'<span class="n">{escape(x.name)}</span><span class="p">{escape(x.price)}{tag}</span>'
            f'<span class="m">{escape(meta)}</span></span></a></li>'
        )
    if items:
        parts.append(f"<ul>{''.join(items)}</ul>")
    if pages > 1:
        where = _("Page {page} of {pages}").format(page=page, pages=pages)
        parts.append(_pager(w, escape(where), base, query, category, page, pages))
    return _page(title, "".join(parts))


def _pager(
    w: dict[str, str], where: str, base: str, query: str, category: str, page: int, pages: int
) -> str:
    def href(to: int) -> str:
        params = {k: v for k, v in (("q", query), ("kategori", category)) if v}
        params["halaman"] = str(to)
        return escape(f"{base}?{urlencode(params)}")

    none = "<span></span>"
    back = f'<a href="{href(page - 1)}">{w["previous"]}</a>' if page > 1 else none
    on = f'<a href="{href(page + 1)}">{w["next"]}</a>' if page < pages else none
    return f"<nav>{back}<span>{where}</span>{on}</nav>"


def listing_page(_: Gettext, village: VillageConfig, base: str, x: ShownListing) -> str:
    """One listing, with the buttons that open it in the chat."""
    w = _words(_)
    parts = [f"<h1>{escape(x.name)}</h1>"]
    if x.photos:
        alt = escape(_("Photo of {name}").format(name=x.name))
        images = "".join(
            f'<a href="{escape(p)}?w=640"><img src="{escape(p)}?w=320" alt="{alt}" width="320"></a>'
            for p in x.photos
        )
        parts.append(f'<div class="photos">{images}</div>')
    price = _("Price: {price}").format(price=x.price)
    tag = f' <span class="tag">{w["reserved"]}</span>' if x.reserved else ""
    parts.append(f'<p class="p">{escape(price)}{tag}</p>')
    if x.stock:
        parts.append(f"<p>{escape(x.stock)}</p>")
    if x.description:
        parts.append(f'<p class="d">{escape(x.description)}</p>')
    seller = _("Seller: {name}").format(name=x.seller)
    parts.append(f"<p>{escape(seller)}</p>")
    if x.dusun:
        parts.append(f"<p>{escape(x.dusun)}</p>")
    if x.whatsapp:
        parts.append(f"<p>WhatsApp: {escape(x.whatsapp)}</p>")
    code = _("Code: {code}").format(code=x.code)
    parts.append(f"<p>{escape(code)}</p>")
    if x.telegram_url or x.whatsapp_url:
        parts.append(f"<p>{w['reach']}</p>")
    if x.telegram_url:
        parts.append(f'<a class="btn tg" href="{escape(x.telegram_url)}">{w["telegram"]}</a>')
    if x.whatsapp_url:
        parts.append(f'<a class="btn wa" href="{escape(x.whatsapp_url)}">{w["whatsapp"]}</a>')
    back = _("All listings of Desa {village}").format(village=village.name)
    parts.append(f'<p><a href="{escape(base)}">{escape(back)}</a></p>')
    title = _("Lapak Desa {village}").format(village=village.name)
    return _page(f"{x.name} · {title}", "".join(parts))


def not_found_page(_: Gettext, village: VillageConfig | None, base: str | None) -> str:
    """The 404 page: a listing not shown (any more), or no such village."""
    w = _words(_)
    heading = f"<h1>{w['not_found']}</h1>"
    if village is None or base is None:
        text = _("There is no Lapak Desa at this address.")
        return _page(_("Not found"), f"{heading}<p>{escape(text)}</p>")
    text = _("This listing is not shown (any more): it may be sold, expired or withdrawn.")
    back = _("All listings of Desa {village}").format(village=village.name)
    return _page(
        _("Not found"),
        f'{heading}<p>{escape(text)}</p><p><a href="{escape(base)}">{escape(back)}</a></p>',
    )
