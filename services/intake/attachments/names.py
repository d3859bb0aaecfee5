"""File names of uploads: made safe to store and show, and sent back intact on download."""

import re
import unicodedata
from urllib.parse import quote

FALLBACK_NAME = "attachment"
MAX_NAME_LENGTH = 150
MAX_EXTENSION_LENGTH = 16  # longer "extensions" are part of the name (`notes.from the meeting`)

_PATH_SEPARATORS = re.compile(r"[/\\]")


def sanitize_filename(raw: str | None) -> str:
    """The client's file name without directories, control characters or leading dots, at
    most MAX_NAME_LENGTH characters with its extension kept; FALLBACK_NAME if none is left."""
    name = _PATH_SEPARATORS.split(unicodedata.normalize("NFC", raw or ""))[-1]
    # Category C: control and format characters (e.g. U+202E, which can reverse `gpj.exe`).
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = name.strip().lstrip(".").strip()
    if not name:
        return FALLBACK_NAME
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION_LENGTH:
        stem, extension = name, ""
    else:
        extension = f".{extension}"
    return stem[: MAX_NAME_LENGTH - len(extension)].rstrip() + extension


def content_disposition(filename: str) -> str:
    """A download header carrying any file name (RFC 6266 / RFC 5987, UTF-8)."""
    return f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
