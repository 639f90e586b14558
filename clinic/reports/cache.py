"""Static handout PDFs, rendered once per content and branding and then served from files.

A file's name carries everything that changes its bytes: the handout's version, the
practice's branding version, the page size and a fingerprint of the PDF templates, print
stylesheet and fonts (so a deploy that changes the layout does not serve old PDFs).
Personalised PDFs ("Prepared for ...") are never cached.
"""

import hashlib
import os
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app

from clinic.library.content import SLUG, Handout
from clinic.reports import handouts as handout_pdfs
from clinic.reports.render import PAGE_SIZES


def cached_handout_pdf(handout: Handout, practice: Mapping[str, Any]) -> bytes:
    """The non-personalised PDF of one handout, from the cache or rendered and stored."""
    folder = cache_dir() / "handouts" / safe_slug(handout.slug)
    path = folder / cache_file_name(handout, practice)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = handout_pdfs.handout_pdf([handout], practice)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(path, pdf)
    for old in folder.glob("*.pdf"):
        if old != path:
            old.unlink(missing_ok=True)
    return pdf


def cache_dir() -> Path:
    configured = current_app.config.get("PDF_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "pdf-cache"


def cache_file_name(handout: Handout, practice: Mapping[str, Any]) -> str:
    page_size = practice.get("page_size")
    if page_size not in PAGE_SIZES:
        page_size = "A4"
    branding = int(practice.get("branding_version") or 0)
    return f"v{int(handout.version)}-b{branding}-{page_size}-{layout_fingerprint()}.pdf"


def safe_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise ValueError("a handout slug must be lowercase letters, digits and hyphens")
    return slug


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never half of it."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def layout_fingerprint() -> str:
    app = current_app
    return _fingerprint(Path(app.root_path, app.template_folder, "pdf"), Path(app.static_folder))


@cache
def _fingerprint(templates: Path, static: Path) -> str:
    digest = hashlib.sha256()
    files = [*templates.glob("*.html"), *(static / "pdf").glob("*"), *(static / "fonts").glob("*")]
    for file in sorted(files):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
