"""Named scorers. A scorer takes a Definition and the answers dict and returns plain,
JSON-serialisable values; ``SCORERS`` is the registry definitions name in ``scorer:``.

When a definition cites a published scoring rule (``scoring_reference``), the scorer
follows that rule as written: item ranges, reverse-keyed items, multipliers, bands and
cut-offs come from the definition's ``scoring`` options, and nothing is prorated or
imputed. The results support a clinician's judgement; the app never diagnoses, and a
band or flag is a prompt to look closer, not a conclusion.

Scorers never raise on what a client sent: unanswered items, values of the wrong type,
values outside the scale and unknown option values are all left out of the score.
"""

import math
from collections.abc import Callable, Mapping
from typing import Any

from clinic.forms_engine.definitions import Definition, Item
from clinic.library.content import HOUSE_FLOORS, HOUSE_WALLS

# The five love languages (after Gary Chapman), in the fixed order that breaks ties.
LANGUAGES = ("words", "time", "gifts", "service", "touch")
LANGUAGE_NAMES = {
    "words": "Words of affirmation",
    "time": "Quality time",
    "gifts": "Receiving gifts",
    "service": "Acts of service",
    "touch": "Physical touch",
}
# The nine parts of the relationship house, floors from the ground up, then the walls.
HOUSE_LAYERS = tuple(HOUSE_FLOORS) + tuple(HOUSE_WALLS)

_MAX_NUMBER_TEXT = 12


def _answers(answers: Any) -> Mapping:
    return answers if isinstance(answers, Mapping) else {}


def _as_int(value: Any) -> int | None:
    """A whole number from an answer or an option value; anything else gives None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if 0 < len(text) <= _MAX_NUMBER_TEXT and digits.isascii() and digits.isdigit():
            return int(text)
    return None


def _chosen_option(item: Item, value: Any) -> str | None:
    """The option value a client chose, if it is one of the item's options."""
    if not isinstance(value, str):
        return None
    return value if any(option.value == value for option in item.options) else None


# --- Love languages ---------------------------------------------------------------------


def _is_language_pair(item: Item) -> bool:
    return (
        item.type == "forced_choice"
        and bool(item.options)
        and all(option.value in LANGUAGES for option in item.options)
    )


def score_love_languages(definition: Definition, answers: dict) -> dict:
    """Count how often each language was chosen across the forced-choice pairs.

    With the 30-pair discovery exercise each language appears in 12 pairs, so each count
    is 0..12. ``ranking`` sorts by count, ties broken by the fixed order of ``LANGUAGES``;
    ``ties`` is true when the primary or secondary language was decided by that order
    rather than by the counts. ``secondary`` is None when nothing else was chosen.
    """
    answers = _answers(answers)
    pairs = [item for item in definition.items if _is_language_pair(item)]
    scores = dict.fromkeys(LANGUAGES, 0)
    answered = 0
    for item in pairs:
        chosen = _chosen_option(item, answers.get(item.id))
        if chosen is not None:
            scores[chosen] += 1
            answered += 1
    ranking = sorted(LANGUAGES, key=lambda lang: (-scores[lang], LANGUAGES.index(lang)))
    primary = ranking[0] if answered else None
    secondary = ranking[1] if answered and scores[ranking[1]] > 0 else None
    ties = bool(answered) and (
        scores[ranking[0]] == scores[ranking[1]]
        or (secondary is not None and scores[ranking[1]] == scores[ranking[2]])
    )
    return {
        "scores": scores,
        "answered": answered,
        "total_items": len(pairs),
        "complete": bool(pairs) and answered == len(pairs),
        "primary": primary,
        "secondary": secondary,
        "ranking": ranking,
        "ties": ties,
    }


def _clean_ranking(ranking: Any) -> list[str]:
    """Known languages in the order given, each once."""
    if not isinstance(ranking, list | tuple):
        return []
    seen: list[str] = []
    for lang in ranking:
        if isinstance(lang, str) and lang in LANGUAGES and lang not in seen:
            seen.append(lang)
    return seen


def _completed(ranking: list[str]) -> list[str]:
    return ranking + [lang for lang in LANGUAGES if lang not in ranking]


