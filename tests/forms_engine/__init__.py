"""Builders for form-engine tests: definitions made straight from the dataclasses, so the
scorer and chart tests do not depend on the YAML files under handouts/exercises/."""

from itertools import combinations

from clinic.forms_engine.definitions import Definition, Item, Option, Scale, Section
from clinic.forms_engine.scorers import LANGUAGES


def definition(*items: Item, scorer=None, scoring=None, kind="exercise") -> Definition:
    return Definition(
        kind=kind,
        slug="test-definition",
        title="Test definition",
        summary="Built in a test.",
        layer="foundations",
        version=1,
        sections=(Section("main", "Main", "", tuple(items)),),
        scorer=scorer,
        scoring=scoring if scoring is not None else {},
    )


def scale(low=0, high=4) -> Scale:
    return Scale(low, high, {low: "Low", high: "High"})


def likert(item_id, low=0, high=4, reverse=False, layer=None) -> Item:
    return Item(
        id=item_id,
        type="likert",
        prompt=f"Prompt {item_id}",
        scale=scale(low, high),
        reverse=reverse,
        tags={"layer": layer} if layer else {},
    )


def choice(item_id, values, reverse=False) -> Item:
    return Item(
        id=item_id,
        type="single_choice",
        prompt=f"Prompt {item_id}",
        options=tuple(Option(str(v), f"Option {v}") for v in values),
        reverse=reverse,
    )


def pair(item_id, first, second) -> Item:
    return Item(
        id=item_id,
        type="forced_choice",
        prompt="Which would mean more to you?",
        options=(Option(first, f"A {first} moment"), Option(second, f"A {second} moment")),
    )


def text_item(item_id) -> Item:
    return Item(id=item_id, type="short_text", prompt="Tell us")


def thirty_pairs() -> list[Item]:
    """The discovery design: each of the 10 language pairs three times, so each language
    appears in 12 of the 30 items. Ids are p01..p30 in a fixed order."""
    items = []
    for repeat in range(3):
        for first, second in combinations(LANGUAGES, 2):
            if repeat == 1:
                first, second = second, first
            items.append(pair(f"p{len(items) + 1:02d}", first, second))
    return items
