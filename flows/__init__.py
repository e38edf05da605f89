"""Balai's conversations, channel-neutral: no chat app's types or names in here.

Packages: `engine` and `common` underneath, `cases` on them, and one package per
capability on top (`residents`, `letters`, `complaints`, `info`); capabilities never
import one another. See docs/architecture.md.
"""
