"""The handout files: valid, plain language, our own words, originators credited."""

import re

import pytest
import textstat

from clinic import PROJECT_ROOT, create_app
from clinic.library.cli import check_content
from clinic.library.content import (
    HOUSE_FLOORS,
    HOUSE_WALLS,
    ContentError,
    load_library,
    render_markdown,
)

CONTENT = PROJECT_ROOT / "handouts"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
LIBRARY = load_library(CONTENT)
HANDOUTS = LIBRARY.ordered()
IDS = [h.slug for h in HANDOUTS]

GOOD = """---
slug: {slug}
title: A title
summary: A summary.
layer: trust
tags: [trust]
reading_minutes: 2
version: 1
further_reading:
  - "Someone, *A Book* (2001)."
---

# A title

Some words.
"""


def write(tmp_path, name, text):
    folder = tmp_path / "handouts"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return tmp_path


def test_every_handout_file_is_valid():
    assert len(LIBRARY.handouts) >= 24
    assert len(list((CONTENT / "handouts").glob("*.md"))) == len(LIBRARY.handouts)


def test_a_bad_file_names_the_file_and_the_field(tmp_path):
    write(tmp_path, "ok.md", GOOD.format(slug="ok"))
    write(tmp_path, "bad.md", GOOD.format(slug="bad").replace("layer: trust", "layer: attic"))
    with pytest.raises(ContentError) as error:
        load_library(tmp_path)
    assert [str(p) for p in error.value.problems] == [
        "handouts/bad.md: layer: must be one of: "
        + ", ".join(
            [
                "foundations",
                "love-maps",
                "fondness-admiration",
                "turn-towards",
                "positive-perspective",
                "manage-conflict",
                "life-dreams",
                "shared-meaning",
                "trust",
                "commitment",
                "love-languages",
            ]
        )
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda t: t.replace("slug: x\n", "slug: y\n"), "slug"),
        (lambda t: t.replace("title: A title\n", ""), "title"),
        (lambda t: t.replace("tags: [trust]", "tags: Trust"), "tags"),
        (lambda t: t.replace("reading_minutes: 2", "reading_minutes: two"), "reading_minutes"),
        (lambda t: t.replace("version: 1", "version: 0"), "version"),
        (
            lambda t: t.replace(
                'further_reading:\n  - "Someone, *A Book* (2001)."', "further_reading: []"
            ),
            "further_reading",
        ),
        (lambda t: t.replace("version: 1", "version: 1\ncolour: red"), "colour"),
        (lambda t: t.split("\n---\n")[0] + "\n---\n", "body"),
        (lambda t: t.replace("---\nslug", "slug", 1), "front matter"),
        (lambda t: t.replace("title: A title", "title: [unclosed"), "front matter"),
    ],
)
def test_each_kind_of_problem_is_reported_with_its_field(tmp_path, change, field):
    write(tmp_path, "x.md", change(GOOD.format(slug="x")))
    with pytest.raises(ContentError) as error:
        load_library(tmp_path)
    assert [p.field for p in error.value.problems] == [field]
    assert all(p.file == "handouts/x.md" for p in error.value.problems)


def test_check_content_prints_every_problem_at_once(tmp_path):
    from click.testing import CliRunner

    write(tmp_path, "a.md", GOOD.format(slug="a").replace("version: 1", "version: -1"))
    write(tmp_path, "b.md", GOOD.format(slug="b").replace("layer: trust", "layer: x"))
    result = CliRunner().invoke(check_content, ["--path", str(tmp_path)])
    assert result.exit_code != 0
    assert "handouts/a.md: version:" in result.output
    assert "handouts/b.md: layer:" in result.output
    ok = CliRunner().invoke(check_content, ["--path", str(CONTENT)])
    assert ok.exit_code == 0 and f"{len(HANDOUTS)} handouts and" in ok.output


def test_app_refuses_to_start_on_a_bad_handout(tmp_path, database_url):
    write(tmp_path, "x.md", GOOD.format(slug="x").replace("version: 1", "version: nope"))
    with pytest.raises(ContentError, match=r"handouts/x.md: version"):
        create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "k" * 40,
                "CONTENT_DIR": str(tmp_path),
                "SQLALCHEMY_DATABASE_URI": database_url,
            }
        )


def test_raw_html_in_markdown_is_shown_as_text_not_rendered():
    html = render_markdown("<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b>b</b>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<b>" not in html


def test_tables_are_rendered():
    assert "<table>" in render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n")


@pytest.mark.parametrize("handout", HANDOUTS, ids=IDS)
def test_handout_reads_at_about_grade_eight(handout):
    # textstat 0.7.3 (later releases download a dictionary at run time).
    assert textstat.flesch_kincaid_grade(handout.text) <= 10


@pytest.mark.parametrize("handout", HANDOUTS, ids=IDS)
def test_handout_ends_with_practice_steps(handout):
    last_section = handout.body.rsplit("\n## ", 1)[-1]
    assert last_section.startswith("Try this")
    steps = re.findall(r"^\d+\. ", last_section, flags=re.MULTILINE)
    assert 1 <= len(steps) <= 2


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower())


def seed_ngrams(n=8):
    grams = set()
    for path in SEEDS.glob("*.txt"):
        w = words(path.read_text(encoding="utf-8", errors="replace"))
        grams.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return grams


def test_no_sentence_is_copied_from_the_seed_articles():
    assert SEEDS.is_dir(), "shared/seeds must sit beside the project"
    grams = seed_ngrams()
    copied = {}
    for handout in HANDOUTS:
        w = words(handout.text)
        hits = [" ".join(w[i : i + 8]) for i in range(len(w) - 7) if tuple(w[i : i + 8]) in grams]
        if hits:
            copied[handout.slug] = hits[:3]
    assert copied == {}


def test_every_house_floor_and_wall_has_a_handout_naming_the_gottmans():
    for layer in HOUSE_FLOORS + HOUSE_WALLS:
        in_layer = [h for h in HANDOUTS if h.layer == layer]
        assert in_layer, layer
        assert any("Gottman" in " ".join(h.further_reading) for h in in_layer), layer


def test_named_frameworks_credit_their_originators():
    for handout in HANDOUTS:
        refs = " ".join(handout.further_reading)
        text = handout.text.lower()
        if "relationship house" in text:
            assert "Gottman" in refs, handout.slug
        if handout.layer == "love-languages":
            assert "Chapman" in refs, handout.slug
        if "attachment style" in text:
            assert re.search(r"Bowlby|Hazan|Ainsworth|Levine", refs), handout.slug


def test_common_problems_handout_has_its_table():
    handout = LIBRARY.get("common-problems-and-what-helps")
    assert "<table>" in handout.html
    for heading in ("Problem", "What it looks like", "What helps", "Skill to build"):
        assert f"<th>{heading}</th>" in handout.html


def test_library_search_covers_title_summary_and_body():
    body_only = LIBRARY.get("self-protective-walls")
    assert body_only in LIBRARY.search("numbing")
    assert LIBRARY.search("zzzz-no-such-word") == []
    assert all(h.layer == "trust" for h in LIBRARY.search(layer="trust"))
