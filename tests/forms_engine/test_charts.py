"""SVG charts: well-formed, accessible, escaped, self-contained, and drawn to scale."""

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.forms_engine.charts import (
    LL_PLOT_W,
    contrast,
    house_profile_rows,
    house_profile_svg,
    love_language_chart,
    love_language_rows,
    shade,
    text_colour,
)
from clinic.forms_engine.scorers import HOUSE_LAYERS, LANGUAGES

NS = {"svg": "http://www.w3.org/2000/svg"}
SAM = {"words": 9, "time": 8, "gifts": 3, "service": 6, "touch": 4}
ALEX = {"words": 2, "time": 12, "gifts": 0, "service": 10, "touch": 6}
HOUSE = {
    "love-maps": 63,
    "fondness-admiration": 50,
    "turn-towards": 0,
    "positive-perspective": 100,
    "manage-conflict": 25,
    "life-dreams": 75,
    "shared-meaning": None,
    "trust": 88,
    "commitment": None,
}
HOSTILE = ["<script>alert(1)</script>", "{{7*7}}", "A \"quoted\" & 'odd' name"]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314  (our own SVG, parsed to check it)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def all_text(root: ET.Element) -> str:
    return " ".join("".join(el.itertext()) for el in root.iter())


def bars(root, partner):
    return [
        el for el in root.iterfind(".//svg:rect", NS) if el.get("class") == f"bar partner-{partner}"
    ]


def part(root, layer):
    return next(el for el in root.iterfind(".//svg:rect", NS) if el.get("data-layer") == layer)


def charts():
    return [
        love_language_chart([("Sam", SAM)]),
        love_language_chart([("Sam", SAM), ("Alex", ALEX)]),
        house_profile_svg([("Sam", HOUSE)]),
        house_profile_svg([("Sam", HOUSE), ("Alex", {})]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_charts_are_accessible_xml(index):
    svg = charts()[index]
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root.find("svg:title", NS).text == root.get("aria-label")
    assert root.find("svg:desc", NS).text


@pytest.mark.parametrize("index", range(4))
def test_charts_fetch_nothing(index):
    svg = charts()[index]
    assert "url(" not in svg
    assert "href" not in svg
    assert "<image" not in svg and "@import" not in svg and "<script" not in svg
    assert re.findall(r"https?://[^\"]*", svg) == ["http://www.w3.org/2000/svg"]


@pytest.mark.parametrize("name", HOSTILE)
def test_names_are_escaped(name):
    for svg in (
        love_language_chart([(name, SAM), ("Alex", ALEX)]),
        house_profile_svg([(name, HOUSE)]),
    ):
        assert "<script" not in svg and "{{" not in svg
        root = parse(svg)
        assert name in all_text(root)
        assert name in root.get("aria-label")


def test_love_language_bar_widths_are_proportional_to_scores():
    root = parse(love_language_chart([("Sam", SAM)]))
    widths = [float(el.get("width")) for el in bars(root, 1)]
    # Coordinates are written to two decimals.
    assert widths == pytest.approx([SAM[lang] / 12 * LL_PLOT_W for lang in LANGUAGES], abs=0.01)
    assert not bars(root, 2)


def test_two_profiles_are_told_apart_by_shade_and_pattern():
    svg = love_language_chart([("Sam", SAM), ("Alex", ALEX)])
    root = parse(svg)
    first, second = bars(root, 1), bars(root, 2)
    assert [float(el.get("width")) for el in second] == pytest.approx(
        [ALEX[lang] / 12 * LL_PLOT_W for lang in LANGUAGES], abs=0.01
    )
    fill_1, fill_2 = first[0].get("fill"), second[0].get("fill")
    assert contrast(fill_1, fill_2) >= 3  # shade, not only hue
    assert root.findall(".//svg:line", NS)  # the hatching of the second partner
    text = all_text(root)
    assert "Sam" in text and "Alex" in text  # the legend


def test_love_language_axis_stretches_for_larger_counts():
    root = parse(love_language_chart([("Sam", {"words": 20, "time": 10})]))
    widths = [float(el.get("width")) for el in bars(root, 1)]
    assert widths[0] == pytest.approx(LL_PLOT_W) and widths[1] == pytest.approx(LL_PLOT_W / 2)
    assert "20" in all_text(root)


def test_love_language_chart_takes_whole_results_and_bad_values():
    result = {"scores": SAM, "primary": "words"}
    same = love_language_chart([("Sam", result)])
    assert same == love_language_chart([("Sam", SAM)])
    root = parse(love_language_chart([("Sam", {"words": "9", "time": -3, "gifts": None})]))
    assert all(float(el.get("width")) == 0 for el in bars(root, 1))
    parse(love_language_chart([]))


def test_house_shading_follows_the_score():
    low = part(parse(house_profile_svg([("Sam", {"trust": 10})])), "trust")
    high = part(parse(house_profile_svg([("Sam", {"trust": 90})])), "trust")
    assert low.get("fill") != high.get("fill")
    # Darker is stronger: the higher score has less contrast against black.
    assert contrast(high.get("fill"), "#000000") < contrast(low.get("fill"), "#000000")


def test_house_shows_every_part_with_label_and_score():
    root = parse(house_profile_svg([("Sam", HOUSE)]))
    text = all_text(root)
    for label in ("Build love maps", "Create shared meaning", "Trust", "Commitment"):
        assert label in text
    assert "63 of 100" in text and "Not answered" in text
    for layer in HOUSE_LAYERS:
        element = part(root, layer)
        if HOUSE[layer] is None:
            assert "not-answered" in element.get("class")
        else:
            assert element.get("data-score") == str(HOUSE[layer])


def test_house_for_two_partners_draws_two_houses():
    root = parse(house_profile_svg([("Sam", HOUSE), ("Alex", {"trust": 40})]))
    trusts = [el for el in root.iterfind(".//svg:rect", NS) if el.get("data-layer") == "trust"]
    assert [el.get("data-score") for el in trusts] == ["88", "40"]
    assert float(trusts[1].get("x")) > float(trusts[0].get("x"))
    assert len(root.findall(".//svg:polygon", NS)) == 2


def test_text_on_every_shade_has_enough_contrast():
    for score in range(101):
        assert contrast(text_colour(shade(score)), shade(score)) >= 4.5


def test_rows_for_screen_readers():
    rows = love_language_rows([("Sam", SAM), ("Alex", {"scores": ALEX})])
    assert rows[0] == {"language": "words", "label": "Words of affirmation", "scores": [9, 2]}
    house_rows = house_profile_rows([("Sam", {"layers": HOUSE})])
    assert [row["layer"] for row in house_rows] == list(HOUSE_LAYERS)
    assert house_rows[-1]["scores"] == [None]


NAMES = st.text(max_size=60)
SCORES = st.one_of(st.none(), st.integers(-50, 500), st.floats(allow_nan=True), st.text(max_size=3))


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(NAMES, st.dictionaries(st.sampled_from(LANGUAGES), SCORES)), max_size=3))
def test_love_language_chart_is_valid_for_any_input(profiles):
    root = parse(love_language_chart(profiles))
    for el in root.iterfind(".//svg:rect", NS):
        assert 0 <= float(el.get("width")) <= LL_PLOT_W


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.tuples(NAMES, st.dictionaries(st.sampled_from(HOUSE_LAYERS), SCORES)), max_size=3)
)
def test_house_profile_is_valid_for_any_input(profiles):
    root = parse(house_profile_svg(profiles))
    for el in root.iterfind(".//svg:rect", NS):
        score = el.get("data-score")
        assert score is None or 0 <= int(score) <= 100
