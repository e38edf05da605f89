"""Photos for the catalogue as small JPEG thumbnails, made once and kept beside the photo."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# The widths a page asks for; any other is refused, so nobody can fill the disk with sizes.
WIDTHS = frozenset({160, 320, 640})
# A photo bigger than this (in pixels) is not decoded: a small file can unpack into gigabytes.
MAX_PIXELS = 40_000_000


def make_thumbnail(source: Path, target: Path, width: int) -> bool:
    """Write `source` at most `width` wide as JPEG to `target`; False if it is no photo.

    Blocking (decoding takes milliseconds): call it in a thread."""
    # Imported here: only the public pages need Pillow; a chat-only Balai never loads it.
    from PIL import Image, ImageOps

    try:
        with Image.open(source) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                return False
            opened.draft("RGB", (width, width * 4))  # JPEG decodes at a fraction of the size
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((width, width * 4))
            if image.mode != "RGB":
                image = image.convert("RGB")
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(handle, "wb") as out:
                    image.save(out, "JPEG", quality=72, optimize=True, progressive=True)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    return True
