"""Attachment routes: upload a file, download it (its uploader, then the ticket's viewers)."""

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import StreamingResponse

from services.intake.attachments import access, names, service, upload
from services.intake.attachments.models import AttachmentRead, attachment_read
from services.intake.deps import CurrentUser, DbDep, SettingsDep
from shared import audit
from shared.clock import utcnow

router = APIRouter(prefix="/v1/attachments", tags=["attachments"])

FILE_FIELD = "file"

# The body is read by hand (upload.read_file_part) to stop at the size limit, so OpenAPI
# is told its shape here.
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentRead,
    openapi_extra=_UPLOAD_BODY,
)
async def upload_attachment(
    request: Request, principal: CurrentUser, db: DbDep, settings: SettingsDep
) -> AttachmentRead:
    """Upload a file (multipart field `file`); send its id in a ticket's or message's
    `attachment_ids` to attach it. Its type is told by its content, not its name."""
    received = await upload.read_file_part(
        request, field=FILE_FIELD, limit=settings.attachment_max_bytes
    )
    content_type = service.check_content(content=received.content)
    await service.check_unlinked_quota(
        db=db,
        principal=principal,
        size=len(received.content),
        max_files=settings.attachment_unlinked_max_files,
        max_bytes=settings.attachment_unlinked_max_bytes,
    )
    document = await service.store_attachment(
        db=db,
        content=received.content,
        filename=names.sanitize_filename(received.filename),
        content_type=content_type,
        principal=principal,
        now=utcnow(),
    )
    audit.note(request, attachment_id=str(document["_id"]), size=len(received.content))
    return attachment_read(document)


@router.get(
    "/{attachment_id}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download_attachment(
    attachment_id: str, principal: CurrentUser, db: DbDep
) -> StreamingResponse:
    """The file, to its uploader until it is attached, then to whoever may see the ticket."""
    attachment = await service.find_attachment(db=db, attachment_id=attachment_id)
    if attachment is None:
        raise service.not_found(attachment_id)
    ticket = await service.linked_ticket(db=db, attachment=attachment)
    if not access.can_download(principal, attachment, ticket):
        raise service.not_found(attachment_id)
    metadata = attachment["metadata"]
    return StreamingResponse(
        service.read_content(db=db, attachment=attachment),
        media_type=metadata["content_type"],
        headers={
            "Content-Length": str(metadata["size"]),
            "Content-Disposition": names.content_disposition(metadata["filename"]),
            "X-Content-Type-Options": "nosniff",
            # Opened directly, whatever it holds runs no script and loads nothing.
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        },
    )
