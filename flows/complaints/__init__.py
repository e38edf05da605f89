"""Pengaduan: the report flow, similar-report search, the reporter's side (status,
answers, more information, follow-up and rating), the complaint desk and card, export."""

from flows.complaints.capability import CAPABILITY

__all__ = ["CAPABILITY"]
