"""The one render function every PDF goes through: Jinja template -> HTML -> WeasyPrint -> bytes.

Rules it keeps, whatever a handout, a note or an answer contains:

- Templates get plain values (dicts, lists, strings, numbers, dates), never ORM objects.
- WeasyPrint fetches nothing from the file system or the network. Its URL fetcher serves the
  app's own static files (fonts, CSS) under a made-up origin and ``data:`` images (the practice
  logo); everything else is refused without being tried, and logged with the document's id and
  the URL's scheme only.
- Nothing is embedded in the PDF: ``<link rel=attachment>`` and ``<a rel=attachment>`` are
  dropped, as are links to anything but http(s) and mailto.
- Documents too large to lay out in reasonable time are refused before rendering, with a
  sentence for the person who asked (``PdfTooLarge``).
"""

import base64
import logging
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from flask import current_app
from jinja2 import Template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from clinic.accounts.services import PRACTICE_DEFAULTS

log = logging.getLogger(__name__)

# A made-up origin the fetcher recognises: ``.invalid`` never resolves (RFC 6761), and
# the fetcher maps it to the static folder without any network.
STATIC_HOST = "static.clinic.invalid"
STATIC_ORIGIN = f"https://{STATIC_HOST}/"
PRINT_CSS = Path("pdf") / "print.css"

MAX_HTML_BYTES = 400_000
MAX_TABLE_ROWS = 1_500
# Images arrive inline as data: URIs (the logo may be 1 MB); they cost little layout time,
# so they are left out of MAX_HTML_BYTES but bounded here.
MAX_HTML_BYTES_WITH_IMAGES = 8_000_000
TOO_LARGE_MESSAGE = (
    "This document is too large to print as a PDF. "
    "Please shorten it or split it into smaller parts and try again."
)

STATIC_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
DATA_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}
LINK_SCHEMES = {"http", "https", "mailto"}

PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
LOGO_TYPES = {"image/png", "image/jpeg"}

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9.+-]*):")
_DATA_URI = re.compile(r"data:[^,\"'\s<>()]*,[^\"'\s<>()]*", re.IGNORECASE)
_TABLE_ROW = re.compile(r"<tr[\s>/]", re.IGNORECASE)
_REF = re.compile(r"[^A-Za-z0-9_.:/-]")


class PdfTooLarge(Exception):
    """The document would take too long to lay out; the message is for the person."""

    def __init__(self, message: str = TOO_LARGE_MESSAGE):
        super().__init__(message)


class RefusedResource(ValueError):
    """Raised inside WeasyPrint, which catches it and leaves the resource out."""


def render_pdf(
    template: str | Template,
    context: Mapping[str, Any],
    *,
    practice: Mapping[str, Any],
    ref: str | None = None,
    pdf_forms: bool = False,
) -> bytes:
    """Render ``template`` (a name under ``templates/``, or a compiled Jinja template) to PDF.

    Call inside an app context. ``context`` and ``practice`` (see ``practice_context``)
    hold plain values only; templates see ``practice`` beside the context. ``ref`` names
    the document in logs (an id such as ``handout:slug``, never its words).
    ``pdf_forms=True`` turns the template's ``<input>``, ``<textarea>`` and ``<select>``
    elements into fillable PDF form fields (AcroForm); without it they print as boxes.
    Raises ``PdfTooLarge`` before rendering when the HTML is too big to lay out quickly.
    """
    check_plain_values(context, "context")
    check_plain_values(practice, "practice")
    if "practice" in context:
        raise ValueError("pass the practice as practice=, not in the context")
    if ref is None:
        ref = template if isinstance(template, str) else "inline-template"
    ref = _REF.sub("_", ref)[:80]
    # The app's Jinja environment (templates/), without Flask's context processors: they
    # add request-bound ORM objects (current_user, the settings row) and a database query.
    html = current_app.jinja_env.get_or_select_template(template).render(
        {**context, "practice": practice}
    )
    check_size(html)
    return _write_pdf(html, practice, ref, pdf_forms=pdf_forms)


