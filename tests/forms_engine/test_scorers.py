"""Scorers: hand-computed worked examples, and property tests that no answer crashes a
scorer or takes a score out of its range."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.forms_engine.scorers import (
    HOUSE_LAYERS,
    LANGUAGES,
    SCORERS,
    check_scoring,
    compare_prediction,
    score_house_checkup,
    score_love_languages,
    score_response,
    score_sum,
)
from tests.forms_engine import choice, definition, likert, pair, text_item, thirty_pairs

# --- Love languages ---------------------------------------------------------------------

# How often each language wins each of its pairs (three showings per pair), chosen by hand
# so the totals are words 9, time 8, gifts 3, service 6, touch 4.
WINS = {
    ("words", "time"): 1,
    ("words", "gifts"): 3,
    ("words", "service"): 2,
    ("words", "touch"): 3,
    ("time", "gifts"): 3,
    ("time", "service"): 2,
    ("time", "touch"): 1,
    ("gifts", "service"): 1,
    ("gifts", "touch"): 2,
    ("service", "touch"): 2,
}


def worked_answers(items):
    """Answer each pair so that the first language of the unordered pair wins WINS times."""
    seen: dict[tuple[str, str], int] = {}
    answers = {}
    for item in items:
        a, b = (option.value for option in item.options)
        key = (a, b) if (a, b) in WINS else (b, a)
        shown = seen.get(key, 0)
        seen[key] = shown + 1
        answers[item.id] = key[0] if shown < WINS[key] else key[1]
    return answers


def test_thirty_pair_design_shows_each_language_twelve_times():
    items = thirty_pairs()
    assert len(items) == 30
    for lang in LANGUAGES:
        assert sum(lang in (o.value for o in item.options) for item in items) == 12


def test_love_languages_worked_example():
    items = thirty_pairs()
    result = score_love_languages(definition(*items), worked_answers(items))
    assert result == {
        "scores": {"words": 9, "time": 8, "gifts": 3, "service": 6, "touch": 4},
        "answered": 30,
        "total_items": 30,
        "complete": True,
        "primary": "words",
        "secondary": "time",
        "ranking": ["words", "time", "service", "touch", "gifts"],
        "ties": False,
    }


def test_love_languages_ignores_unanswered_unknown_and_other_items():
    items = [pair("a", "words", "time"), pair("b", "gifts", "touch"), pair("c", "time", "gifts")]
    odd = pair("d", "words", "hugs")  # not a language pair: not counted at all
    answers = {"a": "time", "b": "cuddles", "c": ["time"], "d": "words", "note": "x"}
    result = score_love_languages(definition(*items, odd, text_item("note")), answers)
    assert result["scores"] == {"words": 0, "time": 1, "gifts": 0, "service": 0, "touch": 0}
    assert (result["answered"], result["total_items"], result["complete"]) == (1, 3, False)
    assert (result["primary"], result["secondary"]) == ("time", None)


def test_love_languages_tie_is_broken_by_fixed_order_and_reported():
    items = [pair("a", "time", "words"), pair("b", "touch", "time"), pair("c", "gifts", "words")]
    result = score_love_languages(definition(*items), {"a": "words", "b": "time", "c": "gifts"})
    assert result["scores"]["words"] == result["scores"]["time"] == result["scores"]["gifts"] == 1
    assert result["ranking"][:2] == ["words", "time"]
    assert result["primary"] == "words"
    assert result["ties"] is True


def test_love_languages_tie_for_second_place_is_reported():
    items = [pair("a", "words", "time"), pair("b", "words", "gifts"), pair("c", "time", "gifts")]
    result = score_love_languages(
        definition(*items, pair("d", "gifts", "time")),
        {"a": "words", "b": "words", "c": "time", "d": "gifts"},
    )
    assert result["ranking"][:3] == ["words", "time", "gifts"]
    assert result["ties"] is True


def test_love_languages_with_no_answers():
    result = score_love_languages(definition(*thirty_pairs()), {})
    assert result["answered"] == 0
    assert result["primary"] is None and result["secondary"] is None
    assert result["ties"] is False and result["complete"] is False
    assert result["ranking"] == list(LANGUAGES)


def test_compare_prediction_worked_example():
    result = compare_prediction(
        ["time", "words", "gifts", "service", "touch"],
        ["words", "time", "service", "touch", "gifts"],
    )
    # Position differences: words 1, time 1, gifts 2, service 1, touch 1 -> 6 of 12.
    assert result["agreement"] == 0.5
    assert result["matches_first"] is False
    assert result["positions"]["gifts"] == {"predicted": 3, "actual": 5}
    assert result["same_place"] == []


def test_compare_prediction_identical_and_reversed():
    same = compare_prediction(list(LANGUAGES), list(LANGUAGES))
    assert same["agreement"] == 1.0 and same["matches_first"] is True
    assert same["same_place"] == list(LANGUAGES)
    assert compare_prediction(list(reversed(LANGUAGES)), list(LANGUAGES))["agreement"] == 0.0


def test_compare_prediction_copes_with_partial_and_bad_rankings():
    partial = compare_prediction(["touch", "nonsense", "touch"], ["touch"])
    assert partial["matches_first"] is True
    assert partial["positions"]["touch"] == {"predicted": 1, "actual": 1}
    empty = compare_prediction(None, ["words"])  # type: ignore[arg-type]
    assert empty["agreement"] is None and empty["matches_first"] is False


# --- House check-up ---------------------------------------------------------------------


def house_items():
    return [
        likert("lm1", 0, 4, layer="love-maps"),
        likert("lm2", 0, 4, layer="love-maps"),
        likert("t1", 1, 5, reverse=True, layer="trust"),
        likert("t2", 1, 5, layer="trust"),
        likert("mc1", 0, 4, reverse=True, layer="manage-conflict"),
        likert("mc2", 0, 6, layer="manage-conflict"),
        likert("fa1", 0, 4, layer="fondness-admiration"),
        likert("c1", 0, 4, layer="commitment"),
        likert("untagged", 0, 4),
    ]


def test_house_checkup_worked_example():
    answers = {"lm1": 4, "lm2": 1, "t1": 2, "t2": 5, "mc1": 4, "mc2": 3, "fa1": 2, "untagged": 0}
    result = score_house_checkup(definition(*house_items()), answers)
    # love maps: 100 and 25 -> 62.5, rounded half up; trust: reverse 2 on 1..5 is 4 -> 75,
    # and 100 -> 87.5; conflict: reverse 4 on 0..4 is 0, 3 on 0..6 is 50 -> 25.
    assert result["layers"] == {
        "love-maps": 63,
        "fondness-admiration": 50,
        "turn-towards": None,
        "positive-perspective": None,
        "manage-conflict": 25,
        "life-dreams": None,
        "shared-meaning": None,
        "trust": 88,
        "commitment": None,
    }
    assert result["weakest"] == ["manage-conflict", "fondness-admiration"]
    assert (result["answered"], result["total_items"], result["complete"]) == (7, 8, False)


def test_house_checkup_weakest_ties_follow_house_order():
    items = [likert("a", layer="trust"), likert("b", layer="life-dreams")]
    items += [likert("c", layer="love-maps"), likert("d", layer="commitment")]
    result = score_house_checkup(definition(*items), {"a": 1, "b": 1, "c": 1, "d": 4})
    assert result["weakest"] == ["love-maps", "life-dreams"]
    assert result["complete"] is True


def test_house_checkup_ignores_out_of_scale_and_wrong_types():
    items = [likert("a", layer="trust"), likert("b", layer="trust"), likert("c", layer="trust")]
    result = score_house_checkup(definition(*items), {"a": 9, "b": "3", "c": True})
    assert result["layers"]["trust"] == 75  # only "3" counts: a numeric string is accepted
    assert result["answered"] == 1


def test_house_checkup_with_no_items():
    result = score_house_checkup(definition(text_item("x")), {"x": "hello"})
    assert set(result["layers"]) == set(HOUSE_LAYERS)
    assert all(v is None for v in result["layers"].values())
    assert result["weakest"] == [] and result["complete"] is False


# --- Summed questionnaires --------------------------------------------------------------

PHQ_BANDS = [
    {"min": 0, "max": 4, "label": "Minimal"},
    {"min": 5, "max": 9, "label": "Mild"},
    {"min": 10, "max": 14, "label": "Moderate"},
    {"min": 15, "max": 19, "label": "Moderately severe"},
    {"min": 20, "max": 27, "label": "Severe"},
]


def nine_items_definition(**scoring):
    items = [likert(f"q{n}", 0, 3) for n in range(1, 10)]
    return definition(*items, scorer="sum", scoring={"bands": PHQ_BANDS, **scoring})


def answers_totalling(total, count=9, high=3):
    values = []
    for _ in range(count):
        values.append(min(high, total))
        total -= values[-1]
    return {f"q{n}": v for n, v in enumerate(values, start=1)}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_sum_band_edges_are_inclusive(total, band):
    result = score_sum(nine_items_definition(), answers_totalling(total))
    assert (result["total"], result["band"], result["max"]) == (total, band, 27)
    assert result["missing"] == [] and result["answered"] == 9


def test_sum_with_reverse_items_and_multiplier():
    # Five items 0..5, the third reverse-keyed; raw 5+4+(5-1)+2+0 = 15, times 4 = 60.
    items = [likert(f"w{n}", 0, 5, reverse=n == 3) for n in range(1, 6)]
    scoring = {
        "multiplier": 4,
        "bands": [{"min": 0, "max": 50, "label": "Lower"}, {"min": 51, "max": 100, "label": "Ok"}],
        "cutoff": {"value": 52, "label": "Below 52: talk it through", "direction": "below"},
    }
    answers = {"w1": 5, "w2": 4, "w3": 1, "w4": 2, "w5": 0}
    result = score_sum(definition(*items, scorer="sum", scoring=scoring), answers)
    assert result == {
        "total": 60,
        "raw_total": 15,
        "min": 0,
        "max": 100,
        "band": "Ok",
        "answered": 5,
        "missing": [],
        "flags": [],
    }
    answers["w1"] = 2  # raw 12 -> 48: below the cut-off
    result = score_sum(definition(*items, scorer="sum", scoring=scoring), answers)
    assert (result["total"], result["band"]) == (48, "Lower")
    assert result["flags"] == ["Below 52: talk it through"]


@pytest.mark.parametrize(("total", "flagged"), [(9, False), (10, True), (11, True)])
def test_sum_cutoff_at_or_above(total, flagged):
    scoring = {"cutoff": {"value": 10, "label": "At or above 10"}}
    result = score_sum(nine_items_definition(**scoring), answers_totalling(total))
    assert result["flags"] == (["At or above 10"] if flagged else [])


def test_sum_missing_item_gives_no_total_and_is_not_prorated():
    answers = answers_totalling(12)
    del answers["q4"]
    answers["q5"] = 7  # out of scale: missing too
    result = score_sum(nine_items_definition(), answers)
    assert result["total"] is None and result["band"] is None
    assert result["missing"] == ["q4", "q5"]
    assert result["answered"] == 7
    assert result["raw_total"] == 3 + 3 + 3  # the answered items only, for the record


def test_sum_item_flag_shows_even_when_total_is_missing():
    scoring = {"item_flags": [{"item": "q9", "at_least": 1, "label": "Item 9 answered above 0"}]}
    result = score_sum(nine_items_definition(**scoring), {"q9": 2})
    assert result["total"] is None
    assert result["flags"] == ["Item 9 answered above 0"]
    assert score_sum(nine_items_definition(**scoring), {"q9": 0})["flags"] == []


def test_sum_single_choice_values_are_parsed_and_reversed():
    items = [choice("a", [0, 1, 2, 3]), choice("b", [1, 2, 3, 4], reverse=True)]
    items += [choice("colour", ["red", "blue"]), text_item("note")]
    result = score_sum(definition(*items, scorer="sum"), {"a": "2", "b": "1", "note": "hi"})
    # "colour" and "note" are not numeric, so not scored by default; b reversed: 4+1-1 = 4.
    assert (result["total"], result["max"], result["min"]) == (6, 7, 1)
    bad = score_sum(definition(*items, scorer="sum"), {"a": 2, "b": "9"})
    assert bad["missing"] == ["a", "b"]  # a single choice answers its option value, a str


def test_sum_explicit_items_only():
    items = [likert("a", 0, 3), likert("b", 0, 3), likert("c", 0, 3)]
    scoring = {"items": ["a", "c"]}
    result = score_sum(definition(*items, scorer="sum", scoring=scoring), {"a": 1, "c": 3})
    assert (result["total"], result["max"]) == (4, 6)


def test_sum_explicit_unknown_item_is_missing_and_reported_by_check():
    d = definition(likert("a"), text_item("t"), scorer="sum", scoring={"items": ["a", "zz", "t"]})
    assert score_sum(d, {"a": 1, "t": "x"})["missing"] == ["zz", "t"]
    assert check_scoring(d) == [
        "scoring.items: no item 'zz'",
        "scoring.items: 't' is not a numeric item",
    ]


def test_check_scoring_accepts_a_good_definition():
    assert check_scoring(nine_items_definition(cutoff={"value": 10, "label": "x"})) == []
    assert check_scoring(nine_items_definition(multiplier=0, cutoff={"direction": "up"})) == [
        "scoring.multiplier: must be a positive number",
        "scoring.cutoff: needs a numeric value",
        "scoring.cutoff: direction must be below or at_or_above",
    ]


def test_registry_and_dispatch():
    assert set(SCORERS) == {"love_languages", "house_checkup", "sum"}
    d = nine_items_definition()
    assert score_response(d, answers_totalling(3))["total"] == 3
    assert score_response(definition(text_item("x")), {}) is None


# --- Properties -------------------------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-2, max_value=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(list(LANGUAGES) + ["0", "1", "2", "3", "-1", " 2 ", "1e3", "\u0663"]),
    st.just("x" * 200_000),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def items_strategy(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    items = []
    for n in range(count):
        kind = draw(st.sampled_from(["pair", "likert", "choice", "text"]))
        item_id = f"i{n}"
        if kind == "pair":
            first, second = draw(
                st.lists(st.sampled_from(LANGUAGES), min_size=2, max_size=2, unique=True)
            )
            items.append(pair(item_id, first, second))
        elif kind == "likert":
            low = draw(st.integers(min_value=0, max_value=3))
            high = draw(st.integers(min_value=low + 1, max_value=low + 10))
            layer = draw(st.sampled_from([None, "foundations", *HOUSE_LAYERS]))
            items.append(likert(item_id, low, high, draw(st.booleans()), layer))
        elif kind == "choice":
            values = draw(
                st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=5, unique=True)
            )
            items.append(choice(item_id, values, draw(st.booleans())))
        else:
            items.append(text_item(item_id))
    return items


def answers_for(items):
    ids = [item.id for item in items] + ["other"]
    return st.dictionaries(st.sampled_from(ids), JUNK, max_size=len(ids))


@st.composite
def scored_case(draw):
    items = draw(items_strategy())
    return items, draw(answers_for(items))


SCORING_JUNK = st.dictionaries(
    st.sampled_from(["items", "multiplier", "bands", "cutoff", "item_flags", "other"]),
    st.recursive(
        JUNK.filter(lambda v: not (isinstance(v, str) and len(v) > 1000)),
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.text(max_size=8), children, max_size=3),
        ),
        max_leaves=8,
    ),
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scored_case())
def test_love_language_counts_stay_in_range(case):
    items, answers = case
    result = score_love_languages(definition(*items), answers)
    pairs = [i for i in items if i.type == "forced_choice"]
    assert sum(result["scores"].values()) == result["answered"] <= result["total_items"]
    assert result["total_items"] == len(pairs)
    for lang, count in result["scores"].items():
        assert 0 <= count <= sum(lang in (o.value for o in i.options) for i in pairs)
    assert sorted(result["ranking"]) == sorted(LANGUAGES)
    json.dumps(result)


@PROPERTY
@given(scored_case())
def test_house_scores_stay_in_range(case):
    items, answers = case
    result = score_house_checkup(definition(*items), answers)
    assert set(result["layers"]) == set(HOUSE_LAYERS)
    for score in result["layers"].values():
        assert score is None or (isinstance(score, int) and 0 <= score <= 100)
    assert len(result["weakest"]) <= 2
    json.dumps(result)


@PROPERTY
@given(scored_case(), st.integers(min_value=1, max_value=5))
def test_sum_stays_within_its_range(case, multiplier):
    items, answers = case
    result = score_sum(definition(*items, scoring={"multiplier": multiplier}), answers)
    assert 0 <= result["min"] <= result["max"]
    if result["total"] is not None:
        assert result["min"] <= result["total"] <= result["max"]
        assert result["missing"] == []
    else:
        assert result["missing"]
    json.dumps(result)


@PROPERTY
@given(scored_case(), SCORING_JUNK)
def test_sum_survives_any_scoring_options(case, scoring):
    items, answers = case
    d = definition(*items, scoring=scoring)
    result = score_sum(d, answers)
    assert result["total"] is None or math.isfinite(result["total"])
    assert all(isinstance(flag, str) for flag in result["flags"])
    check_scoring(d)


@PROPERTY
@given(items_strategy(), st.one_of(JUNK, st.lists(JUNK, max_size=3)))
def test_scorers_survive_answers_that_are_not_a_dict(items, answers):
    for scorer in SCORERS.values():
        scorer(definition(*items), answers)


@PROPERTY
@given(st.lists(JUNK, max_size=7), st.lists(JUNK, max_size=7))
def test_compare_prediction_never_crashes(predicted, actual):
    result = compare_prediction(predicted, actual)
    assert result["agreement"] is None or 0 <= result["agreement"] <= 1
