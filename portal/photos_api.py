"""POST /api/photos/{purpose}: one photo, taken in as soon as the resident (or supervisor) chooses it.

The phone has already shrunk it (`assets/photos.js`: longest side 1600 px, JPEG, metadata dropped by the re-encode);
the server trusts none of that and runs the bytes through the one image intake (`kernel/images`) in the bounded heavy
pool. The answer is a signed token (`images.photo_token`) the page sends with its form: a report is filed with
exactly the tokens the resident saw attached, an application draft or an evaluation form attaches each one through
its own service, which checks again who may attach what.

Only the portal's own pages may post here (`shell/origin.OriginGuard` refuses any other Origin). Purposes: `report` and `application` are anonymous (the address's hourly photo quota applies, as before), and
`evaluation` needs a signed-in account. The body is the picture itself (not multipart), read with the intake's byte
cap. Answers 200 `{token, width, height}`, or 4xx `{error, message}` in the caller's language.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.applications import services as applications
from portal.kernel import heavy
from portal.kernel import throttle
from portal.kernel.base import utcnow
from portal.kernel.db import session_scope
from portal.kernel.images import (
    PHOTO_PURPOSES, ImageRejected, IntakePolicy, PrivateImageStore, accept, photo_token,
)
from portal.kernel.settings import get_settings
from portal.shell.http import actor_or_error, client_address, error

# Which refusal is which status: the page shows the message either way; the status is for logs and scripts.
_STATUS = {"image.too_large": 413, "image.quota": 429, "image.busy": 503, "image.disk_full": 507}


def _store_and_policy(purpose: str) -> tuple[PrivateImageStore, IntakePolicy]:
    if purpose == "application":
        return applications.document_store(), applications.PHOTO_POLICY
    return PrivateImageStore(get_settings().private_upload_dir), IntakePolicy()


async def _read_capped(request: Request, max_bytes: int) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > max_bytes:
            raise ImageRejected("image.too_large", f"over {max_bytes} bytes")
    return bytes(data)


def _take_quota(client: str) -> None:
    with session_scope() as session:  # a database write: in a thread, never on the event loop
        throttle.take_uploads(session, client, 1, utcnow())


async def take_photo(request: Request) -> Response:
    purpose = request.path_params["purpose"]
    if purpose not in PHOTO_PURPOSES:
        return error(request, 404, "auth.forbidden")
    if purpose == "evaluation":
        actor = await run_in_threadpool(actor_or_error, request)
        if isinstance(actor, Response):
            return actor
    store, policy = _store_and_policy(purpose)
    try:
        if purpose != "evaluation":
            # The address's quota before any pixel is decoded (a hall's Wi-Fi shares it: generous, per hour).
            await run_in_threadpool(_take_quota, client_address(request))
        data = await _read_capped(request, policy.max_bytes)
        if not data:
            raise ImageRejected("image.empty")
        try:
            stored = await heavy.run(accept, data, store, policy)
        except heavy.Busy as exc:
            raise ImageRejected("image.busy") from exc
    except ImageRejected as exc:
        return error(request, _STATUS.get(exc.reason, 400), exc.reason)
    token = photo_token(stored, purpose, get_settings().secret_key)
    return JSONResponse({"token": token, "width": stored.width, "height": stored.height},
                        headers={"Cache-Control": "no-store"})
