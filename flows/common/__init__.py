"""Plain helpers with no conversation in them: text cleaning, fuzzy matching, validation
(NIK, phone, RT/RW), formatting (Rupiah, dates in WIB/WITA/WIT, masking), the village
configuration types and working days. Imports nothing else of Balai's."""
