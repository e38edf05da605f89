"""Pengumuman: officials announce to the whole village or part of it; residents choose topics.

`topics` (the village's topics and the defaults).
"""
