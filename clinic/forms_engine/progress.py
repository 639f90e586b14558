"""A measure's totals over time (PHQ-9, GAD-7, WHO-5, CSI-4, ...), drawn as SVG on the server.

The same rules as ``clinic.forms_engine.charts``: fixed colours, nothing fetched (no
``url()``, no links, no images, no web fonts), every name escaped, ``role="img"`` with an
``aria-label``, a ``<title>`` and a ``<desc>`` giving the numbers in words, and
``progress_rows`` giving the same numbers as rows for a table beside the chart.

The x axis is a time axis: each point sits at its date, so the gaps between points show
the time between responses. The y axis runs from the measure's lowest to its highest
total. The definition's bands (``scoring.bands``) are light horizontal stripes labelled
at the right; its cut-offs (``scoring.cutoff``) are dashed horizontal lines.

Two people are told apart without colour: the first by a solid line and filled points
above which their values sit, the second by a dashed line and hollow points with their
values below; a legend names both. Only the first two series are drawn.
"""

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from clinic.forms_engine.charts import GRID, OUTLINE, PAPER, _clean, _esc, _num, _svg, _text
from clinic.forms_engine.definitions import Definition
from clinic.forms_engine.scorers import score_sum

Point = tuple[date, float | None]
Series = list[tuple[str, list[Point]]]

LINE = "#123e62"
BAND_FILLS = ("#eef3f8", "#dce7f1")
CUTOFF = "#4d4d4d"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

LEFT = 52  # y tick labels and the axis title
PLOT_W = 368
RIGHT = 180  # band labels
WIDTH = LEFT + PLOT_W + RIGHT
PLOT_H = 200
LEGEND_H = 34
BOTTOM = 36  # x tick labels
X_PAD = 18  # first and last points stay clear of the axes
CHAR_W = 5.6  # rough width of a character at font size 10
LINE_H = 11
DASH = "7 4"
CUTOFF_DASH = "3 3"
LIMIT = 1e9


# --- Input ------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _tidy(value: float) -> int | float:
    value = round(value, 2)
    return int(value) if float(value).is_integer() else value


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _series(series: Any) -> list[tuple[str, list[tuple[date, float]]]]:
    """At most two (name, points) pairs; points with a date and a finite total, by date."""
    result = []
    for entry in list(series or [])[:2]:
        try:
            name, points = entry
        except (TypeError, ValueError):
            continue
        kept = []
        for point in points or []:
            try:
                when, total = point
            except (TypeError, ValueError):
                continue
            day, number = _day(when), _number(total)
            if day is not None and number is not None:
                kept.append((day, number))
        kept.sort(key=lambda p: p[0])  # stable: same-day points keep their order
        result.append((name, kept))
    return result


def _names(people: list) -> list[str]:
    names = [_clean(name) for name, _ in people]
    if len(names) == 2:
        names = [name or f"Person {index + 1}" for index, name in enumerate(names)]
    return names


def _range(low: Any, high: Any) -> tuple[float, float]:
    """A usable axis: finite, low < high, within +-1e9 (no measure comes near)."""
    low_n, high_n = _number(low), _number(high)
    low_n = 0.0 if low_n is None else min(max(low_n, -LIMIT), LIMIT)
    high_n = low_n + 1 if high_n is None else min(max(high_n, -LIMIT), LIMIT)
    if high_n < low_n:
        low_n, high_n = high_n, low_n
    if high_n - low_n < 0.001:
        high_n = low_n + 1
    return low_n, high_n


def _mappings(value: Any) -> list[Mapping]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [entry for entry in value if isinstance(entry, Mapping)]
    return []


def _clean_bands(bands: Any) -> list[dict]:
    """``{min, max, label}`` with numeric bounds (min <= max), sorted from the bottom."""
    clean = []
    for entry in _mappings(bands):
        b_min, b_max = _number(entry.get("min")), _number(entry.get("max"))
        if b_min is not None and b_max is not None and b_min <= b_max:
            clean.append({"min": b_min, "max": b_max, "label": str(entry.get("label") or "")})
    return sorted(clean, key=lambda b: (b["min"], b["max"]))


