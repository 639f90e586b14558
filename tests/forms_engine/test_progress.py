"""Progress charts of a measure's totals: well-formed, accessible, escaped, self-contained,
drawn to scale, and fed from stored sum-scorer results."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic import PROJECT_ROOT
from clinic.forms_engine.definitions import load_definitions, read_definition
from clinic.forms_engine.progress import (
    day_label,
    measure_progress_svg,
    progress_rows,
    series_for,
)
from clinic.forms_engine.scorers import SCORERS, score_sum

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = ["<script>alert(1)</script>", "{{7*7}}", "A \"quoted\" & 'odd' name"]
BANDS = [
    {"min": 0, "max": 4, "label": "Minimal range (0-4)"},
    {"min": 5, "max": 9, "label": "Mild range (5-9)"},
    {"min": 10, "max": 14, "label": "Moderate range (10-14)"},
    {"min": 15, "max": 21, "label": "Severe range (15-21)"},
]
CUTOFFS = [{"value": 10, "label": "Screening cut-off"}]
SAM = [
    (date(2024, 11, 22), 14),
    (date(2024, 12, 6), None),  # an incomplete response: skipped
    (date(2024, 12, 20), 9),
    (date(2025, 1, 17), 5),
]
ALEX = [(date(2024, 11, 22), 8), (date(2025, 1, 17), 11)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314  (our own SVG, parsed to check it)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def all_text(root: ET.Element) -> str:
    return " ".join("".join(el.itertext()) for el in root.iter())


def with_class(root, tag, css):
    return [el for el in root.iterfind(f".//svg:{tag}", NS) if css in (el.get("class") or "")]


def points(root, partner=None):
    css = "point" if partner is None else f"point partner-{partner}"
    return with_class(root, "circle", css)


def chart(series=(("Sam", SAM),), **kwargs):
    options = {"low": 0, "high": 21, "bands": BANDS, "cutoffs": CUTOFFS}
    return measure_progress_svg("GAD-7 over time", list(series), **{**options, **kwargs})


def plot_box(root):
    """(top, bottom) of the plot: the white rectangle drawn first."""
    rect = root.find("svg:rect", NS)
    top = float(rect.get("y"))
    return top, top + float(rect.get("height"))


CHARTS = [
    lambda: chart(),
    lambda: chart([("Sam", SAM), ("Alex", ALEX)]),
    lambda: chart([("Sam", [(date(2025, 1, 1), 3)])]),
    lambda: chart([]),
    lambda: chart([("Sam", []), ("Alex", [(date(2025, 1, 1), None)])], bands=(), cutoffs=()),
]


@pytest.mark.parametrize("index", range(len(CHARTS)))
def test_charts_are_accessible_xml(index):
    root = parse(CHARTS[index]())
    assert root.get("role") == "img"
    assert root.get("aria-label") == "GAD-7 over time"
    assert root.find("svg:title", NS).text == root.get("aria-label")
    assert root.find("svg:desc", NS).text


@pytest.mark.parametrize("index", range(len(CHARTS)))
def test_charts_fetch_nothing(index):
    svg = CHARTS[index]()
    assert "url(" not in svg and "href" not in svg
    assert "<image" not in svg and "@import" not in svg and "<script" not in svg
    assert re.findall(r"https?://[^\"]*", svg) == ["http://www.w3.org/2000/svg"]


def test_returns_markup():
    assert hasattr(chart(), "__html__")


def test_one_point_per_total_that_is_not_none():
    root = parse(chart([("Sam", SAM), ("Alex", ALEX)]))
    assert len(points(root, 1)) == 3
    assert len(points(root, 2)) == 2
    assert len(points(root)) == 5
    values = [el.get("data-value") for el in points(root, 1)]
    assert values == ["14", "9", "5"]
    labels = [el.text for el in with_class(root, "text", "value-label partner-1")]
    assert labels == ["14", "9", "5"]  # each point labelled with its value


def test_points_are_placed_by_date_and_value():
    root = parse(
        chart([("Sam", [(date(2025, 1, 31), 21), (date(2025, 1, 1), 0), (date(2025, 1, 11), 7)])])
    )
    dots = points(root)
    assert [el.get("data-date") for el in dots] == ["2025-01-01", "2025-01-11", "2025-01-31"]
    xs = [float(el.get("cx")) for el in dots]
    # A time axis: 10 days then 20 days.
    assert xs[2] - xs[1] == pytest.approx(2 * (xs[1] - xs[0]), abs=0.02)
    top, bottom = plot_box(root)
    ys = [float(el.get("cy")) for el in dots]
    assert ys[0] == pytest.approx(bottom) and ys[2] == pytest.approx(top)
    assert ys[1] == pytest.approx(bottom - (bottom - top) * 7 / 21, abs=0.01)


def test_totals_outside_the_axis_stay_inside_the_plot():
    root = parse(chart([("Sam", [(date(2025, 1, 1), 40), (date(2025, 1, 2), -3)])]))
    top, bottom = plot_box(root)
    ys = [float(el.get("cy")) for el in points(root)]
    assert ys == pytest.approx([top, bottom])
    assert [el.get("data-value") for el in points(root)] == ["40", "-3"]


def test_bands_are_shaded_and_labelled():
    root = parse(chart())
    bands = with_class(root, "rect", "band")
    assert len(bands) == len(BANDS)
    assert [(b.get("data-min"), b.get("data-max")) for b in bands] == [
        (str(b["min"]), str(b["max"])) for b in BANDS
    ]
    fills = {b.get("fill") for b in bands}
    assert len(fills) == 2  # light stripes, alternating
    label_text = " ".join(el.text for el in with_class(root, "text", "band-label"))
    for band in BANDS:
        for word in band["label"].split():
            assert word in label_text
    # Whole-number bands meet half-way, with no gap between them.
    top, bottom = plot_box(root)
    edges = sorted((float(b.get("y")), float(b.get("y")) + float(b.get("height"))) for b in bands)
    assert edges[0][0] == pytest.approx(top) and edges[-1][1] == pytest.approx(bottom)
    for (_, lower_edge), (next_top, _) in zip(edges, edges[1:], strict=False):
        assert lower_edge == pytest.approx(next_top)
    unit = (bottom - top) / 21
    mild = next(b for b in bands if b.get("data-min") == "5")
    assert float(mild.get("height")) == pytest.approx(5 * unit, abs=0.02)  # 4.5 .. 9.5


def test_long_band_labels_wrap_and_stay_in_the_chart():
    long = [{"min": 0, "max": 50, "label": "28 or below: very low wellbeing range, further "
             "assessment advised by the scoring reference of this measure"}]  # fmt: skip
    root = parse(chart(low=0, high=100, bands=long))
    lines = with_class(root, "text", "band-label")
    assert 1 < len(lines) <= 3
    width = float(root.get("width"))
    assert all(float(el.get("x")) + len(el.text) * 5.6 <= width for el in lines)


def test_cutoff_lines_are_dashed_and_labelled():
    cutoffs = [{"value": 10, "label": "Screening cut-off"}, {"value": 15, "label": ""}]
    root = parse(chart(cutoffs=cutoffs))
    lines = with_class(root, "line", "cutoff")
    assert [line.get("data-value") for line in lines] == ["10", "15"]
    assert all(line.get("stroke-dasharray") for line in lines)
    top, bottom = plot_box(root)
    assert float(lines[0].get("y1")) == pytest.approx(bottom - (bottom - top) * 10 / 21, abs=0.01)
    labels = [el.text for el in with_class(root, "text", "cutoff-label")]
    assert labels == ["Screening cut-off", "Cut-off 15"]
    # One mapping works as well as a list; values off the axis are not drawn.
    one = parse(chart(cutoffs={"value": 5, "label": "Mild"}))
    assert [el.get("data-value") for el in with_class(one, "line", "cutoff")] == ["5"]
    off = parse(chart(cutoffs=[{"value": 99, "label": "x"}, {"value": "10", "label": "y"}]))
    assert not with_class(off, "line", "cutoff")


@pytest.mark.parametrize("name", HOSTILE)
def test_names_are_escaped(name):
    svg = measure_progress_svg(
        name, [(name, SAM), ("Alex", ALEX)], low=0, high=21,
        bands=[{"min": 0, "max": 21, "label": name}], cutoffs=[{"value": 10, "label": name}],
    )  # fmt: skip
    assert "<script" not in svg and "{{" not in svg
    root = parse(svg)
    assert name in all_text(root)
    assert root.get("aria-label") == name
    assert name in root.find("svg:desc", NS).text


def test_single_point():
    root = parse(chart([("Sam", [(date(2025, 3, 1), 12)])]))
    (dot,) = points(root)
    assert dot.get("data-value") == "12"
    assert not with_class(root, "polyline", "trend")
    assert "1 Mar 2025" in all_text(root)
    assert float(root.get("width")) > float(dot.get("cx")) > 0


def test_equal_dates():
    same = date(2025, 3, 1)
    root = parse(chart([("Sam", [(same, 3), (same, 6)]), ("Alex", [(same, 6)])]))
    xs = {float(el.get("cx")) for el in points(root, 1)}
    assert len(xs) == 1 and len(points(root)) == 3
    # Two people on the same day are drawn side by side, not on top of each other.
    assert float(points(root, 2)[0].get("cx")) != xs.pop()
    assert all(
        re.fullmatch(r"[-\d. ,]+", el.get("points")) for el in root.iterfind(".//svg:polyline", NS)
    )


@pytest.mark.parametrize(
    "series",
    [[], [("Sam", [])], [("Sam", [(date(2025, 1, 1), None)])], [("Sam", []), ("Alex", [])]],
)
def test_empty_draws_the_axes(series):
    root = parse(chart(series))
    assert "No results yet" in all_text(root)
    assert not points(root)
    assert root.find(".//svg:path", NS) is not None  # the axes
    assert "0" in all_text(root) and "21" in all_text(root)
    assert "No results yet" in root.find("svg:desc", NS).text


def test_two_series_have_a_legend_and_differ_without_colour():
    root = parse(chart([("Sam", SAM), ("Alex", ALEX)]))
    text = all_text(root)
    assert "Sam" in text and "Alex" in text
    swatches_1 = with_class(root, "line", "swatch partner-1")
    swatches_2 = with_class(root, "line", "swatch partner-2")
    assert swatches_1 and swatches_2
    assert not swatches_1[0].get("stroke-dasharray") and swatches_2[0].get("stroke-dasharray")
    (line_1,) = with_class(root, "polyline", "partner-1")
    (line_2,) = with_class(root, "polyline", "partner-2")
    assert line_1.get("stroke-dasharray") is None and line_2.get("stroke-dasharray")
    filled = {el.get("fill") for el in points(root, 1)}
    hollow = {el.get("fill") for el in points(root, 2)}
    assert filled == {"#123e62"} and hollow == {"#ffffff"}
    assert all(el.get("stroke") for el in points(root, 2))
    marker_1 = with_class(root, "circle", "swatch partner-1")
    marker_2 = with_class(root, "circle", "swatch partner-2")
    assert marker_1[0].get("fill") == "#123e62" and marker_2[0].get("fill") == "#ffffff"


def test_only_two_series_are_drawn():
    root = parse(chart([("Sam", SAM), ("Alex", ALEX), ("Kim", [(date(2025, 1, 1), 1)])]))
    assert "Kim" not in all_text(root)
    assert len(points(root)) == 5


def test_date_ticks():
    root = parse(chart())
    text = all_text(root)
    assert "22 Nov 2024" in text and "17 Jan 2025" in text
    assert day_label(date(2024, 11, 22)) == "22 Nov"
    assert day_label(date(2025, 1, 5), year=True) == "5 Jan 2025"
    short = parse(chart([("Sam", [(date(2025, 3, 1), 2), (date(2025, 3, 29), 4)])]))
    labels = [
        el.text for el in short.iterfind(".//svg:text", NS)
        if el.text and re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}( \d{4})?", el.text)
    ]  # fmt: skip
    assert labels[:2] == ["1 Mar 2025", "29 Mar 2025"]
    assert 3 <= len(labels) <= 5  # a few ticks between first and last


def test_datetimes_are_taken_as_their_day():
    root = parse(chart([("Sam", [(datetime(2025, 1, 2, 23, 59), 4)])]))
    assert points(root)[0].get("data-date") == "2025-01-02"


def test_rows_for_screen_readers():
    rows = progress_rows([("Sam", SAM), ("Alex", ALEX)])
    assert rows == [
        {"date": date(2024, 11, 22), "date_label": "22 Nov 2024", "person": "Sam", "total": 14},
        {"date": date(2024, 11, 22), "date_label": "22 Nov 2024", "person": "Alex", "total": 8},
        {"date": date(2024, 12, 20), "date_label": "20 Dec 2024", "person": "Sam", "total": 9},
        {"date": date(2025, 1, 17), "date_label": "17 Jan 2025", "person": "Sam", "total": 5},
        {"date": date(2025, 1, 17), "date_label": "17 Jan 2025", "person": "Alex", "total": 11},
    ]
    assert progress_rows([]) == []


# --- From stored results ----------------------------------------------------------------

MEASURE = """kind: questionnaire
slug: mood-check
title: Mood check
summary: Three questions.
layer: foundations
version: 1
scorer: sum
source: Test items.
licence: Test licence.
scoring_reference: Test reference.
scoring:
  multiplier: 2
  bands:
    - {min: 0, max: 5, label: Low}
    - {min: 6, max: 18, label: High}
  cutoff: CUTOFF
