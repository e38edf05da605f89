"""Info Desa: office hours, address, contacts and FAQ of the person's village."""

from flows.info.office import CAPABILITY

__all__ = ["CAPABILITY"]
