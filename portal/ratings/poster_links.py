"""Download links for QR codes and posters (served by portal/ratings/api.py, which checks who may have them).

The pages place these; the server re-checks role and region on every download, so showing a link grants nothing.
"""

from __future__ import annotations

import reflex as rx

from portal.kernel import routes
from portal.shell.i18n import t
from portal.shell.layout import TAP


def _api_href(pattern: str, code: rx.Var | str) -> rx.Var:
    """`/api/windows/{code}/qr.png` with the code filled in from a state var (URL-encoded in the browser)."""
    before, after = pattern.split("{code}")
    code_var = rx.Var.create(code).to(str)
    # Keep the var's data (the state it reads), or the page would not subscribe to that state.
    encoded = rx.Var(f"encodeURIComponent({code_var!s})", _var_type=str,
                     _var_data=code_var._get_all_var_data()).to(str)
    return rx.Var.create(before) + encoded + after


def _download(key: str, href: rx.Var, icon: str, kind: str) -> rx.Component:
    # reload_document: a real request to the server, not client-side routing. The server answers with an attachment,
    # so the page stays; no `download` attribute, so a refusal (signed out, batch too large) shows its message
    # instead of being saved as a broken file. No id: a region page may list many windows' links.
    return rx.link(
        rx.hstack(rx.icon(icon, size=20), rx.text(t(key)), align="center", spacing="2"),
        href=href, reload_document=True, class_name=f"poster-download poster-{kind}",
        display="inline-flex", align_items="center", min_height=TAP, min_width=TAP, padding="8px 12px",
        border_radius="8px", border=f"1px solid {rx.color('gray', 6)}", underline="none", weight="medium",
    )


def poster_address(url_var: rx.Var | str, refused_var: rx.Var | bool) -> rx.Component:
    """The address the QR code encodes, shown before anyone downloads; a warning instead when the server refuses to
    draw posters for it (localhost or a private network: residents' phones could not open it)."""
    return rx.cond(
        refused_var,
        rx.callout(rx.vstack(rx.text(t("poster.local_refused"), weight="bold"),
                             rx.code(url_var, class_name="poster-url"),
                             rx.text(t("poster.local_fix"), size="2"), spacing="1", align="start"),
                   icon="triangle-alert", color_scheme="red", role="alert", width="100%", id="poster-refused"),
        rx.vstack(rx.text(t("poster.address"), size="2", color_scheme="gray"),
                  rx.code(url_var, class_name="poster-url", id="poster-url", word_break="break-all"),
                  spacing="1", align="start", width="100%"),
    )


def window_poster_links(window_code_var: rx.Var | str, url_var: rx.Var | str = "",
                        refused_var: rx.Var | bool = False) -> rx.Component:
    """The window's poster (PDF to print, PNG to share) and the bare QR code, under the heading "dash.poster",
    with the address they encode."""
    return rx.vstack(
        rx.text(t("dash.poster"), weight="bold"),
        poster_address(url_var, refused_var),
        rx.cond(~rx.Var.create(refused_var).bool(), rx.flex(
            _download("dash.poster_pdf", _api_href(routes.API_WINDOW_POSTER_PDF, window_code_var), "file-text", "pdf"),
            _download("dash.poster_png", _api_href(routes.API_WINDOW_POSTER_PNG, window_code_var), "image", "png"),
            _download("dash.qr_png", _api_href(routes.API_WINDOW_QR_PNG, window_code_var), "qr-code", "qr"),
            wrap="wrap", gap="8px",
        )),
        spacing="2", align="start", width="100%",
    )


def region_poster_link(region_code_var: rx.Var | str) -> rx.Component:
    """One PDF with the poster of every window in use under the region (the server caps its size)."""
    href = _api_href(routes.API_REGION_POSTERS_PDF, region_code_var)
    return _download("officer.poster_batch", href, "printer", "batch")
