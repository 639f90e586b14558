"""The exercise files in handouts/exercises: valid, balanced where they are scored, plain
language, and in our own words (no run of eight words taken from the seed articles)."""

import re
from collections import Counter
from itertools import combinations

import pytest
import textstat

from clinic import PROJECT_ROOT
from clinic.forms_engine.definitions import load_definitions, read_definition
from clinic.forms_engine.scorers import SCORERS
from clinic.library.content import HOUSE_FLOORS, HOUSE_WALLS

CONTENT = PROJECT_ROOT / "handouts"
EXERCISES = CONTENT / "exercises"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
FILES = sorted(EXERCISES.glob("*.yaml"))
LANGUAGES = ("words", "time", "gifts", "service", "touch")
HOUSE_LAYERS = HOUSE_FLOORS + HOUSE_WALLS


def load(path):
    problems = []
    definition = read_definition(path, f"exercises/{path.name}", problems, set(SCORERS))
    return definition, problems


DEFINITIONS = {path.stem: load(path)[0] for path in FILES}


def texts_of(definition):
    """Every piece of text a client reads in a definition, one string each."""
    texts = [definition.title, definition.summary, definition.intro, definition.notice]
    texts.append(definition.source)
    for section in definition.sections:
        texts += [section.title, section.intro]
        for item in section.items:
            texts += [item.prompt, item.help]
            texts += [option.label for option in item.options]
            if item.scale:
                texts += list(item.scale.anchors.values())
    return [text for text in texts if text]


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower())


def seed_ngrams(n=8):
    grams = set()
    for path in SEEDS.glob("*.txt"):
        w = words(path.read_text(encoding="utf-8", errors="replace"))
        grams.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return grams


def sentence(text):
    text = text.strip()
    return text if text[-1:] in ".?!" else text + "."


def test_there_are_exercise_files():
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_exercise_file_loads_without_problems(path):
    definition, problems = load(path)
    assert [str(p) for p in problems] == []
    assert definition is not None and definition.slug == path.stem
    if definition.kind == "exercise":  # published measures cite their own authors
        assert definition.source.startswith("Our own items")


def test_the_whole_folder_loads_without_problems():
    problems = []
    definitions = load_definitions(CONTENT, problems)
    assert [str(p) for p in problems] == []
    assert sorted(definitions) == [p.stem for p in FILES]


def test_every_house_layer_has_an_exercise():
    layers = {d.layer for d in DEFINITIONS.values()}
    assert set(HOUSE_LAYERS) <= layers


# --- Love languages -----------------------------------------------------------------------


@pytest.fixture
def love_languages():
    definition = DEFINITIONS["love-language-discovery"]
    assert definition is not None
    return definition


def test_love_languages_is_labelled_a_discovery_exercise(love_languages):
    assert love_languages.layer == "love-languages"
    assert love_languages.scorer == "love_languages"
    assert "not a validated measure" in love_languages.notice
    assert "Gary Chapman" in love_languages.source


def test_love_languages_has_thirty_forced_choice_pairs(love_languages):
    pairs = love_languages.sections[0].items
    assert [item.id for item in pairs] == [f"pair_{n:02d}" for n in range(1, 31)]
    assert all(item.type == "forced_choice" and len(item.options) == 2 for item in pairs)
    assert all(item.required for item in pairs)


def test_love_language_pairs_are_balanced(love_languages):
    pairs = [tuple(o.value for o in item.options) for item in love_languages.sections[0].items]
    assert all(a in LANGUAGES and b in LANGUAGES and a != b for a, b in pairs)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    assert all(first[lang] == 6 and second[lang] == 6 for lang in LANGUAGES)
    unordered = Counter(frozenset(pair) for pair in pairs)
    assert set(unordered) == {frozenset(c) for c in combinations(LANGUAGES, 2)}
    assert set(unordered.values()) == {3}


def test_love_language_labels_are_all_different(love_languages):
    labels = [o.label for item in love_languages.sections[0].items for o in item.options]
    assert len(labels) == 60
    assert len(set(labels)) == 60


def test_predict_partner_is_an_optional_ranking_of_the_five(love_languages):
    item = love_languages.item("predict_partner")
    assert item is not None and item.type == "ranking"
    assert item.required is False
    assert sorted(o.value for o in item.options) == sorted(LANGUAGES)


# --- House check-up -----------------------------------------------------------------------


@pytest.fixture
def checkup():
    definition = DEFINITIONS["house-checkup"]
    assert definition is not None
    return definition


def test_house_checkup_covers_every_layer(checkup):
    assert checkup.scorer == "house_checkup"
    assert "Gottman" in checkup.source
    assert len(checkup.sections) == len(HOUSE_LAYERS)
    by_layer = {layer: [] for layer in HOUSE_LAYERS}
    for item in checkup.items:
        assert item.type == "likert"
        by_layer[item.tags["layer"]].append(item)
    for layer, items in by_layer.items():
        assert 4 <= len(items) <= 6, layer
        assert any(item.reverse for item in items), layer


def test_house_checkup_uses_one_agreement_scale_from_0_to_4(checkup):
    for item in checkup.items:
        assert (item.scale.min, item.scale.max) == (0, 4)
        assert item.scale.anchors[0] == "Strongly disagree"
        assert item.scale.anchors[4] == "Strongly agree"
    assert all(item.scale == checkup.items[0].scale for item in checkup.items)


def test_house_checkup_sections_each_hold_one_layer(checkup):
    for section in checkup.sections:
        assert len({item.tags["layer"] for item in section.items}) == 1


# --- Language -----------------------------------------------------------------------------


def test_no_run_of_eight_words_is_copied_from_the_seed_articles():
    assert SEEDS.is_dir(), "shared/seeds must sit beside the project"
    grams = seed_ngrams()
    copied = {}
    for slug, definition in DEFINITIONS.items():
        assert definition is not None, slug
        for text in texts_of(definition):
            w = words(text)
            hits = [
                " ".join(w[i : i + 8]) for i in range(len(w) - 7) if tuple(w[i : i + 8]) in grams
            ]
            if hits:
                copied.setdefault(slug, []).extend(hits[:3])
    assert copied == {}


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_exercise_reads_at_about_grade_eight(slug):
    definition = DEFINITIONS[slug]
    assert definition is not None
    parts = [definition.intro] + [s.intro for s in definition.sections]
    parts += [item.prompt for item in definition.items]
    text = "\n".join(sentence(part) for part in parts if part.strip())
    # textstat 0.7.3 (later releases download a dictionary at run time).
    assert textstat.flesch_kincaid_grade(text) <= 10