def _write_pdf(html: str, practice: Mapping[str, Any], ref: str, pdf_forms: bool = False) -> bytes:
    static_root = Path(current_app.static_folder)
    fetcher = StaticOnlyFetcher(static_root, ref)
    font_config = FontConfiguration()
    # Stylesheets go in as strings: WeasyPrint is never handed a stylesheet URL to open.
    stylesheets = [
        CSS(
            string=(static_root / PRINT_CSS).read_text(encoding="utf-8"),
            base_url=STATIC_ORIGIN + "pdf/",
            url_fetcher=fetcher,
            font_config=font_config,
        ),
        CSS(
            string=practice_css(practice),
            base_url=STATIC_ORIGIN,
            url_fetcher=fetcher,
            font_config=font_config,
        ),
    ]
    # WeasyPrint reads pdf_forms while laying out (its form stylesheet gives inputs
    # ``appearance: auto``, which makes them AcroForm fields), so it goes to render().
    document = HTML(string=html, base_url=STATIC_ORIGIN, url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config, pdf_forms=pdf_forms
    )
    # WeasyPrint embeds files for <link rel=attachment> and <a rel=attachment>; a PDF we
    # hand out embeds nothing, even a static file or a data: URI the fetcher would serve.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if _is_safe_link(link[0], link[1])]
    return document.write_pdf()


