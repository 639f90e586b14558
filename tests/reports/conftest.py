"""Fixtures for PDF tests: the real handout library, a practice, and PDFs read back."""

import io
import re
import struct
import unicodedata
import zlib

import pytest
from pypdf import PdfReader

from clinic import PROJECT_ROOT
from clinic.library.content import load_library
from clinic.reports.render import practice_context

PRACTICE_NAME = "Harbour Couples Practice"


@pytest.fixture(scope="session")
def library():
    return load_library(PROJECT_ROOT / "handouts")


@pytest.fixture
def practice():
    values = practice_context(None)
    values.update(
        name=PRACTICE_NAME, address_line="12 Harbour Street, Leith", phone="0131 555 0100"
    )
    return values


@pytest.fixture
def pdf_cache_dir(app, tmp_path):
    folder = tmp_path / "pdf-cache"
    app.config["PDF_CACHE_DIR"] = str(folder)
    return folder


def read_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in read_pdf(data).pages]


def flat(text: str) -> str:
    """Text with ligatures unfolded and every run of whitespace as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def tiny_png() -> bytes:
    """A valid 4x4 red PNG, made here so no file is needed."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = (b"\x00" + b"\xcc\x22\x22" * 4) * 4
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
