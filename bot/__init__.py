"""Balai's composition root: settings, the app factory, the CLI and background workers."""