def _is_safe_link(kind: str, target: str) -> bool:
    if kind == "internal":
        return True
    if kind != "external":
        return False
    parts = urlsplit(target)
    return parts.scheme.lower() in LINK_SCHEMES and parts.netloc != STATIC_HOST


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's URL fetcher: the app's static files and data: images, nothing else.

    Refusals are raised (WeasyPrint leaves the resource out and goes on) and logged with
    the document's ref, the scheme and a reason: never the URL, which may carry text.
    """

    def __init__(self, static_root: Path, ref: str):
        # The parent's urllib machinery is never used; should anything reach it, no
        # protocol is allowed and redirects are off, so it refuses too.
        super().__init__(
            timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False
        )
        self.static_root = Path(static_root).resolve()
        self.ref = ref
        self.refusals: list[tuple[str, str]] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url_scheme(url)
        if scheme == "data":
            return self._data(url)
        if scheme == "https" and urlsplit(url).netloc == STATIC_HOST:
            return self._static(url)
        raise self._refuse(scheme, "not an app static file")

    def _static(self, url: str) -> URLFetcherResponse:
        relative = unquote(urlsplit(url).path).lstrip("/")
        if "\x00" in relative or "\\" in relative:
            raise self._refuse("https", "malformed static path")
        target = (self.static_root / relative).resolve()
        if not target.is_relative_to(self.static_root):
            raise self._refuse("https", "path outside static files")
        inside = target.relative_to(self.static_root).parts
        if any(part.startswith(".") for part in inside):
            raise self._refuse("https", "hidden static file")
        content_type = STATIC_TYPES.get(target.suffix.lower())
        if content_type is None:
            raise self._refuse("https", "static file type not served")
        if not target.is_file():
            raise self._refuse("https", "no such static file")
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": content_type})

    def _data(self, url: str) -> URLFetcherResponse:
        try:
            content_type, body = decode_data_uri(url)
        except ValueError:
            raise self._refuse("data", "malformed data URI") from None
        if content_type not in DATA_TYPES:
            raise self._refuse("data", "data URI type not served")
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def _refuse(self, scheme: str, reason: str) -> RefusedResource:
        self.refusals.append((scheme, reason))
        log.warning(
            "PDF resource refused: document=%s scheme=%s reason=%s", self.ref, scheme, reason
        )
        return RefusedResource(reason)


def url_scheme(url: str) -> str:
    match = _SCHEME.match(url)
    if not match:
        return "none"
    scheme = match[1].lower()
    return scheme if len(scheme) <= 20 else "other"


def decode_data_uri(url: str) -> tuple[str, bytes]:
    """``(media type, bytes)`` of a ``data:`` URI (RFC 2397); ValueError when malformed."""
    header, comma, payload = url.partition(",")
    if not comma or not header.lower().startswith("data:"):
        raise ValueError("not a data URI")
    params = [p.strip().lower() for p in header[5:].split(";")]
    content_type = params[0] or "text/plain"
    data = unquote_to_bytes(payload)
    if len(params) > 1 and params[-1] == "base64":
        data = base64.b64decode(re.sub(rb"\s+", b"", data), validate=True)
    return content_type, data


def check_size(html: str) -> None:
    """Refuse HTML that would take too long to lay out (``PdfTooLarge``)."""
    config = current_app.config
    max_bytes = config.get("PDF_MAX_HTML_BYTES", MAX_HTML_BYTES)
    max_rows = config.get("PDF_MAX_TABLE_ROWS", MAX_TABLE_ROWS)
    if len(html) > MAX_HTML_BYTES_WITH_IMAGES:
        raise PdfTooLarge()
    if len(_DATA_URI.sub("data:", html).encode("utf-8")) > max_bytes:
        raise PdfTooLarge()
    if len(_TABLE_ROW.findall(html)) > max_rows:
        raise PdfTooLarge()


_PLAIN = (str, int, float, Decimal, date, type(None))  # bool is an int; datetime a date


def check_plain_values(value: Any, where: str = "context", depth: int = 0) -> None:
    """Raise TypeError unless ``value`` is made of plain values only (no ORM objects)."""
    if isinstance(value, _PLAIN):
        return
    if depth > 12:
        raise TypeError(f"PDF {where} is nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"PDF {where} has a key that is not a string")
            check_plain_values(item, f"{where}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_plain_values(item, f"{where}[{index}]", depth + 1)
        return
    raise TypeError(f"PDF templates get plain values only: {where} is a {type(value).__name__}")


def practice_context(settings=None) -> dict[str, Any]:
    """The practice's branding as plain values for PDF templates.

    ``settings`` is a ``PracticeSettings`` row, or None for the defaults. Values are
    checked here, so a bad colour or page size prints with the default instead.
    """

    def value(field: str):
        found = getattr(settings, field, None) if settings is not None else None
        return PRACTICE_DEFAULTS[field] if found is None else found

    name = str(value("name")).strip() or PRACTICE_DEFAULTS["name"]
    address = str(value("address"))
    accent = str(value("accent_color")).strip()
    page_size = value("page_size")
    logo = getattr(settings, "logo", None) if settings is not None else None
    logo_mime = getattr(settings, "logo_mime", None) if settings is not None else None
    return {
        "name": name,
        "address": address,
        "address_line": ", ".join(line.strip() for line in address.splitlines() if line.strip()),
        "phone": str(value("phone")).strip(),
        "accent_color": accent if HEX_COLOR.match(accent) else PRACTICE_DEFAULTS["accent_color"],
        "page_size": page_size if page_size in PAGE_SIZES else PRACTICE_DEFAULTS["page_size"],
        "logo_data_uri": logo_data_uri(logo, logo_mime),
        "branding_version": int(value("branding_version")),
    }


def current_practice() -> dict[str, Any]:
    """The stored practice branding (or the defaults) as plain values."""
    from clinic.accounts.services import read_practice_settings

    return practice_context(read_practice_settings())


def logo_data_uri(data: bytes | None, mime: str | None) -> str | None:
    if not data or mime not in LOGO_TYPES:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def practice_css(practice: Mapping[str, Any]) -> str:
    """Page size and accent colour; values are re-checked, as they end up in CSS."""
    size = PAGE_SIZES.get(practice.get("page_size"), "A4")
    accent = str(practice.get("accent_color", ""))
    if not HEX_COLOR.match(accent):
        accent = PRACTICE_DEFAULTS["accent_color"]
    return f"@page {{ size: {size}; }}\n:root {{ --accent: {accent}; }}\n"


class _RedactWeasyPrint(logging.Filter):
    """WeasyPrint logs the URLs and CSS it could not use, which may carry a client's words;
    keep its message templates and drop the values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = f"WeasyPrint: {record.msg} (details withheld)"
            record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


for _name in ("weasyprint", "weasyprint.progress"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _RedactWeasyPrint) for f in _logger.filters):
        _logger.addFilter(_RedactWeasyPrint())
