"""Residents: registration (consent, village, NIK, dusun, RT/RW, phone), the profile
(see, correct, delete one's data), linking a second chat app, and officials'
verification of residents' cards.
Contributes registration as the catalogue's onboarding for services that need it."""

from flows.engine.catalog import combined
from flows.residents import linking, profile, registration, verification

CAPABILITY = combined(
    "residents",
    registration.CAPABILITY,
    profile.CAPABILITY,
    verification.CAPABILITY,
    linking.CAPABILITY,
)

__all__ = ["CAPABILITY"]