def compare_prediction(predicted_ranking: list[str], actual_ranking: list[str]) -> dict:
    """How well one partner predicted the other's ranking of the five languages.

    Positions are 1-based. A ranking that leaves languages out is completed in the fixed
    order of ``LANGUAGES``. ``agreement`` is 1 minus the normalised Spearman footrule
    distance (the sum of position differences over its maximum, 12 for five items):
    1.0 is the same order, 0.0 the reverse; None when either ranking names no language.
    """
    predicted_given = _clean_ranking(predicted_ranking)
    actual_given = _clean_ranking(actual_ranking)
    predicted, actual = _completed(predicted_given), _completed(actual_given)
    positions = {
        lang: {"predicted": predicted.index(lang) + 1, "actual": actual.index(lang) + 1}
        for lang in LANGUAGES
    }
    if predicted_given and actual_given:
        distance = sum(abs(p["predicted"] - p["actual"]) for p in positions.values())
        max_distance = len(LANGUAGES) ** 2 // 2
        agreement = round(1 - distance / max_distance, 2)
    else:
        agreement = None
    return {
        "matches_first": bool(predicted_given and actual_given)
        and predicted_given[0] == actual_given[0],
        "positions": positions,
        "same_place": [
            lang for lang in LANGUAGES if positions[lang]["predicted"] == positions[lang]["actual"]
        ]
        if agreement is not None
        else [],
        "agreement": agreement,
    }


# --- Relationship-house check-up --------------------------------------------------------


def _likert_value(item: Item, value: Any) -> int | None:
    """The item's score after reverse keying, or None if not a point on its scale."""
    scale = item.scale
    number = _as_int(value)
    if scale is None or number is None or not scale.min <= number <= scale.max:
        return None
    return scale.max + scale.min - number if item.reverse else number


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def score_house_checkup(definition: Definition, answers: dict) -> dict:
    """Score each part of the relationship house 0..100 from Likert items tagged
    ``tags: {layer: <layer>}``: every item is rescaled from its own scale to 0..100
    (reverse-keyed items flipped first), the layer score is their mean, rounded half up.
    A layer without answers is None. ``weakest`` names the two lowest-scored layers,
    ties broken by house order (floors from the ground up, then trust, commitment).
    """
    answers = _answers(answers)
    rescaled: dict[str, list[float]] = {layer: [] for layer in HOUSE_LAYERS}
    total_items = answered = 0
    for item in definition.items:
        layer = item.tags.get("layer") if isinstance(item.tags, Mapping) else None
        if item.type != "likert" or item.scale is None or layer not in rescaled:
            continue
        total_items += 1
        value = _likert_value(item, answers.get(item.id))
        if value is None:
            continue
        answered += 1
        scale = item.scale
        rescaled[layer].append((value - scale.min) * 100 / (scale.max - scale.min))
    layers = {
        layer: _round_half_up(sum(values) / len(values)) if values else None
        for layer, values in rescaled.items()
    }
    scored = [layer for layer in HOUSE_LAYERS if layers[layer] is not None]
    weakest = sorted(scored, key=lambda layer: (layers[layer], HOUSE_LAYERS.index(layer)))[:2]
    return {
        "layers": layers,
        "weakest": weakest,
        "answered": answered,
        "total_items": total_items,
        "complete": total_items > 0 and answered == total_items,
    }


# --- Summed questionnaires --------------------------------------------------------------


def _choice_numbers(item: Item) -> list[int] | None:
    numbers = [_as_int(option.value) for option in item.options]
    if not numbers or any(n is None for n in numbers):
        return None
    return numbers  # type: ignore[return-value]


def _item_range(item: Item) -> tuple[int, int] | None:
    """(lowest, highest) score an item can give, or None if it cannot be summed."""
    if item.type == "likert" and item.scale is not None:
        return item.scale.min, item.scale.max
    if item.type == "single_choice":
        numbers = _choice_numbers(item)
        if numbers:
            return min(numbers), max(numbers)
    return None


def _item_score(item: Item, value: Any) -> tuple[int, int] | None:
    """(answer as given, score after reverse keying) or None when not a valid answer."""
    if item.type == "likert":
        scored = _likert_value(item, value)
        return None if scored is None else (_as_int(value), scored)  # type: ignore[return-value]
    bounds = _item_range(item)
    chosen = _chosen_option(item, value)
    if bounds is None or chosen is None:
        return None
    number = _as_int(chosen)
    if number is None:
        return None
    low, high = bounds
    return number, (high + low - number if item.reverse else number)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _tidy(number: float) -> int | float:
    number = round(number, 2)
    return int(number) if float(number).is_integer() else number


def _scored_items(definition: Definition) -> list[tuple[str, Item | None]]:
    chosen = definition.scoring.get("items") if isinstance(definition.scoring, Mapping) else None
    if isinstance(chosen, list | tuple):
        ids = list(dict.fromkeys(str(item_id) for item_id in chosen))
        return [(item_id, definition.item(item_id)) for item_id in ids]
    return [(item.id, item) for item in definition.items if _item_range(item) is not None]


def _mappings(value: Any) -> list[Mapping]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [entry for entry in value if isinstance(entry, Mapping)]
    return []