def _bands(bands: Any, low: float, high: float) -> list[dict]:
    """Bands clipped to the axis, each drawn from ``lower`` to ``upper``: where bands
    meet on whole numbers (0-4, 5-9) the edge is drawn half-way (4.5)."""
    clean = _clean_bands(bands)
    for index, band in enumerate(clean):
        lower, upper = band["min"], band["max"]
        if index > 0 and 0 < lower - clean[index - 1]["max"] <= 1:
            lower = (lower + clean[index - 1]["max"]) / 2
        if index + 1 < len(clean) and 0 < clean[index + 1]["min"] - upper <= 1:
            upper = (upper + clean[index + 1]["min"]) / 2
        if lower == upper:  # a one-value band on its own
            lower, upper = lower - 0.5, upper + 0.5
        band["lower"], band["upper"] = max(lower, low), min(upper, high)
    return [band for band in clean if band["lower"] < band["upper"]]


def _cutoffs(cutoffs: Any, low: float = -math.inf, high: float = math.inf) -> list[dict]:
    """``{value, label}`` for each cut-off with a numeric value within low..high."""
    result = []
    for entry in _mappings(cutoffs):
        value = _number(entry.get("value"))
        if value is not None and low <= value <= high:
            result.append({"value": value, "label": str(entry.get("label") or "")})
    return result


# --- Labels -----------------------------------------------------------------------------


