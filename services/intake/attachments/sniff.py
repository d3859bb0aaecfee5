"""What an upload is, told by its bytes (magic numbers), never by its name or the client."""

import io
import re
import zipfile

PLAIN_TEXT = "text/plain; charset=utf-8"
ZIP = "application/zip"

# Leading bytes of the binary formats we accept.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive with entries; an empty archive

# Office Open XML: the top folder of the archive names the application.
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# OpenDocument: the first entry is `mimetype`, stored uncompressed, its content right after
# the 30-byte local header and the 8-byte name.
_ODF = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
)

# Text that starts like HTML, SVG or XML (a tag, `<!` or `<?`) is refused: a client that
# ignores `nosniff` could render it and run its scripts. (`<34>` of syslog lines stays text.)
_MARKUP = re.compile(r"\A\ufeff?\s*<[a-zA-Z!?/]")


def sniff_content_type(content: bytes) -> str | None:
    """The media type of `content` if it is one we accept; None otherwise."""
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            return media_type
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(_ZIP_MAGIC):
        return _zip_type(content)
    if _is_plain_text(content):
        return PLAIN_TEXT
    return None


def _zip_type(content: bytes) -> str:
    if content[30:38] == b"mimetype":
        for media_type in _ODF:
            if content[38:].startswith(media_type.encode()):
                return media_type
    try:
        # Reads only the central directory: nothing is decompressed.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return ZIP  # the magic says zip; a damaged archive is still no risk to the reader
    if "[Content_Types].xml" in names:
        for folder, media_type in _OOXML.items():
            if any(name.startswith(folder) for name in names):
                return media_type
    return ZIP


def _is_plain_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _MARKUP.match(text) is None
