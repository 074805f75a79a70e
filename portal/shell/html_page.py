"""Server-rendered pages for residents on weak signals: one HTML document, inline CSS, no fonts, no framework.

Used by the pages that must work on a 3G phone and with JavaScript off (the rating page, `/r/<window code>`).
Language and large text come from the same cookies as the Reflex pages (`sd_lang`, `sd_large`), and the toggles
are plain links to `/prefs`, which sets the cookie and comes back. The only script is `ONCE_SCRIPT` (a submit
button that cannot be tapped twice); the Content-Security-Policy allows nothing else.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from html import escape
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from portal.i18n import text
from portal.kernel import routes
from portal.kernel.settings import get_settings

ONE_YEAR = 365 * 24 * 3600
LANG_COOKIE, LARGE_COOKIE = "sd_lang", "sd_large"

# Colours: white on #b71c1c is 6.6:1, #55554f on #f6f6f4 is 7:1, link blue #0b57d0 on white 6.3:1 (WCAG AA).
CSS = """*{box-sizing:border-box}html{font-size:16px;-webkit-text-size-adjust:100%}html.lg{font-size:22px}
body{margin:0;font:1rem/1.6 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
color:#1a1a1a;background:#f6f6f4}a{color:#0b57d0}:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
header{background:#b71c1c;color:#fff;padding:0 1rem;display:flex;justify-content:space-between;align-items:center;
flex-wrap:wrap}header a{color:#fff;display:inline-flex;align-items:center;min-height:44px;padding:0 .4rem}
.brand{font-weight:700;text-decoration:none;padding-left:0}main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.3;margin:.25rem 0 .75rem}.card{background:#fff;border:1px solid #d6d6d0;
border-radius:12px;padding:.75rem 1rem;margin:0 0 1rem}.card p{margin:.25rem 0}.code{font-family:ui-monospace,
monospace;letter-spacing:.06em;white-space:nowrap}fieldset{border:0;margin:0 0 1rem;padding:0;min-width:0}
legend{font-weight:700;font-size:1.125rem;margin-bottom:.5rem;padding:0}.lv{display:flex;align-items:center;
gap:.75rem;min-height:52px;padding:.4rem 1rem;border:2px solid #8a8a85;border-radius:10px;background:#fff;
margin-bottom:.5rem;font-size:1.125rem;font-weight:700;position:relative}.lv input,.chip input{position:absolute;
inset:0;width:100%;height:100%;margin:0;opacity:0}.dot{width:1.25em;height:1.25em;border:2px solid #55554f;
border-radius:50%;flex:none;background:#fff}.lv input:checked+.dot{border:.4em solid #b71c1c}
.chip input:checked+span:before{content:"✓ ";color:#b71c1c}.lv:has(input:focus-visible),
.chip:has(input:focus-visible){outline:3px solid #0b57d0;outline-offset:2px}.lv:has(input:checked),
.chip:has(input:checked){border-color:#b71c1c;background:#fdecea}.lt{display:flex;flex-wrap:wrap;column-gap:.75rem}.stars{color:#7a4f00;min-width:5.2em;
letter-spacing:-.05em}.chips{display:flex;flex-wrap:wrap;
gap:.5rem}.chip{display:inline-flex;align-items:center;min-height:46px;padding:.2rem .8rem;
border:1px solid #8a8a85;border-radius:999px;background:#fff;position:relative}.tg{margin-top:.75rem}
form:has([name=level][value="4"]:checked) .bad,form:has([name=level][value="5"]:checked) .bad,
form:has([name=level][value="1"]:checked) .good,form:has([name=level][value="2"]:checked) .good,
form:has([name=level][value="3"]:checked) .good{display:none}label.f{display:block;font-weight:700;
margin:1rem 0 .25rem}textarea,input.t{width:100%;font:inherit;padding:.6rem .75rem;border:1px solid #6b6b66;
border-radius:8px;background:#fff;color:#1a1a1a}.hint{color:#55554f;font-size:.875rem;margin:.25rem 0 0}
.btn{display:block;width:100%;min-height:52px;border:0;border-radius:10px;background:#b71c1c;color:#fff;font:inherit;
font-size:1.125rem;font-weight:700;margin:1rem 0 .5rem}.btn[disabled]{background:#55554f}.msg{padding:.75rem 1rem;
border-radius:8px;margin:0 0 1rem;border-left:6px solid}.err{border-color:#b71c1c;background:#fdecea;color:#6b0f0f}
.info{border-color:#1d4ed8;background:#eef3fd}.warn{border-color:#a15c00;background:#fff4df}.ok{border-color:#1b7a3a;
background:#e9f6ee}.receipt{font-size:2rem;font-weight:700;margin:.25rem 0}.links a{display:flex;align-items:center;
min-height:44px}.inline{display:flex;gap:.5rem}.inline input{flex:1}.inline .btn{width:auto;margin:0;padding:0 1rem;
min-height:44px}footer{color:#55554f;font-size:.875rem;text-align:center;padding:1rem}
footer a{display:inline-flex;align-items:center;min-height:44px;color:#0d47a1;text-decoration:underline}""".replace("\n", "")

# Tapping submit twice on a slow network must not send two forms: the button turns into "submitting…" (a reload
# or going back brings it back).
ONCE_SCRIPT = ("for(const f of document.querySelectorAll('form[data-once]'))f.addEventListener('submit',()=>{"
               "const b=f.querySelector('.btn');setTimeout(()=>{b.disabled=true;b.textContent=b.dataset.busy},0)});"
               "addEventListener('pageshow',e=>{if(e.persisted)location.reload()})")
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(ONCE_SCRIPT.encode()).digest()).decode()
SECURITY_HEADERS = {
    "Content-Security-Policy": (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    # Receipt codes travel in the thank-you page's address: never to another site. (Not "no-referrer": a POST
    # from such a page carries `Origin: null`, which the rating form refuses.)
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class Prefs:
    """The visitor's language and text size, from the shared cookies."""

    def __init__(self, request: Request) -> None:
        self.lang = "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"
        self.large = request.cookies.get(LARGE_COOKIE) == "1"
        self.path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        self.gzip = "gzip" in request.headers.get("accept-encoding", "")

    def t(self, key: str, **params: object) -> str:
        return escape(text(key, self.lang, **params))


def document(prefs: Prefs, title: str, body: str) -> str:
    """A whole page: `title` and `body` are already escaped HTML."""
    t = prefs.t
    other = "zh" if prefs.lang == "en" else "en"
    lang_link = _prefs_link(prefs.path, lang=other)
    large_link = _prefs_link(prefs.path, large="0" if prefs.large else "1")
    return (
        f'<!doctype html><html lang="{"en" if prefs.lang == "en" else "zh-CN"}"{" class=lg" if prefs.large else ""}>'
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="theme-color" content="#b71c1c"><link rel="icon" href="data:,"><title>{title} · {t("app.name")}'
        f'</title><style>{CSS}</style></head><body><header><a class="brand" href="{routes.HOME}">{t("app.name")}</a>'
        f'<nav aria-label="{t("app.lang_toggle_label")}"><a href="{lang_link}" lang="{other}" id="toggle-lang">'
        f'{t("app.lang_toggle")}</a><a href="{large_link}" id="toggle-large-text" aria-pressed="'
        f'{"true" if prefs.large else "false"}">{t("app.large_text_off" if prefs.large else "app.large_text_on")}</a>'
        f'</nav></header><main>{body}</main><footer>{t("app.footer")}<br>{t("app.hotline")}{_complaint(t)}</footer>'
        f"<script>{ONCE_SCRIPT}</script></body></html>"
    )


def _complaint(t) -> str:
    settings = get_settings()
    return (f'<br><a href="{escape(settings.complaint_tel)}" id="footer-complaint-line">{t("app.complaint_line")} '
            f'{escape(settings.complaint_line)}</a>') if settings.complaint_tel else ""


def page(prefs: Prefs, title: str, body: str, status: int = 200) -> HTMLResponse:
    """The page, gzipped when the browser takes it (8 KB → 3 KB: a quarter second less on 3G)."""
    html = document(prefs, title, body).encode()
    headers = {**SECURITY_HEADERS, "Vary": "Accept-Encoding, Cookie"}
    if prefs.gzip:
        html = gzip.compress(html, 6)
        headers["Content-Encoding"] = "gzip"
    return HTMLResponse(html, status_code=status, headers=headers)


def _prefs_link(back: str, **values: str) -> str:
    return escape(f"{routes.PREFS}?{urlencode({**values, 'next': back})}")


def safe_next(value: str | None) -> str:
    """Only a path on this site: never `//other.site` or `https://…` (an open redirect)."""
    value = value or routes.HOME
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return routes.HOME
    return quote(value, safe="/?&=%-._~:+,@!$'()*;")


def set_prefs(request: Request) -> Response:
    """GET /prefs?lang=en|zh&large=0|1&next=/path: set the cookie(s) the Reflex pages read too, and go back.

    Readable by scripts on purpose: the Reflex pages switch language without a round trip by reading them."""
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    secure = get_settings().cookie_secure
    lang, large = request.query_params.get("lang"), request.query_params.get("large")
    if lang in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="lax", secure=secure, path="/")
    if large in ("0", "1"):
        response.set_cookie(LARGE_COOKIE, large, max_age=ONE_YEAR, samesite="lax", secure=secure, path="/")
    return response
