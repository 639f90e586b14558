"""Whatever a document contains, the PDF gets nothing from the file system or the network.

These render raw HTML straight through the render function, not through Markdown, so the
fetcher itself is what is tested."""

import logging
import socket
from pathlib import Path

import pytest
from pypdf.generic import IndirectObject

from clinic.library.content import Handout, render_markdown
from clinic.reports.handouts import handout_pdf
from clinic.reports.render import PdfTooLarge, render_pdf
from tests.reports.conftest import flat, page_texts, read_pdf, tiny_png

PASSWD_MARK = "root:x:0:0"


def svg_with_links(local: str) -> str:
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"
        " width='10' height='10'>"
        "<image xlink:href='file:///etc/passwd' width='10' height='10'/>"
        f"<image href='{local}/svg' width='10' height='10'/></svg>"
    )


def hostile_page(port: int, secret: str, leaks: Path) -> str:
    """``leaks`` holds leak.css (which would print LEAKED-CSS) and leak.png: were anything
    outside the static files fetched, they would show in the PDF."""
    local = f"http://127.0.0.1:{port}"
    up = "%2e%2e/" * 12
    return f"""<!doctype html>
<html><head>
<title>Hostile</title>
<link rel="attachment" href="file:///etc/passwd" title="{secret}">
<link rel="attachment" href="pdf/print.css">
<link rel="stylesheet" href="{local}/linked.css?{secret}">
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="stylesheet" href="file://{leaks}/leak.css">
<link rel="stylesheet" href="fonts/{up}{str(leaks).lstrip("/")}/leak.css">
<style>
@import url({local}/imported.css);
@import url("file:///etc/passwd");
@import url("file://{leaks}/leak.css?import");
@font-face {{ font-family: Stolen; src: url({local}/font.woff), local("DejaVu Sans"); }}
body {{ background: url({local}/y?{secret}); }}
h2 {{ background-image: url(file:///etc/hostname); }}
</style>
</head><body>
<h1>Hostile document</h1>
<p>Visible paragraph.</p>
<img src="file:///etc/passwd">
<img src="file://{leaks}/leak.png">
<img src="{up}{str(leaks).lstrip("/")}/leak.png?traversal">
<img src="{local}/x?{secret}">
<img src="../../../../../etc/passwd">
<img src="/static/../../../../etc/passwd">
<img src="fonts/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd">
<img src="https://static.clinic.invalid/..%2f..%2f..%2f..%2fetc/passwd">
<img src="ftp://127.0.0.1:{port}/z">
<img src="data:image/svg+xml;utf8,{svg_with_links(local)}">
<a rel="attachment" href="file:///etc/hostname">attached hostname</a>
<a rel="attachment" href="data:text/plain;base64,c2VjcmV0">attached data</a>
<a rel="attachment" href="fonts/OFL.txt">attached static</a>
<a href="javascript:alert(1)">script link</a>
<a href="file:///etc/passwd">file link</a>
<script>document.write("SCRIPT-RAN")</script>
<iframe src="file:///etc/passwd"></iframe>
<iframe src="{local}/frame"></iframe>
<object data="file:///etc/passwd"></object>
<object data="{local}/object"></object>
<embed src="file:///etc/passwd">
<embed src="{local}/embed">
<h2>Section</h2>
</body></html>"""


