"""The benchmark (`make bench`): Balai against a bare PTB echo bot. See README.md here."""
