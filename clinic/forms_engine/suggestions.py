"""Practical suggestions from love-language results, in plain words.

The five love languages (words of affirmation, quality time, receiving gifts, acts of
service, physical touch) were described by Gary Chapman in *The Five Love Languages*
(1992). The suggestions and homework here are the project's own words, not his, and the
discovery exercise they follow is not a validated measure: they are starting points for
a conversation with the therapist, not a verdict on the relationship.

Everything returned is plain text, including the partners' names; templates escape it
when they print it.
"""

from collections.abc import Mapping
from typing import Any

from clinic.forms_engine.scorers import LANGUAGE_NAMES, LANGUAGES
from clinic.library.content import LAYERS

_SUGGESTIONS = {
    "words": [
        "Tell them one specific thing you appreciate each day, and say why it mattered to you.",
        "Send a short message in the middle of the day about something you admire in them.",
        "Thank them out loud, in front of family or friends, for something they did.",
        "When you need to raise a problem, start with something kind: harsh words stay with "
        "this person for a long time.",
    ],
    "time": [
        "Give them 20 minutes of full attention each day, phone away, even if it is only a "
        "chat over tea.",
        "Plan a regular time together that you both protect, such as a weekly walk or a meal.",
        "When they talk, look at them and ask a follow-up question before you offer advice.",
        "Turn a chore into time together: cook, shop or garden side by side.",
    ],
    "gifts": [
        "Bring home something small that shows you thought of them, like a favourite snack "
        "or a book they mentioned.",
        "Keep a note of things they say they like, so a surprise can fit them well.",
        "Mark the days that matter to them with something chosen with care; the thought "
        "counts more than the price.",
        "Be there when it counts, such as turning up to an event that is important to them.",
    ],
    "service": [
        "Ask \u201cWhat is one thing I could take off your plate this week?\u201d and then do "
        "it without a reminder.",
        "Pick a chore they dislike and make it yours for the week.",
        "Do what you said you would do, when you said you would; follow-through counts more "
        "than big gestures.",
        "Make a busy morning easier: make their coffee, pack their bag, fill the car.",
    ],
    "touch": [
        "Hug or kiss when you say hello and goodbye, every time.",
        "Hold their hand or sit close when you are out or watching something together.",
        "When they are upset, ask if they would like a hug before you start talking.",
        "Talk about which kinds of touch they enjoy, and when; ask first and respect a no.",
    ],
}

# One concrete task for the week, done by the giver for the receiver.
_HOMEWORK = {
    "words": "{giver}, each day this week tell {receiver} one specific thing you appreciate "
    "about them, and say why it mattered to you.",
    "time": "{giver}, set aside three 20-minute times this week just for {receiver}, phones "
    "away, and let {receiver} choose what you do.",
    "gifts": "{giver}, bring {receiver} one small, thought-through surprise this week (it "
    "need not cost much) and say what made you think of them.",
    "service": "{giver}, ask {receiver} which two jobs would help them most this week, and "
    "do them without a reminder.",
    "touch": "{giver}, add a hug or a kiss every time you greet or say goodbye to {receiver} "
    "this week, and ask {receiver} what other touch they would like.",
}


def layer_label(layer: str) -> str:
    """The therapist-facing name of a relationship-house layer (the slug if unknown)."""
    return LAYERS.get(layer, str(layer)) if isinstance(layer, str) else str(layer)


def language_label(lang: str) -> str:
    """The full name of a love language (the value itself if unknown)."""
    return LANGUAGE_NAMES.get(lang, str(lang)) if isinstance(lang, str) else str(lang)


def love_language_suggestions(lang: str) -> list[str]:
    """Four things a partner can do for someone whose top language is ``lang``;
    an empty list for an unknown language."""
    return list(_SUGGESTIONS.get(lang, [])) if isinstance(lang, str) else []


def _scores(profile: Any) -> dict[str, float] | None:
    """Counts from a love_languages result (or a bare scores dict); None if nothing was
    answered."""
    if not isinstance(profile, Mapping):
        return None
    raw = profile.get("scores") if isinstance(profile.get("scores"), Mapping) else profile
    scores = {}
    for lang in LANGUAGES:
        value = raw.get(lang, 0)
        valid = isinstance(value, int | float) and not isinstance(value, bool)
        scores[lang] = float(value) if valid and value == value and value >= 0 else 0.0
    return scores if any(scores.values()) else None


def _ranked(scores: dict[str, float]) -> list[str]:
    return sorted(LANGUAGES, key=lambda lang: (-scores[lang], LANGUAGES.index(lang)))


def couple_homework(profile_a: dict, profile_b: dict, name_a: str, name_b: str) -> list[str]:
    """Homework for the week from two partners' love-language results.

    Each partner gets one concrete task in the other's top language. When that language
    is the one the giver chose least, a note says it may take planning, because people
    tend to show love in the way they like to receive it. Shared top languages and close
    results (ties) each get a sentence to talk about.
    """
    a, b = _scores(profile_a), _scores(profile_b)
    name_a, name_b = str(name_a or "Partner 1"), str(name_b or "Partner 2")
    missing = [name for name, scores in ((name_a, a), (name_b, b)) if scores is None]
    if missing or a is None or b is None:
        return [
            f"{name} has not finished the love-language exercise yet. Complete it before "
            "you compare results."
            for name in missing
        ]

    homework = []
    for receiver, receiver_scores, giver, giver_scores in (
        (name_a, a, name_b, b),
        (name_b, b, name_a, a),
    ):
        top = _ranked(receiver_scores)[0]
        homework.append(_HOMEWORK[top].format(giver=giver, receiver=receiver))
        if giver_scores[top] == min(giver_scores.values()):
            homework.append(
                f"{language_label(top)} is what {giver} chose least for themselves, so it may "
                f"not come naturally. {giver}, plan it ahead (put it in your calendar) and tell "
                f"{receiver} you are practising; {receiver}, say when it lands."
            )

    top_a, top_b = _ranked(a)[0], _ranked(b)[0]
    if top_a == top_b:
        homework.append(
            f"You share the same top language, {language_label(top_a).lower()}. Check that "
            "you both keep giving it, not only waiting to receive it."
        )
    for name, scores in ((name_a, a), (name_b, b)):
        ranked = _ranked(scores)
        close = [lang for lang in ranked if scores[lang] == scores[ranked[0]]]
        if len(close) > 1:
            labels = " and ".join(language_label(lang).lower() for lang in close)
            homework.append(
                f"{name}'s results were level between {labels}. Talk together about which "
                "feels more true, for example by recalling a time each one made you feel loved."
            )
    homework.append(
        "At the end of the week, tell each other about one moment when you felt loved, and "
        "one thing you would like more of."
    )
    return homework
