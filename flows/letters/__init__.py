"""Layanan Surat: the letter catalogue (`letters.toml` and its loader), the request flow
with typed fields and document photos, fixes of flagged parts, the letter desk and card,
working-day due dates and export."""

from flows.letters.capability import CAPABILITY

__all__ = ["CAPABILITY"]