def score_sum(definition: Definition, answers: dict) -> dict:
    """Sum the scored items of a questionnaire, as its published rule says.

    ``scoring`` options (all optional):

    - ``items``: ids of the scored items; default every Likert item and every
      single-choice item whose option values are all whole numbers.
    - ``multiplier``: applied to the raw sum (4 for WHO-5 gives 0..100); default 1.
    - ``bands``: ``[{min, max, label}]``, inclusive bounds on the final total.
    - ``cutoff``: ``{value, label, direction}`` (or a list of them); direction
      ``at_or_above`` (default) or ``below``; a reached cut-off adds its label to ``flags``.
    - ``item_flags``: ``[{item, at_least, label}]``; an answer (as given, before reverse
      keying) at or above ``at_least`` adds the label to ``flags``, even when the total is
      missing, so a single item that needs attention is never hidden.

    Reverse-keyed items (``reverse: true``) score max + min - answer. Nothing is
    prorated: one missing scored item makes ``total`` None (``raw_total`` then sums the
    items that were answered).
    """
    answers = _answers(answers)
    scoring = definition.scoring if isinstance(definition.scoring, Mapping) else {}
    multiplier = scoring.get("multiplier", 1)
    if not _is_number(multiplier) or multiplier <= 0:
        multiplier = 1

    raw_total = 0
    low_total = high_total = 0
    given: dict[str, int] = {}
    missing: list[str] = []
    for item_id, item in _scored_items(definition):
        bounds = _item_range(item) if item is not None else None
        if item is None or bounds is None:
            missing.append(item_id)
            continue
        low_total += bounds[0]
        high_total += bounds[1]
        result = _item_score(item, answers.get(item.id))
        if result is None:
            missing.append(item_id)
            continue
        given[item_id], scored = result
        raw_total += scored

    total = None if missing else _tidy(raw_total * multiplier)
    band = None
    flags: list[str] = []
    if total is not None:
        for entry in _mappings(scoring.get("bands")):
            low, high = entry.get("min"), entry.get("max")
            if _is_number(low) and _is_number(high) and low <= total <= high:
                band = str(entry.get("label", ""))
                break
        for entry in _mappings(scoring.get("cutoff")):
            value = entry.get("value")
            if not _is_number(value):
                continue
            below = entry.get("direction") == "below"
            if (total < value) if below else (total >= value):
                flags.append(str(entry.get("label", "")))
    for entry in _mappings(scoring.get("item_flags")):
        answer, at_least = given.get(str(entry.get("item"))), entry.get("at_least")
        if answer is not None and _is_number(at_least) and answer >= at_least:
            flags.append(str(entry.get("label", "")))

    return {
        "total": total,
        "raw_total": raw_total,
        "min": _tidy(low_total * multiplier),
        "max": _tidy(high_total * multiplier),
        "band": band,
        "answered": len(given),
        "missing": missing,
        "flags": flags,
    }


def check_scoring(definition: Definition) -> list[str]:
    """Problems with a ``sum`` definition's scoring options, for content checks.

    Returns plain sentences (empty when all is well); the scorers themselves never raise.
    """
    if definition.scorer != "sum":
        return []
    problems = []
    scoring = definition.scoring if isinstance(definition.scoring, Mapping) else {}
    for item_id, item in _scored_items(definition):
        if item is None:
            problems.append(f"scoring.items: no item '{item_id}'")
        elif _item_range(item) is None:
            problems.append(f"scoring.items: '{item_id}' is not a numeric item")
    if not _scored_items(definition):
        problems.append("scoring.items: no item can be summed")
    multiplier = scoring.get("multiplier", 1)
    if not _is_number(multiplier) or multiplier <= 0:
        problems.append("scoring.multiplier: must be a positive number")
    for index, entry in enumerate(_mappings(scoring.get("bands"))):
        if not (_is_number(entry.get("min")) and _is_number(entry.get("max"))):
            problems.append(f"scoring.bands[{index}]: needs numeric min and max")
        if not isinstance(entry.get("label"), str):
            problems.append(f"scoring.bands[{index}]: needs a label")
    for entry in _mappings(scoring.get("cutoff")):
        if not _is_number(entry.get("value")):
            problems.append("scoring.cutoff: needs a numeric value")
        if entry.get("direction", "at_or_above") not in ("below", "at_or_above"):
            problems.append("scoring.cutoff: direction must be below or at_or_above")
    return problems


SCORERS: dict[str, Callable[[Definition, dict], dict]] = {
    "love_languages": score_love_languages,
    "house_checkup": score_house_checkup,
    "sum": score_sum,
}


def score_response(definition: Definition, answers: dict) -> dict | None:
    """The named scorer's result for these answers, or None when the definition has none."""
    scorer = SCORERS.get(definition.scorer or "")
    return scorer(definition, answers) if scorer else None


__all__ = [
    "HOUSE_LAYERS",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "SCORERS",
    "check_scoring",
    "compare_prediction",
    "score_house_checkup",
    "score_love_languages",
    "score_response",
    "score_sum",
]
