"""The photo field of every form that takes pictures (report, added information, application documents, supervisor
evidence). The browser side is `assets/photos.js`: it shrinks each chosen photo, uploads it at once to
`/api/photos/<purpose>` with progress, offers a retry, and keeps the form's send button disabled (saying why) while a
photo is on its way.

Two ways a page receives the photos:
- `form_field=True`: the tokens of the uploaded photos go with the form (`name="photos"`, comma-separated); the state
  reads them with `tokens_from_form` on submit, so a filed form holds exactly the photos shown attached.
- `sink=<event handler>`: each token is handed to that handler as soon as it is uploaded (a draft that keeps its
  photos server-side); the page's own list shows them from then on.
"""

from __future__ import annotations

import reflex as rx

from portal.kernel import routes
from portal.kernel.images import StoredImage, read_photo_token
from portal.shell.i18n import t, t_fmt
from portal.shell.layout import TAP


def _messages(max_photos) -> dict[str, rx.Var]:
    return {
        "data_msg_shrinking": t("photo.shrinking"), "data_msg_uploading": t("photo.uploading"),
        "data_msg_done": t("photo.done"), "data_msg_failed": t("photo.failed"), "data_msg_network": t("photo.network"),
        "data_msg_retry": t("photo.retry"), "data_msg_remove": t("photo.remove"), "data_msg_photo": t("photo.photo"),
        "data_msg_too_many": t_fmt("photo.too_many", n=rx.Var.create(max_photos)),
        "data_msg_too_large": t("image.too_large"), "data_msg_too_many_pixels": t("image.too_many_pixels"),
        "data_msg_wait": t("photo.wait"),
        "data_msg_wait_failed": t("photo.wait_failed"),
    }


def photo_field(field_id: str, purpose: str, *, max_photos=5, multiple: bool = True, form_field: bool = False,
                sink=None, label_key: str = "photo.add", hint_key: str = "photo.hint",
                block=None) -> rx.Component:
    """`field_id` names the box (`<field_id>-picker`); `block`, when a non-empty text var, is shown instead of
    opening the picker (something must be chosen first)."""
    extra: list[rx.Component] = []
    if form_field:
        extra.append(rx.el.input(type="hidden", name="photos", default_value="", data_photo_tokens="1"))
    if sink is not None:
        extra.append(rx.el.input(type="text", hidden=True, tab_index=-1, aria_hidden="true", class_name="photo-sink",
                                 on_change=sink))
    return rx.el.div(
        rx.el.input(type="file", accept="image/*", multiple=multiple, tab_index=-1, aria_hidden="true",
                    class_name="photo-input"),
        rx.el.button(rx.icon("camera", size=20), t(label_key), type="button", class_name="photo-add",
                     min_height=TAP),
        rx.el.p(t(hint_key), class_name="photo-hint"),
        rx.el.p(class_name="photo-error", role="alert", hidden=True),
        rx.el.ul(class_name="photo-list", aria_label=t("photo.region")),
        *extra,
        id=f"{field_id}-picker", class_name="photo-field photo-picker", data_photo_field="1", data_purpose=purpose,
        data_url=routes.photos_upload(purpose), data_max=max_photos, data_block=block if block is not None else "",
        **_messages(max_photos),
    )


def photo_wait_note() -> rx.Component:
    """Why the send button below is disabled (filled by photos.js; empty and hidden otherwise)."""
    return rx.el.p(class_name="photo-wait", role="status", hidden=True, data_photo_wait="1")


def tokens_from_form(value: object, purpose: str, key: str, limit: int) -> list[StoredImage] | None:
    """The photos a form sent (`photos` field), in order, without repeats; None when one of them is not a token this
    server signed for `purpose` or there are more than `limit` (the page never sends such a form)."""
    if not isinstance(value, str) or not value.strip():
        return []
    parts = [p for p in value.split(",") if p.strip()]
    if len(parts) > limit:
        return None
    out: list[StoredImage] = []
    for part in parts:
        stored = read_photo_token(part, purpose, key)
        if stored is None:
            return None
        if stored not in out:
            out.append(stored)
    return out


def token_from_sink(value: object, purpose: str, key: str) -> StoredImage | None:
    """A token handed over by photos.js (`<token>#<n>`: the counter makes every hand-over a change)."""
    if not isinstance(value, str):
        return None
    return read_photo_token(value.split("#", 1)[0][:200], purpose, key)