@pytest.fixture
def hostile_pdf(app, practice, listener, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    (tmp_path / "leak.css").write_text('body::after { content: "LEAKED-CSS"; }')
    (tmp_path / "leak.png").write_bytes(tiny_png())
    page = hostile_page(listener.port, "SECRETWORD", tmp_path)
    template = app.jinja_env.from_string(page)
    pdf = render_pdf(template, {}, practice=practice, ref="test:hostile")
    return pdf


def embedded_files(reader) -> list:
    names = reader.trailer["/Root"].get("/Names")
    if isinstance(names, IndirectObject):
        names = names.get_object()
    return list(names.get("/EmbeddedFiles", [])) if names else []


def annotations(reader) -> list[dict]:
    found = []
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            found.append(annotation.get_object())
    return found


def test_hostile_page_still_renders_its_text(hostile_pdf):
    text = " ".join(page_texts(hostile_pdf))
    assert "Hostile document" in text and "Visible paragraph." in text


def test_nothing_from_the_file_system_reaches_the_pdf(hostile_pdf):
    text = " ".join(page_texts(hostile_pdf))
    assert "LEAKED-CSS" not in text
    assert all(len(page.images) == 0 for page in read_pdf(hostile_pdf).pages)
    assert PASSWD_MARK not in text
    assert PASSWD_MARK.encode() not in hostile_pdf


def test_no_file_is_embedded(hostile_pdf):
    reader = read_pdf(hostile_pdf)
    assert reader.attachments == {}
    assert embedded_files(reader) == []
    assert all(a.get("/Subtype") != "/FileAttachment" for a in annotations(reader))
    assert b"/EmbeddedFile" not in hostile_pdf


def test_no_request_reaches_a_local_server(hostile_pdf, listener):
    assert listener.connections() == 0


def test_the_listener_would_have_seen_a_request(listener):
    # Proves the previous test can fail: one real connection is counted.
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    assert listener.connections() == 1


def test_scripts_do_not_run_and_unsafe_links_are_dropped(hostile_pdf):
    text = " ".join(page_texts(hostile_pdf))
    assert "SCRIPT-RAN" not in text
    targets = [
        str(a["/A"].get_object().get("/URI", ""))
        for a in annotations(read_pdf(hostile_pdf))
        if "/A" in a
    ]
    assert not [t for t in targets if not t.startswith(("http:", "https:", "mailto:"))]
    assert b"/JavaScript" not in hostile_pdf and b"/Launch" not in hostile_pdf


def test_refusals_are_logged_with_scheme_and_id_only(hostile_pdf, caplog):
    records = caplog.get_records("setup")  # the fixture rendered the page
    refusals = [r for r in records if r.getMessage().startswith("PDF resource refused")]
    messages = {r.getMessage() for r in refusals}
    assert any("document=test:hostile scheme=file" in m for m in messages)
    assert any("document=test:hostile scheme=http " in m for m in messages)
    assert any("scheme=https reason=path outside static files" in m for m in messages)
    assert any("scheme=ftp" in m for m in messages)
    assert all(r.levelno == logging.WARNING for r in refusals)
    # No URL, path or word of the document in any log line, WeasyPrint's included.
    assert any(r.name == "weasyprint" for r in records)
    for record in records:
        message = record.getMessage()
        for leaked in ("SECRETWORD", "127.0.0.1", "/etc/", "passwd", "Hostile document"):
            assert leaked not in message, (record.name, message)


def test_a_table_of_5000_rows_is_refused_before_rendering(app, practice, monkeypatch):
    def no_rendering(*args, **kwargs):
        raise AssertionError("WeasyPrint was called")

    monkeypatch.setattr("clinic.reports.render.HTML", no_rendering)
    rows = "\n".join(f"| {n} | row {n} |" for n in range(5000))
    body = "| Number | Words |\n|---|---|\n" + rows
    handout = Handout(
        slug="huge",
        title="Huge",
        summary="A very long table.",
        layer="foundations",
        tags=("test",),
        reading_minutes=1,
        version=1,
        further_reading=("None.",),
        body=body,
        html=render_markdown(body),
        text=body,
    )
    with pytest.raises(PdfTooLarge) as raised:
        handout_pdf([handout], practice)
    assert str(raised.value).startswith("This document is too large to print")


def test_a_huge_page_is_refused_before_rendering(app, practice, monkeypatch):
    monkeypatch.setattr("clinic.reports.render.HTML", None)
    words = "<p>" + "words " * 100_000 + "</p>"
    template = app.jinja_env.from_string("{{ words|safe }}")
    with pytest.raises(PdfTooLarge):
        render_pdf(template, {"words": words}, practice=practice)


def test_the_logo_data_uri_does_not_count_towards_the_size_limit(app, practice):
    practice["logo_data_uri"] = "data:image/png;base64," + "A" * 600_000
    pdf = render_pdf("pdf/base.html", {"title": "Logo only"}, practice=practice)
    assert flat("Logo only") in page_texts(pdf)[0]
