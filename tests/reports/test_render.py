import logging
import re
from pathlib import Path

import pytest

from clinic.accounts.models import PracticeSettings
from clinic.extensions import db
from clinic.reports.render import (
    STATIC_ORIGIN,
    RefusedResource,
    StaticOnlyFetcher,
    current_practice,
    practice_context,
    practice_css,
    render_pdf,
)
from tests.reports.conftest import page_texts, read_pdf, tiny_png


@pytest.fixture
def fetcher(app):
    return StaticOnlyFetcher(Path(app.static_folder), "test:fetcher")


def fonts_used(pdf: bytes) -> set[str]:
    names = set()
    for page in read_pdf(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_render_pdf_renders_a_template_from_plain_values(app, practice):
    pdf = render_pdf("pdf/base.html", {"title": "Plain values"}, practice=practice)
    text = page_texts(pdf)[0]
    assert "Plain values Page 1 of 1" in text
    assert practice["name"] in text


def test_render_pdf_refuses_orm_objects_in_the_context(app, practice):
    row = PracticeSettings(name="Row")
    with pytest.raises(TypeError, match="plain values only"):
        render_pdf("pdf/base.html", {"title": "x", "rows": [row]}, practice=practice)
    with pytest.raises(TypeError, match="plain values only"):
        render_pdf("pdf/base.html", {"title": "x"}, practice={"settings": row})


def test_render_pdf_takes_the_practice_apart_from_the_context(app, practice):
    with pytest.raises(ValueError):
        render_pdf("pdf/base.html", {"title": "x", "practice": practice}, practice=practice)


def test_bundled_font_is_used_for_latin_and_latin_extended_text(app, practice):
    template = app.jinja_env.from_string("<p>Zoë and Łukasz, <b>bold</b> <i>italic</i></p>")
    used = fonts_used(render_pdf(template, {}, practice=practice))
    assert {"Clinic-Sans", "Clinic-Sans-Ext", "Clinic-Sans-Bold", "Clinic-Sans-Italic"} <= used


def test_headings_use_the_practice_accent_colour(app, practice):
    practice["accent_color"] = "#ff0000"
    template = app.jinja_env.from_string("<h2>Accent</h2>")
    pdf = render_pdf(template, {}, practice=practice)
    content = read_pdf(pdf).pages[0].get_contents().get_data()
    assert re.search(rb"\b1 0 0 rg", content)


def test_fetcher_serves_static_fonts_and_css(fetcher):
    response = fetcher.fetch(STATIC_ORIGIN + "pdf/print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    font = fetcher.fetch(STATIC_ORIGIN + "fonts/source-sans-3-latin-400-normal.woff")
    assert font.read().startswith(b"wOFF")


def test_fetcher_serves_data_images(fetcher):
    import base64

    url = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert fetcher.fetch(url).read() == tiny_png()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/x",
        "https://example.org/x.css",
        "http://static.clinic.invalid/pdf/print.css",
        "https://static.clinic.invalid.example.org/pdf/print.css",
        "https://user@static.clinic.invalid/pdf/print.css",
        "ftp://static.clinic.invalid/pdf/print.css",
        "gopher://127.0.0.1/x",
        "javascript:alert(1)",
        STATIC_ORIGIN + "../../clinic/__init__.py",
        STATIC_ORIGIN + "%2e%2e/%2e%2e/clinic/__init__.py",
        STATIC_ORIGIN + "fonts/..%2f..%2f..%2f..%2f..%2f..%2fetc/passwd",
        STATIC_ORIGIN + "fonts/OFL.txt",
        STATIC_ORIGIN + "fonts/missing.woff",
        STATIC_ORIGIN + "pdf/.hidden.css",
        "data:text/plain,hello",
        "data:text/css,body{}",
        "data:image/png;base64",
        "data:image/png;base64,%%%",
    ],
)
def test_fetcher_refuses_anything_else(fetcher, url, caplog):
    with pytest.raises(RefusedResource):
        fetcher.fetch(url)
    assert len(fetcher.refusals) == 1
    (record,) = [r for r in caplog.records if r.name == "clinic.reports.render"]
    assert record.getMessage().startswith("PDF resource refused: document=test:fetcher scheme=")


def test_weasyprint_log_lines_keep_no_values(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("weasyprint").error("Failed to load image at %r: %s", "file:///x", "words")
    assert caplog.records[-1].getMessage() == (
        "WeasyPrint: Failed to load image at %r: %s (details withheld)"
    )


def test_practice_context_without_settings_is_the_defaults():
    assert practice_context(None) == {
        "name": "Our practice",
        "address": "",
        "address_line": "",
        "phone": "",
        "accent_color": "#2f6f73",
        "page_size": "A4",
        "logo_data_uri": None,
        "branding_version": 1,
    }


def test_practice_context_turns_a_settings_row_into_plain_values():
    settings = PracticeSettings(
        name=" Harbour Practice ",
        address="12 Harbour Street\r\nLeith\n",
        phone="0131 555 0100",
        accent_color="#AA3366",
        page_size="Letter",
        logo=tiny_png(),
        logo_mime="image/png",
        branding_version=7,
    )
    values = practice_context(settings)
    assert values["name"] == "Harbour Practice"
    assert values["address_line"] == "12 Harbour Street, Leith"
    assert values["accent_color"] == "#AA3366"
    assert values["page_size"] == "Letter"
    assert values["branding_version"] == 7
    assert values["logo_data_uri"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_practice_context_falls_back_on_values_it_cannot_print():
    settings = PracticeSettings(
        accent_color="red; } body { display: none",
        page_size="A3",
        logo=b"<svg/>",
        logo_mime="image/svg+xml",
    )
    values = practice_context(settings)
    assert values["accent_color"] == "#2f6f73"
    assert values["page_size"] == "A4"
    assert values["logo_data_uri"] is None


def test_practice_css_checks_values_again():
    css = practice_css({"accent_color": "#000; } * { color: red", "page_size": "Tabloid"})
    assert css == "@page { size: A4; }\n:root { --accent: #2f6f73; }\n"
    assert "size: letter" in practice_css({"page_size": "Letter", "accent_color": "#123"})


def test_current_practice_reads_the_stored_settings(app):
    assert current_practice()["name"] == "Our practice"
    db.session.add(PracticeSettings(id=1, name="Stored Practice", branding_version=4))
    db.session.flush()
    values = current_practice()
    assert (values["name"], values["branding_version"]) == ("Stored Practice", 4)
