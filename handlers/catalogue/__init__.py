"""The public, read-only catalogue of a village's Lapak Desa: server-rendered pages."""