def day_label(day: date, year: bool = False) -> str:
    """``22 Nov`` (or ``22 Nov 2024``), the same in every locale."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _wrap(text: str, width: int, lines: int) -> list[str]:
    words, out = text.split(), [""]
    for word in words:
        candidate = f"{out[-1]} {word}".strip()
        if len(candidate) <= width or not out[-1]:
            out[-1] = candidate
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "\u2026"
    return [line if len(line) <= width else line[: width - 1] + "\u2026" for line in out]


def _nice_step(span: float) -> float:
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _y_ticks(low: float, high: float) -> list[float]:
    """low, high and the round numbers between them (at most six steps)."""
    step = _nice_step(high - low)
    ticks = [low, high]
    for index in range(math.ceil(low / step), math.floor(high / step) + 1):
        value = index * step
        if all(abs(value - t) >= 0.35 * step for t in ticks):
            ticks.append(value)
    return sorted(ticks)


# --- Public API -------------------------------------------------------------------------


def progress_rows(series: Series) -> list[dict]:
    """Rows for a table beside the chart, by date: ``[{date, date_label, person, total}]``.

    Missing totals are left out, as in the chart; only the first two series count.
    """
    people = _series(series)
    rows = [
        (
            day,
            index,
            {
                "date": day,
                "date_label": day_label(day, year=True),
                "person": _clean(name, 200),
                "total": _tidy(total),
            },
        )
        for index, (name, points) in enumerate(people)
        for day, total in points
    ]
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row for _, _, row in rows]


def measure_progress_svg(
    title: str,
    series: Series,
    *,
    low: float,
    high: float,
    bands: list[dict] = (),  # type: ignore[assignment]
    cutoffs: list[dict] = (),  # type: ignore[assignment]
) -> Markup:
    """A measure's totals over time for one or two people.

    ``series`` is ``[(name, [(date, total | None), ...])]``; a None total (an incomplete
    response) is skipped. ``low``..``high`` is the y axis (a total outside it is drawn at
    the edge and labelled with its real value). ``bands`` is ``[{min, max, label}]`` and
    ``cutoffs`` is ``[{value, label}]`` (or one mapping), as in a ``sum`` definition's
    ``scoring``. With no totals at all the axes are drawn with "No results yet".
    """
    low, high = _range(low, high)
    people = _series(series)
    names = _names(people)
    band_list = _bands(bands, low, high)
    cutoff_list = _cutoffs(cutoffs, low, high)
    days = sorted({day for _, points in people for day, _ in points})
    has_points = bool(days)
    legend = has_points and any(names)
    top = LEGEND_H if legend else 12
    bottom = top + PLOT_H
    left, right = LEFT, LEFT + PLOT_W
    height = bottom + BOTTOM
    span_days = (days[-1] - days[0]).days if days else 0
    multi_year = bool(days) and days[0].year != days[-1].year

    def y_of(value: float) -> float:
        value = min(max(value, low), high)
        return bottom - PLOT_H * (value - low) / (high - low)

    def x_of(day: date) -> float:
        if span_days == 0:
            return left + PLOT_W / 2
        inner = PLOT_W - 2 * X_PAD
        return left + X_PAD + inner * (day - days[0]).days / span_days

    body: list[str] = [
        f'<rect x="{left}" y="{top}" width="{PLOT_W}" height="{PLOT_H}" fill="{PAPER}"/>'
    ]

    # Bands, with their labels in the right margin.
    label_chars = int((RIGHT - 12) / CHAR_W)
    for index, band in enumerate(band_list):
        y1, y2 = y_of(band["upper"]), y_of(band["lower"])
        body.append(
            f'<rect class="band" x="{left}" y="{_num(y1)}" width="{PLOT_W}" '
            f'height="{_num(y2 - y1)}" fill="{BAND_FILLS[index % 2]}" '
            f'data-min="{_num(band["min"])}" data-max="{_num(band["max"])}"/>'
        )
        lines = _wrap(
            _clean(band["label"], 200), label_chars, max(1, min(3, int((y2 - y1) // LINE_H)))
        )
        first_y = (y1 + y2) / 2 + 4 - (len(lines) - 1) * LINE_H / 2
        for number, line in enumerate(lines):
            body.append(
                _text(
                    right + 8, first_y + number * LINE_H, _esc(line), size=10, anchor="start"
                ).replace("<text ", '<text class="band-label" ', 1)
            )

    # The y axis: grid lines and ticks.
    for tick in _y_ticks(low, high):
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{right}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="0.75"/>'
        )
        body.append(_text(left - 6, y + 4, _num(tick), size=11, anchor="end"))
    body.append(_text(14, top + PLOT_H / 2, "Total", size=11, rotate=True))

    # Cut-off lines, labelled inside the plot at the right.
    for cutoff in cutoff_list:
        y = y_of(cutoff["value"])
        body.append(
            f'<line class="cutoff" x1="{left}" y1="{_num(y)}" x2="{right}" y2="{_num(y)}" '
            f'stroke="{CUTOFF}" stroke-width="1.5" stroke-dasharray="{CUTOFF_DASH}" '
            f'data-value="{_num(cutoff["value"])}"/>'
        )
        words = cutoff["label"] or f"Cut-off {_num(cutoff['value'])}"
        label_y = y - 4 if y - 14 > top else y + 12
        body.append(
            _text(right - 4, label_y, _esc(_clean(words, 64)), size=10, anchor="end").replace(
                "<text ", '<text class="cutoff-label" ', 1
            )
        )

    # Axes.
    body.append(
        f'<path d="M{left} {top} V{bottom} H{right}" fill="none" stroke="{OUTLINE}" '
        f'stroke-width="1"/>'
    )

    # The x axis: first and last date (with the year) and a few evenly spaced ones between.
    if has_points:
        placed: list[tuple[float, float]] = []  # (x, half width)
        candidates = [days[0], days[-1]]
        if span_days >= 4:
            candidates += [
                date.fromordinal(days[0].toordinal() + round(span_days * k / 4)) for k in (1, 2, 3)
            ]
        for day in dict.fromkeys(candidates):
            text = day_label(day, year=multi_year or day in (days[0], days[-1]))
            x, half = x_of(day), len(text) * CHAR_W * 1.1 / 2
            if any(abs(x - other) < half + other_half + 8 for other, other_half in placed):
                continue
            placed.append((x, half))
            body.append(
                f'<line x1="{_num(x)}" y1="{bottom}" x2="{_num(x)}" y2="{bottom + 5}" '
                f'stroke="{OUTLINE}" stroke-width="1"/>'
            )
            body.append(_text(x, bottom + 18, _esc(text), size=11))
    else:
        body.append(
            _text(left + PLOT_W / 2, top + PLOT_H / 2 + 5, "No results yet", size=13, bold=True)
        )

    # Lines, points and their values.
    two = len(people) == 2
    for index, (_, points) in enumerate(people):
        shift = (-3 if index == 0 else 3) if two else 0
        coords = [(x_of(day) + shift, y_of(total)) for day, total in points]
        if len(coords) > 1:
            dash = f' stroke-dasharray="{DASH}"' if index else ""
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
            body.append(
                f'<polyline class="trend partner-{index + 1}" points="{path}" fill="none" '
                f'stroke="{LINE}" stroke-width="2"{dash}/>'
            )
        for (day, total), (x, y) in zip(points, coords, strict=True):
            body.append(
                _marker(
                    index,
                    x,
                    y,
                    f' class="point partner-{index + 1}" '
                    f'data-date="{day.isoformat()}" data-value="{_num(total)}"',
                )
            )
            above = index == 0
            label_y = y - 9 if above else y + 17
            if label_y < top + 2 or label_y > bottom - 2:
                label_y = y + 17 if above else y - 9
            body.append(
                _text(x, label_y, _num(total), size=11, bold=True).replace(
                    "<text ", f'<text class="value-label partner-{index + 1}" ', 1
                )
            )

    # Legend.
    if legend:
        for index, name in enumerate(names):
            x = left + index * (PLOT_W / 2)
            dash = f' stroke-dasharray="{DASH}"' if index else ""
            body.append(
                f'<line class="swatch partner-{index + 1}" x1="{_num(x)}" y1="14" '
                f'x2="{_num(x + 30)}" y2="14" stroke="{LINE}" stroke-width="2"{dash}/>'
            )
            body.append(_marker(index, x + 15, 14, f' class="swatch partner-{index + 1}"'))
            body.append(_text(x + 38, 18, _esc(name), anchor="start", bold=True))

    label = _clean(title, 200) or "Results over time"
    return _svg(
        WIDTH, height, label, _describe(people, names, low, high, band_list, cutoff_list), body
    )


def _marker(index: int, x: float, y: float, extra: str) -> str:
    """Person 1: a filled dot. Person 2: a hollow ring."""
    if index == 0:
        return f'<circle{extra} cx="{_num(x)}" cy="{_num(y)}" r="4.5" fill="{LINE}"/>'
    return (
        f'<circle{extra} cx="{_num(x)}" cy="{_num(y)}" r="4.5" fill="{PAPER}" '
        f'stroke="{LINE}" stroke-width="2"/>'
    )


def _describe(people, names, low, high, bands, cutoffs) -> str:
    parts = [f"Totals on a scale from {_num(low)} to {_num(high)}."]
    people_text = []
    for name, (_, points) in zip(names, people, strict=True):
        values = ", ".join(f"{_num(total)} on {day_label(day, year=True)}" for day, total in points)
        people_text.append((f"{name}: " if name else "") + (values or "no results"))
    if any(points for _, points in people):
        parts.append("; ".join(people_text) + ".")
    else:
        parts.append("No results yet.")
    if bands:
        parts.append(
            "Ranges: "
            + "; ".join(f"{_num(b['min'])} to {_num(b['max'])} {b['label']}" for b in bands)
            + "."
        )
    for cutoff in cutoffs:
        parts.append(f"Cut-off at {_num(cutoff['value'])}: {cutoff['label']}.".replace(": .", "."))
    return " ".join(parts)


def series_for(
    definition: Definition, responses_by_person: dict[str, list[tuple[date, dict]]]
) -> tuple[Series, float, float, list[dict], list[dict]]:
    """What ``measure_progress_svg`` needs for a ``sum`` definition.

    ``responses_by_person`` is ``{name: [(date, scores), ...]}`` with the stored result of
    the sum scorer (``{"total", "min", "max", ...}``; None when unscored). Returns
    ``(series, low, high, bands, cutoffs)``: the axis covers the definition's range, every
    stored result's range and every total; bands and cut-offs come from
    ``definition.scoring`` (``cutoff`` may be one mapping or a list).
    """
    lows: list[float] = []
    highs: list[float] = []
    if definition.scorer == "sum":
        empty = score_sum(definition, {})
        lows.append(_number(empty.get("min")) or 0.0)
        highs.append(_number(empty.get("max")) or 0.0)
    series: Series = []
    for name, entries in (responses_by_person or {}).items():
        points: list[Point] = []
        for when, scores in entries or []:
            day = _day(when)
            if day is None:
                continue
            scores = scores if isinstance(scores, Mapping) else {}
            total = _number(scores.get("total"))
            for bound, into in (("min", lows), ("max", highs)):
                number = _number(scores.get(bound))
                if number is not None:
                    into.append(number)
            if total is not None:
                lows.append(total)
                highs.append(total)
            points.append((day, None if total is None else _tidy(total)))
        series.append((name, points))
    low = min(lows, default=0.0)
    high = max(highs, default=1.0)
    if high <= low:
        high = low + 1
    scoring = definition.scoring if isinstance(definition.scoring, Mapping) else {}
    bands = [
        {"min": _tidy(b["min"]), "max": _tidy(b["max"]), "label": b["label"]}
        for b in _clean_bands(scoring.get("bands"))
    ]
    cutoffs = [
        {"value": _tidy(c["value"]), "label": c["label"]} for c in _cutoffs(scoring.get("cutoff"))
    ]
    return series, _tidy(low), _tidy(high), bands, cutoffs


__all__ = ["day_label", "measure_progress_svg", "progress_rows", "series_for"]
