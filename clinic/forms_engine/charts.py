"""Charts of scorer results, drawn as SVG on the server.

WeasyPrint runs no JavaScript, so the page and the PDF embed the same SVG string. The
charts use fixed colours, fetch nothing (no ``url()``, no links, no images, no web
fonts), and escape every name they print. Each chart carries ``role="img"``, an
``aria-label``, a ``<title>`` and a ``<desc>`` with the numbers in words; the ``*_rows``
functions give the same numbers as plain rows for a table next to the chart.

Partners are told apart by shade and pattern (solid dark against light with diagonal
hatching), never by colour alone, so the charts survive greyscale printing.
"""

import math
import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from clinic.forms_engine.scorers import HOUSE_LAYERS, LANGUAGE_NAMES, LANGUAGES
from clinic.library import house
from clinic.library.content import LAYERS

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
INK = "#000000"
PAPER = "#ffffff"
GRID = "#c8c8c8"
DARK = (18, 62, 98)  # strongest shade, also partner 1's bars
LIGHT = (236, 244, 250)  # weakest shade
PARTNER_FILLS = ("#123e62", "#b9d3ea")
NOT_ANSWERED_FILL = "#eeeeee"
NOT_ANSWERED_LINES = "#a6a6a6"
ROOF_FILL = "#e6dfd2"
OUTLINE = "#4d4d4d"

# Characters XML 1.0 refuses even when escaped; a name typed with them would break the SVG.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_NAME = 28


# --- Text and numbers -------------------------------------------------------------------


