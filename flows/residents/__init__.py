"""Residents: registration (consent, village, NIK, dusun, RT/RW, phone), the profile
(see, correct, delete one's data) and officials' verification of residents' cards.
Contributes registration as the catalogue's onboarding for services that need it."""

from flows.engine.catalog import combined
from flows.residents import profile, registration, verification

CAPABILITY = combined(
    "residents", registration.CAPABILITY, profile.CAPABILITY, verification.CAPABILITY
)

__all__ = ["CAPABILITY"]
