"""Files of a ticket: attachments (downloaded, or previewed when they really are
raster images) and an inbound article's raw message.

Both start from the visibility rule (404 for a ticket or article the agent may
not see). Downloads carry `Content-Disposition: attachment` with a safely
encoded name and `X-Content-Type-Options: nosniff`; a preview is served only
for PNG, JPEG, GIF and WebP whose bytes say so, under a CSP that allows nothing else.
"""

from __future__ import annotations

from typing import cast

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from relaydesk.agent.decorators import agent_required
from relaydesk.agent.http import AgentRequest
from relaydesk.agent.views import ticket_context as ctx
from relaydesk.core.filenames import safe_filename
from relaydesk.core.storage import blob_path
from relaydesk.tickets.models import Attachment
from relaydesk.tickets.visibility import visible_articles

IMAGE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def detected_image_type(head: bytes) -> str | None:
    """The raster type the file's first bytes prove, or None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def open_blob(sha256: str) -> File[bytes] | None:
    try:
        return default_storage.open(blob_path(sha256), "rb")
    except (FileNotFoundError, OSError):
        return None


def protect(response: HttpResponseBase) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    # agent_required is typed for HttpResponse; Django serves any HttpResponseBase.
    return cast(HttpResponse, response)


@never_cache
@agent_required
@require_GET
def ticket_attachment(request: AgentRequest, number: str, attachment_id: int) -> HttpResponse:
    ticket = ctx.ticket_or_404(request, number)
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id, article__in=visible_articles(request.user, ticket).values("id")
        )
        .filter(article__ticket_id=ticket.pk)
        .first()
    )
    if attachment is None:
        raise Http404
    handle = open_blob(attachment.sha256)
    if handle is None:
        raise Http404
    filename = safe_filename(attachment.filename)
    if request.GET.get("inline") == "1":
        image_type = detected_image_type(handle.read(16))
        handle.seek(0)
        if image_type is not None:
            response = FileResponse(handle, content_type=image_type)
            response["Content-Disposition"] = content_disposition_header(False, filename) or ""
            response["Content-Security-Policy"] = IMAGE_POLICY
            return protect(response)
    # Never the type the sender claimed: a download is bytes, whatever it says it is.
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/octet-stream"
    )
    return protect(response)


@never_cache
@agent_required
@require_GET
def article_raw(request: AgentRequest, number: str, article_id: int) -> HttpResponse:
    """The message exactly as it arrived, as a download (never shown inline)."""
    ticket = ctx.ticket_or_404(request, number)
    article = ctx.article_or_404(request, ticket, article_id)
    handle = open_blob(article.raw_sha256) if article.raw_sha256 else None
    if handle is None:
        raise Http404
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{ticket.number}-{article.pk}.eml",
        content_type="message/rfc822",
    )
    return protect(response)
