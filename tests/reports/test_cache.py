import dataclasses
from pathlib import Path

import pytest

from clinic.reports import cache as pdf_cache
from clinic.reports import handouts as handout_pdfs
from clinic.reports.cache import cache_dir, cached_handout_pdf, write_atomically
from tests.reports.conftest import page_texts


@pytest.fixture
def renders(monkeypatch):
    """Counts the handout renders that reach WeasyPrint through the cache."""
    calls = []
    real = handout_pdfs.handout_pdf

    def counting(handouts, practice, *args, **kwargs):
        calls.append((handouts[0].slug, handouts[0].version, practice["branding_version"]))
        return real(handouts, practice, *args, **kwargs)

    monkeypatch.setattr(handout_pdfs, "handout_pdf", counting)
    return calls


@pytest.fixture
def handout(library):
    return library.get("four-horsemen-and-antidotes")


def cached_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_second_request_is_served_from_the_cache(app, pdf_cache_dir, handout, practice, renders):
    first = cached_handout_pdf(handout, practice)
    second = cached_handout_pdf(handout, practice)
    assert second == first
    assert len(renders) == 1
    assert handout.title in " ".join(page_texts(first))
    (stored,) = cached_files(pdf_cache_dir)
    assert stored.read_bytes() == first


def test_a_branding_change_renders_anew(app, pdf_cache_dir, handout, practice, renders):
    cached_handout_pdf(handout, practice)
    rebranded = {**practice, "name": "Renamed Practice", "branding_version": 2}
    pdf = cached_handout_pdf(handout, rebranded)
    assert len(renders) == 2
    assert "Renamed Practice" in page_texts(pdf)[0]
    cached_handout_pdf(handout, rebranded)
    assert len(renders) == 2
    # The old branding's file is gone: one file per handout.
    assert len(cached_files(pdf_cache_dir)) == 1


def test_a_new_handout_version_renders_anew(app, pdf_cache_dir, handout, practice, renders):
    cached_handout_pdf(handout, practice)
    cached_handout_pdf(dataclasses.replace(handout, version=handout.version + 1), practice)
    assert [version for _, version, _ in renders] == [handout.version, handout.version + 1]


def test_a_page_size_change_renders_anew(app, pdf_cache_dir, handout, practice, renders):
    cached_handout_pdf(handout, practice)
    cached_handout_pdf(handout, {**practice, "page_size": "Letter"})
    assert len(renders) == 2


def test_each_handout_has_its_own_file(app, pdf_cache_dir, library, practice, renders):
    first, second = library.ordered()[:2]
    cached_handout_pdf(first, practice)
    cached_handout_pdf(second, practice)
    cached_handout_pdf(first, practice)
    assert [slug for slug, _, _ in renders] == [first.slug, second.slug]


def test_a_failed_render_leaves_nothing_behind(app, pdf_cache_dir, handout, practice, monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(handout_pdfs, "handout_pdf", failing)
    with pytest.raises(RuntimeError):
        cached_handout_pdf(handout, practice)
    assert cached_files(pdf_cache_dir) == []


def test_write_atomically_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "file.pdf"
    write_atomically(target, b"%PDF-whole")
    assert [p.name for p in tmp_path.iterdir()] == ["file.pdf"]

    def broken_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(pdf_cache.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomically(target, b"%PDF-new")
    assert [p.name for p in tmp_path.iterdir()] == ["file.pdf"]
    assert target.read_bytes() == b"%PDF-whole"


def test_cache_lives_in_the_instance_folder_unless_configured(app, tmp_path):
    app.config.pop("PDF_CACHE_DIR", None)
    assert cache_dir() == Path(app.instance_path) / "pdf-cache"
    app.config["PDF_CACHE_DIR"] = str(tmp_path)
    assert cache_dir() == tmp_path


def test_a_slug_that_is_not_a_slug_is_refused(app, pdf_cache_dir, handout, practice):
    with pytest.raises(ValueError):
        cached_handout_pdf(dataclasses.replace(handout, slug="../../escape"), practice)
