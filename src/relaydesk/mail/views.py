"""The raw download of an inbound message, for administrators only.

Wired under /admin/ by InboundMessageAdmin.get_urls. Anyone else — customers,
agents without the admin permission, anonymous visitors — gets the same 404 as
for a message that does not exist: raw mail holds other people's data.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import never_cache

from relaydesk.core.storage import blob_path
from relaydesk.mail.models import InboundMessage


def may_read_raw(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("mail.view_inboundmessage")
    )


@never_cache
def inbound_raw(request: HttpRequest, pk: int) -> FileResponse:
    """The message exactly as it arrived, as a download (never shown inline)."""
    if not may_read_raw(request):
        raise Http404
    row = InboundMessage.objects.filter(pk=pk).only("pk", "raw_sha256").first()
    if row is None:
        raise Http404
    try:
        handle = default_storage.open(blob_path(row.raw_sha256), "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"inbound-{row.pk}.eml",
        content_type="message/rfc822",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
