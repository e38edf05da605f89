"""Lapak Desa: residents sell what the village makes; officials approve each listing.

`sell` (the seller's form), `mine` (Lapak saya), `desk` and `card` (the listing case kind
on the shared desk), `price` (prices as people type them), `expiry` (the timer), `export`.
"""

from flows.market.capability import CAPABILITY

__all__ = ["CAPABILITY"]
