"""Reading the file of a multipart upload as it streams in, never past the size limit."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from shared.errors import ApiError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

# Room for the multipart framing around the file: boundaries, part headers, other fields.
FRAMING_ALLOWANCE = 64 * 1024


@dataclass(frozen=True)
class ReceivedFile:
    filename: str | None  # as the client sent it: not yet sanitised
    content: bytes


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "attachment_too_large",
        f"An attachment may be at most {limit} bytes.",
        {"max_bytes": limit},
    )


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_multipart", message)


class _FilePart:
    """Parser callbacks that keep the first part named `field` and skip all others."""

    def __init__(self, field: str, limit: int) -> None:
        self.field = field.encode()
        self.limit = limit
        self.found = False
        self.filename: str | None = None
        self.content = bytearray()
        self.ended = False
        self._reading = False
        self._headers: dict[bytes, bytes] = {}
        self._name = bytearray()
        self._value = bytearray()

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self._headers.clear,
            "on_header_field": lambda data, start, end: self._name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _header_end(self) -> None:
        self._headers[bytes(self._name).lower()] = bytes(self._value)
        self._name.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        self._reading = not self.found and options.get(b"name") == self.field
        if self._reading:
            self.found = True
            self.filename = _decode_name(options.get(b"filename"))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._reading:
            self.content.extend(data[start:end])
            if len(self.content) > self.limit:
                raise too_large(self.limit)

    def _part_end(self) -> None:
        self._reading = False

    def _end(self) -> None:
        self.ended = True


def _decode_name(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        return raw.decode()  # browsers and most clients send UTF-8 (RFC 7578 §4.2)
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def read_file_part(request: Request, *, field: str, limit: int) -> ReceivedFile:
    """The part named `field` of a multipart/form-data body; 413 as soon as it passes `limit`
    bytes (or, before reading, when Content-Length says it must)."""
    kind, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _invalid(f"Send the file as multipart/form-data, in the field '{field}'.")
    most = limit + FRAMING_ALLOWANCE
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise too_large(limit)
    part = _FilePart(field, limit)
    received = 0
    try:
        parser = MultipartParser(boundary, part.callbacks())
        async for chunk in request.stream():
            received += len(chunk)
            if received > most:  # a huge other field, or no Content-Length to go by
                raise too_large(limit)
            parser.write(chunk)
    except FormParserError as exc:
        raise _invalid(f"The multipart body could not be read: {exc}") from exc
    except ClientDisconnect as exc:
        raise _invalid("The upload was interrupted.") from exc
    if not part.ended:
        raise _invalid("The multipart body ended before its closing boundary.")
    if not part.found:  # answered like any missing field of a request
        missing = {"location": ["body", field], "message": "Field required", "type": "missing"}
        raise ApiError(422, "validation_error", "The request is not valid.", {"fields": [missing]})
    return ReceivedFile(filename=part.filename, content=bytes(part.content))
