"""Fixtures for PDF tests: the real handout library, a practice, PDFs read back, and what
the PDF fetcher was asked for (URLs it saw, connections a local listener got)."""

import io
import re
import socket
import struct
import unicodedata
import zlib

import pytest
from pypdf import PdfReader

from clinic import PROJECT_ROOT
from clinic.library.content import load_library
from clinic.reports.render import StaticOnlyFetcher, practice_context

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


class Listener:
    """A real listening socket on 127.0.0.1. A connection attempt completes in the kernel's
    backlog whether or not anything accepts it, so a non-blocking accept afterwards counts
    every attempt, without sleeping or racing a server thread."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.socket.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.socket.close()


@pytest.fixture
def fetched(monkeypatch):
    """Every URL WeasyPrint asks the fetcher for, in order."""
    urls = []
    original = StaticOnlyFetcher.fetch

    def recording(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", recording)
    return urls
