"""Scores turned into what a results page or PDF shows: charts (SVG drawn on the
server), words and suggestions. Plain values only; the same output serves pages and PDFs."""

from clinic.forms_engine.charts import house_profile_svg, love_language_chart
from clinic.forms_engine.scorers import LANGUAGE_NAMES, compare_prediction
from clinic.forms_engine.suggestions import (
    couple_homework,
    layer_label,
    love_language_suggestions,
)

PREDICTION_ITEM = "predict_partner"


def result_view(definition, response, name: str = "") -> dict | None:
    """What one partner's scored response shows; None for unscored exercises."""
    scores = response.scores if response is not None else None
    if not scores or not definition.scorer:
        return None
    if definition.scorer == "love_languages":
        primary, secondary = scores.get("primary"), scores.get("secondary")
        return {
            "kind": "love_languages",
            "chart": love_language_chart([(name or "Scores", scores["scores"])]),
            "scores": [(LANGUAGE_NAMES[k], v) for k, v in scores["scores"].items()],
            "primary": LANGUAGE_NAMES.get(primary),
            "secondary": LANGUAGE_NAMES.get(secondary),
            "ties": scores.get("ties"),
            "suggestions": love_language_suggestions(primary) if primary else [],
        }
    if definition.scorer == "house_checkup":
        from clinic.library.services import current_library

        library = current_library()
        weakest = []
        for layer in scores.get("weakest") or []:
            weakest.append(
                {
                    "label": layer_label(layer),
                    "score": scores["layers"].get(layer),
                    "handouts": [(h.slug, h.title) for h in library.search(layer=layer)],
                    "exercises": [
                        (d.slug, d.title) for d in library.ordered_exercises() if d.layer == layer
                    ],
                }
            )
        return {
            "kind": "house",
            "chart": house_profile_svg([(name or "Scores", scores["layers"])]),
            "layers": [(layer_label(k), v) for k, v in scores["layers"].items()],
            "weakest": weakest,
        }
    return {
        "kind": "sum",
        "total": scores.get("total"),
        "max": scores.get("max"),
        "band": scores.get("band"),
    }


def couple_result_view(definition, partners, submitted) -> dict | None:
    """Both partners' results together, when both have submitted a scored response."""
    pairs = [(p, submitted.get(p.id)) for p in partners]
    if len(pairs) != 2 or not all(r is not None and r.scores for _p, r in pairs):
        return None
    (a, ra), (b, rb) = pairs
    if definition.scorer == "love_languages":
        predictions = []
        for guesser, guess, actual_partner, actual in ((a, ra, b, rb), (b, rb, a, ra)):
            ranking = guess.answers.get(PREDICTION_ITEM)
            if ranking and any(ranking):
                comparison = compare_prediction(list(ranking), actual.scores.get("ranking", []))
                predictions.append(
                    {
                        "guesser": guesser.display_name,
                        "about": actual_partner.display_name,
                        "guessed_first": LANGUAGE_NAMES.get(ranking[0]),
                        "actual_first": LANGUAGE_NAMES.get(actual.scores.get("primary")),
                        "comparison": comparison,
                    }
                )
        return {
            "kind": "love_languages",
            "chart": love_language_chart(
                [(a.display_name, ra.scores["scores"]), (b.display_name, rb.scores["scores"])]
            ),
            "homework": couple_homework(ra.scores, rb.scores, a.display_name, b.display_name),
            "predictions": predictions,
        }
    if definition.scorer == "house_checkup":
        return {
            "kind": "house",
            "chart": house_profile_svg(
                [(a.display_name, ra.scores["layers"]), (b.display_name, rb.scores["layers"])]
            ),
        }
    return None