scales:
  f4: {min: 0, max: 3, anchors: {0: Never, 3: Always}}
sections:
  - id: main
    title: Main
    items:
      - {id: q1, type: likert, scale: f4, prompt: One}
      - {id: q2, type: likert, scale: f4, prompt: Two}
      - {id: q3, type: likert, scale: f4, prompt: Three}
"""


def measure(tmp_path, cutoff):
    path = tmp_path / "mood-check.yaml"
    path.write_text(MEASURE.replace("CUTOFF", cutoff), encoding="utf-8")
    problems: list = []
    definition = read_definition(path, "exercises/mood-check.yaml", problems, set(SCORERS))
    assert not problems, problems
    return definition


def test_series_for_reads_stored_results(tmp_path):
    definition = measure(tmp_path, "{value: 10, label: Check in}")
    full = score_sum(definition, {"q1": 3, "q2": 2, "q3": 1})
    part = score_sum(definition, {"q1": 3})
    assert full["total"] == 12 and part["total"] is None
    series, low, high, bands, cutoffs = series_for(
        definition,
        {
            "Sam": [(date(2025, 1, 1), full), (date(2025, 1, 8), part)],
            "Alex": [(datetime(2025, 1, 2, 9, 0), None)],
        },
    )
    assert series == [
        ("Sam", [(date(2025, 1, 1), 12), (date(2025, 1, 8), None)]),
        ("Alex", [(date(2025, 1, 2), None)]),
    ]
    assert (low, high) == (0, 18)
    assert bands == [
        {"min": 0, "max": 5, "label": "Low"},
        {"min": 6, "max": 18, "label": "High"},
    ]
    assert cutoffs == [{"value": 10, "label": "Check in"}]
    root = parse(measure_progress_svg(definition.title, series, low=low, high=high,
                                      bands=bands, cutoffs=cutoffs))  # fmt: skip
    assert len(points(root)) == 1
    assert len(with_class(root, "rect", "band")) == 2
    assert len(with_class(root, "line", "cutoff")) == 1


def test_series_for_takes_a_list_of_cutoffs_and_widens_the_axis(tmp_path):
    definition = measure(
        tmp_path, "[{value: 4, label: A, direction: below}, {value: 12, label: B}]"
    )
    stored = {"total": 22, "min": 0, "max": 24}  # an older, longer version
    series, low, high, _bands, cutoffs = series_for(
        definition, {"Sam": [(date(2025, 1, 1), stored)]}
    )
    assert (low, high) == (0, 24)
    assert [c["value"] for c in cutoffs] == [4, 12]
    assert series == [("Sam", [(date(2025, 1, 1), 22)])]


def test_series_for_without_results(tmp_path):
    definition = measure(tmp_path, "{value: 10, label: Check in}")
    series, low, high, _bands, _cutoffs = series_for(definition, {})
    assert series == [] and (low, high) == (0, 18)
    assert "No results yet" in measure_progress_svg("Mood", series, low=low, high=high)


def test_series_for_real_measures():
    problems: list = []
    library = load_definitions(PROJECT_ROOT / "handouts", problems)
    measures = [d for d in library.values() if d.scorer == "sum"]
    if not measures:
        pytest.skip("no sum-scored measure in the library yet")
    for definition in measures:
        first = {
            item.id: item.scale.max if item.scale else item.options[-1].value
            for item in definition.items
            if item.type in ("likert", "single_choice")
        }
        result = score_sum(definition, first)
        series, low, high, bands, cutoffs = series_for(
            definition, {"Sam": [(date(2025, 1, 1), result), (date(2025, 2, 1), None)]}
        )
        assert (low, high) == (result["min"], result["max"])
        root = parse(measure_progress_svg(definition.title, series, low=low, high=high,
                                          bands=bands, cutoffs=cutoffs))  # fmt: skip
        assert len(points(root)) == (result["total"] is not None)
        assert len(with_class(root, "rect", "band")) == len(definition.scoring.get("bands", []))


# --- Any input --------------------------------------------------------------------------

NAMES = st.text(max_size=40)
TOTALS = st.one_of(
    st.none(),
    st.integers(-50, 500),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
)
DAYS = st.one_of(st.dates(date(2000, 1, 1), date(2040, 1, 1)), st.none(), st.text(max_size=3))
BAND = st.fixed_dictionaries(
    {"min": st.one_of(st.integers(-10, 60), st.none()), "max": st.integers(-10, 60), "label": NAMES}
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(NAMES, st.lists(st.tuples(DAYS, TOTALS), max_size=8)), max_size=3),
    st.one_of(st.integers(-20, 50), st.floats(allow_nan=True)),
    st.one_of(st.integers(-20, 80), st.none()),
    st.lists(BAND, max_size=4),
    st.lists(st.fixed_dictionaries({"value": TOTALS, "label": NAMES}), max_size=3),
)
def test_valid_for_any_input(series, low, high, bands, cutoffs):
    svg = measure_progress_svg("Any", series, low=low, high=high, bands=bands, cutoffs=cutoffs)
    root = parse(svg)
    expected = sum(
        1
        for _name, entries in series[:2]
        for day, total in entries
        if isinstance(day, date)
        and isinstance(total, int | float)
        and not isinstance(total, bool)
        and total == total
        and abs(total) != float("inf")
    )
    assert len(points(root)) == expected
    for el in root.iter():
        for attr in ("x", "y", "cx", "cy", "width", "height", "x1", "y1", "x2", "y2"):
            value = el.get(attr)
            if value is not None:
                assert re.fullmatch(r"-?\d+(\.\d+)?", value), (attr, value)
    assert len(progress_rows(series)) == expected
