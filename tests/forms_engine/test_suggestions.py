"""Love-language suggestions and the couple's homework built from two results."""

import pytest

from clinic.forms_engine import suggestions
from clinic.forms_engine.scorers import LANGUAGES, score_love_languages
from clinic.forms_engine.suggestions import (
    couple_homework,
    language_label,
    layer_label,
    love_language_suggestions,
)
from tests.forms_engine import definition, pair

SAM = {"words": 9, "time": 8, "gifts": 3, "service": 6, "touch": 4}
ALEX = {"words": 0, "time": 12, "gifts": 3, "service": 10, "touch": 5}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_three_or_four_concrete_suggestions(lang):
    found = love_language_suggestions(lang)
    assert 3 <= len(found) <= 4
    assert all(s.strip() and s.endswith((".", "!")) for s in found)
    assert len(set(found)) == len(found)


def test_suggestions_differ_between_languages_and_are_copies():
    every = [s for lang in LANGUAGES for s in love_language_suggestions(lang)]
    assert len(set(every)) == len(every)
    love_language_suggestions("words").clear()
    assert love_language_suggestions("words")


@pytest.mark.parametrize("lang", ["", "hugs", None, 3])
def test_unknown_language_has_no_suggestions(lang):
    assert love_language_suggestions(lang) == []


def test_homework_gives_each_partner_a_task_in_the_others_top_language():
    homework = couple_homework(SAM, ALEX, "Sam", "Alex")
    assert homework[0].startswith("Alex, each day this week tell Sam")  # Sam's top: words
    assert any(line.startswith("Sam, set aside three 20-minute times") for line in homework)
    assert homework[-1].startswith("At the end of the week")


def test_homework_notes_when_a_top_language_is_the_partners_lowest():
    homework = couple_homework(SAM, ALEX, "Sam", "Alex")
    note = [line for line in homework if "chose least" in line]
    # Sam's top language (words) is Alex's lowest; Alex's top (time) is not Sam's lowest.
    assert note == [
        "Words of affirmation is what Alex chose least for themselves, so it may not come "
        "naturally. Alex, plan it ahead (put it in your calendar) and tell Sam you are "
        "practising; Sam, say when it lands."
    ]


def test_homework_from_whole_scorer_results():
    items = [pair("a", "words", "time"), pair("b", "touch", "gifts")]
    d = definition(*items)
    a = score_love_languages(d, {"a": "words", "b": "touch"})
    b = score_love_languages(d, {"a": "time", "b": "touch"})
    homework = couple_homework(a, b, "Sam", "Alex")
    # Both results are level between two languages; they share no top language.
    assert sum("results were level" in line for line in homework) == 2
    assert not any("share the same top language" in line for line in homework)


def test_homework_for_a_shared_top_language():
    homework = couple_homework(SAM, {**SAM, "words": 12}, "Sam", "Alex")
    assert any("share the same top language, words of affirmation" in line for line in homework)


def test_homework_asks_for_the_exercise_first_when_a_result_is_missing():
    assert couple_homework(SAM, {"scores": {}}, "Sam", "Alex") == [
        "Alex has not finished the love-language exercise yet. Complete it before you "
        "compare results."
    ]
    assert len(couple_homework(None, "junk", "", None)) == 2  # type: ignore[arg-type]


def test_names_are_used_as_plain_text():
    homework = couple_homework(SAM, ALEX, "{receiver}", "<b>Alex</b>")
    assert homework[0].startswith("<b>Alex</b>, each day this week tell {receiver}")


def test_labels():
    assert layer_label("turn-towards") == "Turn towards instead of away"
    assert layer_label("unknown") == "unknown"
    assert language_label("service") == "Acts of service"


def test_chapman_is_named_as_the_originator():
    assert "Gary Chapman" in suggestions.__doc__