def _clean(text: Any, limit: int = MAX_NAME) -> str:
    text = _NOT_XML.sub("", " ".join(str(text if text is not None else "").split()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _esc(text: Any, limit: int = 10_000) -> str:
    """Escaped text for SVG; braces become character references too, so a name like
    ``{{7*7}}`` stays inert even if the SVG ever passed through a template engine."""
    return str(escape(_clean(text, limit))).replace("{", "&#123;").replace("}", "&#125;")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _score(value: Any, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    return min(max(float(value), 0.0), high)


def _profiles(profiles: Any, key: str) -> list[tuple[str, Mapping]]:
    """At most two (name, mapping) pairs; a full scorer result or just its ``key`` part."""
    result = []
    for entry in list(profiles or [])[:2]:
        try:
            name, data = entry
        except (TypeError, ValueError):
            continue
        if isinstance(data, Mapping) and isinstance(data.get(key), Mapping):
            data = data[key]
        result.append((_clean(name), data if isinstance(data, Mapping) else {}))
    return result


def _svg(width: float, height: float, label: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" role="img" '
        f'aria-label="{_esc(label)}" font-family="{FONT}">'
        f"<title>{_esc(label)}</title><desc>{_esc(desc)}</desc>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  (every text passes _esc)


def _text(x, y, content, size=12, anchor="middle", fill=INK, bold=False, rotate=False):
    extra = ' font-weight="bold"' if bold else ""
    if rotate:
        extra += f' transform="rotate(-90 {_num(x)} {_num(y)})"'
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}"{extra}>{content}</text>'
    )


def _hatch(x: float, y: float, w: float, h: float, colour: str, step: float = 6) -> str:
    """Diagonal lines clipped by hand to the rectangle (a <pattern> would need url())."""
    lines = []
    k = step
    while k < w + h:
        x1, y1 = x + max(0.0, k - h), y + min(h, k)
        x2, y2 = x + min(w, k), y + max(0.0, k - w)
        lines.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        k += step
    return "".join(lines)


def _rect(x, y, w, h, fill, stroke="none", extra=""):
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
        f'fill="{fill}" stroke="{stroke}"{extra}/>'
    )


def _bar(index: int, x: float, y: float, w: float, h: float, css: str = "bar") -> str:
    """Partner 1: solid dark. Partner 2: light, hatched and outlined."""
    extra = f' class="{css} partner-{index + 1}"'
    if index == 0:
        return _rect(x, y, w, h, PARTNER_FILLS[0], extra=extra)
    if w <= 0:
        return _rect(x, y, 0, h, PARTNER_FILLS[1], extra=extra)
    return _rect(x, y, w, h, PARTNER_FILLS[1], stroke=PARTNER_FILLS[0], extra=extra) + _hatch(
        x, y, w, h, PARTNER_FILLS[0]
    )


# --- Colour and contrast ----------------------------------------------------------------


def shade(score: float) -> str:
    """The fill for a 0..100 score: pale for low, dark for high."""
    t = min(max(score, 0), 100) / 100
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(LIGHT, DARK, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours."""
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on the background (always at least 4.5:1)."""
    return INK if contrast(INK, background) >= contrast(PAPER, background) else PAPER


# --- Love languages ---------------------------------------------------------------------

LL_LABEL_X = 168
LL_PLOT_W = 320
LL_WIDTH = LL_LABEL_X + LL_PLOT_W + 40
LL_LEGEND_H = 30
LL_AXIS_H = 34


def _axis_max(values: list[float]) -> int:
    highest = max(values, default=0)
    return 12 if highest <= 12 else int(math.ceil(highest / 4) * 4)


def _count(value: Any) -> int | float:
    number = _score(value, math.inf) or 0.0
    return int(number) if number.is_integer() else round(number, 2)


def love_language_rows(profiles: list[tuple[str, dict]]) -> list[dict]:
    """Rows for a table beside the chart: ``[{language, label, scores: [n, ...]}]``."""
    people = _profiles(profiles, "scores")
    return [
        {
            "language": lang,
            "label": LANGUAGE_NAMES[lang],
            "scores": [_count(scores.get(lang)) for _, scores in people],
        }
        for lang in LANGUAGES
    ]


def love_language_chart(profiles: list[tuple[str, dict]]) -> Markup:
    """Horizontal bars for the five love languages, for one or two people.

    ``profiles`` is ``[(name, scores)]``, where scores is ``{language: count}`` or a whole
    ``love_languages`` result. The axis runs 0..12 (the 30-pair exercise) and stretches
    in steps of four if a count is higher. Only the first two profiles are drawn.
    """
    people = _profiles(profiles, "scores")
    values = [[_score(s.get(lang), math.inf) or 0.0 for lang in LANGUAGES] for _, s in people]
    top = _axis_max([v for row in values for v in row])
    two = len(people) == 2
    bar_h, row_h = (15, 44) if two else (20, 32)
    plot_top = LL_LEGEND_H if people else 8
    height = plot_top + row_h * len(LANGUAGES) + LL_AXIS_H
    body: list[str] = []

    for index, (name, _) in enumerate(people):
        x = LL_LABEL_X + index * (LL_PLOT_W / 2)
        body.append(_bar(index, x, 6, 26, 14, css="swatch"))
        body.append(_text(x + 32, 18, _esc(name), anchor="start", bold=True))

    plot_bottom = plot_top + row_h * len(LANGUAGES)
    for tick in range(5):
        value = top * tick / 4
        x = LL_LABEL_X + LL_PLOT_W * tick / 4
        body.append(
            f'<line x1="{_num(x)}" y1="{plot_top}" x2="{_num(x)}" y2="{plot_bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(x, plot_bottom + 16, _num(value), size=11))
    body.append(_text(LL_LABEL_X + LL_PLOT_W / 2, plot_bottom + 30, "Times chosen", size=11))

    for row, lang in enumerate(LANGUAGES):
        y = plot_top + row * row_h
        body.append(
            _text(LL_LABEL_X - 8, y + row_h / 2 + 4, _esc(LANGUAGE_NAMES[lang]), anchor="end")
        )
        for index, person_values in enumerate(values):
            value = person_values[row]
            width = value / top * LL_PLOT_W
            bar_y = y + (row_h - bar_h * len(people) - 2 * (len(people) - 1)) / 2
            bar_y += index * (bar_h + 2)
            body.append(_bar(index, LL_LABEL_X, bar_y, width, bar_h))
            body.append(
                _text(
                    LL_LABEL_X + width + 5,
                    bar_y + bar_h / 2 + 4,
                    _num(value),
                    size=11,
                    anchor="start",
                )
            )

    names = " and ".join(name for name, _ in people)
    label = "Love-language discovery results" + (f" for {names}" if names else "")
    desc = (
        "; ".join(
            f"{name}: "
            + ", ".join(
                f"{LANGUAGE_NAMES[lang]} {_num(v)}"
                for lang, v in zip(LANGUAGES, row_values, strict=True)
            )
            for (name, _), row_values in zip(people, values, strict=True)
        )
        or "No answers yet."
    )
    return _svg(LL_WIDTH, height, label, desc + f" (out of {top}).", body)


# --- Relationship house -----------------------------------------------------------------

HOUSE_GAP = 40
LEGEND_H = 52
_NO_LINK = ""


def house_profile_rows(profiles: list[tuple[str, dict]]) -> list[dict]:
    """Rows for a table beside the house: ``[{layer, label, scores: [0..100 | None]}]``."""
    people = _profiles(profiles, "layers")
    return [
        {
            "layer": layer,
            "label": LAYERS[layer],
            "scores": [_house_score(layers.get(layer)) for _, layers in people],
        }
        for layer in HOUSE_LAYERS
    ]


def _house_score(value: Any) -> int | None:
    score = _score(value, 100)
    return None if score is None else round(score)


def _house_part(part: dict, score: int | None, dx: float) -> str:
    x, y, w, h = part["x"] + dx, part["y"], part["w"], part["h"]
    cx, cy = part["cx"] + dx, part["cy"]
    layer = part["layer"]
    if score is None:
        fill, words = NOT_ANSWERED_FILL, "Not answered"
        out = [_rect(x, y, w, h, fill, OUTLINE, f' class="part not-answered" data-layer="{layer}"')]
        out.append(_hatch(x, y, w, h, NOT_ANSWERED_LINES, step=8))
    else:
        fill, words = shade(score), f"{score} of 100"
        out = [
            _rect(
                x,
                y,
                w,
                h,
                fill,
                OUTLINE,
                f' class="part" data-layer="{layer}" data-score="{score}"',
            )
        ]
    ink = text_colour(fill)
    label = _esc(part["label"])
    if part["vertical"]:
        out.append(_text(cx + 4 - 8, cy, label, rotate=True, fill=ink))
        out.append(_text(cx + 4 + 9, cy, words, size=11, rotate=True, fill=ink, bold=True))
    else:
        out.append(_text(cx, cy - 3, label, fill=ink))
        out.append(_text(cx, cy + 13, words, size=11, fill=ink, bold=True))
    return "".join(out)


def _legend(y: float) -> list[str]:
    body = [_text(0, y + 12, "Score", size=11, anchor="start", bold=True)]
    x = 42.0
    for value in (0, 25, 50, 75, 100):
        body.append(_rect(x, y, 30, 16, shade(value), OUTLINE))
        body.append(_text(x + 15, y + 30, str(value), size=11))
        x += 36
    x += 6
    body.append(_rect(x, y, 30, 16, NOT_ANSWERED_FILL, OUTLINE))
    body.append(_hatch(x, y, 30, 16, NOT_ANSWERED_LINES, step=8))
    body.append(_text(x + 36, y + 12, "Not answered", size=11, anchor="start"))
    return body


def house_profile_svg(profiles: list[tuple[str, dict]]) -> Markup:
    """The relationship house for one or two people, side by side, each part shaded by
    its 0..100 check-up score (darker is stronger; hatched grey is not answered).

    ``profiles`` is ``[(name, layers)]`` with layers ``{layer: score | None}`` or a whole
    ``house_checkup`` result. The name sits in the roof; each floor and wall carries its
    label and score. Geometry is the library's house map (clinic.library.house).
    """
    people = _profiles(profiles, "layers") or [("", {})]
    geometry = house.house_map({}, lambda _layer: _NO_LINK)
    width = geometry["width"] * len(people) + HOUSE_GAP * (len(people) - 1)
    height = geometry["height"] + LEGEND_H
    body: list[str] = []
    for index, (name, layers) in enumerate(people):
        dx = index * (geometry["width"] + HOUSE_GAP)
        roof = " ".join(
            f"{_num(float(px) + dx)},{py}"
            for px, py in (point.split(",") for point in geometry["roof"].split())
        )
        body.append(f'<polygon points="{roof}" fill="{ROOF_FILL}" stroke="{OUTLINE}"/>')
        if name:
            body.append(
                _text(
                    dx + geometry["width"] / 2,
                    house.ROOF_HEIGHT - 16,
                    _esc(name),
                    size=13,
                    bold=True,
                )
            )
        for part in geometry["walls"] + geometry["floors"]:
            body.append(_house_part(part, _house_score(layers.get(part["layer"])), dx))
    body.extend(_legend(geometry["height"] + 8))

    names = " and ".join(name for name, _ in people if name)
    label = "Relationship house check-up" + (f" for {names}" if names else "")
    desc = "; ".join(
        (f"{name}: " if name else "")
        + ", ".join(
            f"{LAYERS[layer]} "
            + (
                "not answered"
                if _house_score(layers.get(layer)) is None
                else f"{_house_score(layers.get(layer))} of 100"
            )
            for layer in HOUSE_LAYERS
        )
        for name, layers in people
    )
    return _svg(width, height, label, desc + ".", body)
