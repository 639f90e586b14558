"""Exercise and questionnaire definitions: YAML files under ``handouts/exercises/``, read
by one form engine. Every file is validated at start-up; a problem names the file and
the field (``sections[1].items[3].options``).

A definition::

    kind: exercise                 # or questionnaire
    slug: love-map-questions       # = file name without .yaml
    title: Love map questions
    summary: One or two sentences.
    layer: love-maps               # one of clinic.library.content.LAYERS
    version: 1
    scorer: love_languages         # optional: a name from clinic.forms_engine.scorers
    scoring: {}                    # optional: options for the scorer
    source: "Our own items."       # where the items come from
    licence: "..."                 # questionnaires: licence / terms of use
    scoring_reference: "..."       # questionnaires: the paper the scoring follows
    notice: "..."                  # optional, shown above the form (e.g. "not a validated measure")
    intro: "Markdown"              # optional
    scales:                        # optional, named Likert scales items can refer to
      agree5: {min: 0, max: 4, anchors: {0: Strongly disagree, 4: Strongly agree}}
    sections:                      # one page each
      - id: about                  # unique in the file
        title: About you
        intro: "Markdown"          # optional
        items:
          - id: q1                 # unique in the file; [a-z0-9_]+
            type: short_text       # see ITEM_TYPES
            prompt: "The question"
            help: "Optional hint"
            required: true         # default true
            # per type:
            #   short_text / long_text: max_length (default 500 / 5000)
            #   single_choice / multiple_choice / ranking: options: [{value, label}]
            #   likert: scale: agree5 | {min, max, anchors}; reverse: true|false
            #   forced_choice: options: exactly two [{value, label}]
            #   repeating_list: min_rows (default 1), max_rows (default 10), max_length
            #   date: (none)
            # any type: tags: {layer: trust}  (scorers read tags)

Answers are stored as JSON, one value per item id: text -> str; single_choice and
forced_choice -> option value; multiple_choice, ranking, repeating_list -> list of str;
likert -> int; date -> "YYYY-MM-DD". A missing or empty answer is absent from the dict.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clinic.library.content import LAYERS, Problem

ITEM_TYPES = (
    "short_text",
    "long_text",
    "single_choice",
    "multiple_choice",
    "likert",
    "forced_choice",
    "repeating_list",
    "date",
    "ranking",
)
KINDS = ("exercise", "questionnaire")
IDENT = re.compile(r"^[a-z0-9_]+$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_FIELDS = {
    "kind",
    "slug",
    "title",
    "summary",
    "layer",
    "version",
    "scorer",
    "scoring",
    "source",
    "licence",
    "scoring_reference",
    "notice",
    "intro",
    "scales",
    "sections",
    "confidential",
}
ITEM_FIELDS = {
    "id",
    "type",
    "prompt",
    "help",
    "required",
    "max_length",
    "options",
    "scale",
    "reverse",
    "min_rows",
    "max_rows",
    "tags",
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    anchors: dict[int, str]

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    prompt: str
    help: str = ""
    required: bool = True
    max_length: int = 500
    options: tuple[Option, ...] = ()
    scale: Scale | None = None
    reverse: bool = False
    min_rows: int = 1
    max_rows: int = 10
    tags: dict[str, str] = field(default_factory=dict)

    def label_of(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Definition:
    kind: str
    slug: str
    title: str
    summary: str
    layer: str
    version: int
    sections: tuple[Section, ...]
    scorer: str | None = None
    scoring: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    licence: str = ""
    scoring_reference: str = ""
    notice: str = ""
    intro: str = ""
    # Confidential definitions (safety screening) are never shown to the partner.
    confidential: bool = False
    path: str = ""

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def layer_name(self) -> str:
        return LAYERS[self.layer]


def load_definitions(root: Path, problems: list[Problem]) -> dict[str, Definition]:
    """Read every ``exercises/*.yaml`` under ``root``; problems are appended, not raised."""
    from clinic.forms_engine.scorers import SCORERS

    folder = Path(root) / "exercises"
    result: dict[str, Definition] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        name = f"{folder.name}/{path.name}"
        definition = read_definition(path, name, problems, set(SCORERS))
        if definition is not None:
            result[definition.slug] = definition
    return result


def read_definition(path: Path, name: str, problems: list[Problem], scorers: set[str]):
    before = len(problems)

    def problem(where: str, message: str) -> None:
        problems.append(Problem(name, where, message))

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problem("file", f"is not valid YAML ({error.__class__.__name__})")
        return None
    if not isinstance(data, dict):
        problem("file", "must be a mapping of fields")
        return None
    for key in sorted(set(data) - TOP_FIELDS):
        problem(key, "is not a known field")
    for key in ("kind", "slug", "title", "summary", "layer", "version", "sections"):
        if key not in data:
            problem(key, "is required")
    if "kind" in data and data["kind"] not in KINDS:
        problem("kind", f"must be one of: {', '.join(KINDS)}")
    slug = data.get("slug")
    if "slug" in data and (not isinstance(slug, str) or not SLUG.match(slug)):
        problem("slug", "use lowercase letters, digits and hyphens")
    elif isinstance(slug, str) and slug != path.stem:
        problem("slug", f"must match the file name ({path.stem})")
    for key in ("title", "summary"):
        if key in data and not _text(data[key]):
            problem(key, "must be non-empty text")
    for key in ("source", "licence", "scoring_reference", "notice", "intro"):
        if key in data and not isinstance(data[key], str):
            problem(key, "must be text")
    if "layer" in data and data["layer"] not in LAYERS:
        problem("layer", f"must be one of: {', '.join(LAYERS)}")
    version = data.get("version")
    if "version" in data and (
        isinstance(version, bool) or not isinstance(version, int) or version < 1
    ):
        problem("version", "must be a whole number from 1")
    if data.get("kind") == "questionnaire":
        for key in ("source", "licence", "scoring_reference"):
            if not _text(data.get(key)):
                problem(key, "is required for a questionnaire")
    scorer = data.get("scorer")
    if scorer is not None and scorer not in scorers:
        problem("scorer", f"must be one of: {', '.join(sorted(scorers))}")
    if "scoring" in data and not isinstance(data["scoring"], dict):
        problem("scoring", "must be a mapping")
    if "confidential" in data and not isinstance(data["confidential"], bool):
        problem("confidential", "must be true or false")

    scales = {}
    raw_scales = data.get("scales") or {}
    if not isinstance(raw_scales, dict):
        problem("scales", "must be a mapping of named scales")
        raw_scales = {}
    for scale_name, raw in raw_scales.items():
        scale = _scale(raw, f"scales.{scale_name}", problem)
        if scale:
            scales[scale_name] = scale

    sections = []
    seen_ids: set[str] = set()
    raw_sections = data.get("sections")
    if "sections" in data and (not isinstance(raw_sections, list) or not raw_sections):
        problem("sections", "must be a non-empty list")
        raw_sections = []
    for s_index, raw_section in enumerate(raw_sections or []):
        where = f"sections[{s_index}]"
        if not isinstance(raw_section, dict):
            problem(where, "must be a mapping")
            continue
        section_id = raw_section.get("id")
        if not isinstance(section_id, str) or not IDENT.match(section_id):
            problem(f"{where}.id", "is required: lowercase letters, digits and _")
        if not _text(raw_section.get("title")):
            problem(f"{where}.title", "must be non-empty text")
        raw_items = raw_section.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            problem(f"{where}.items", "must be a non-empty list")
            raw_items = []
        items = []
        for i_index, raw_item in enumerate(raw_items):
            item = _item(raw_item, f"{where}.items[{i_index}]", problem, scales, seen_ids)
            if item:
                items.append(item)
        sections.append(
            Section(
                id=str(section_id),
                title=str(raw_section.get("title", "")).strip(),
                intro=str(raw_section.get("intro") or ""),
                items=tuple(items),
            )
        )
    if len(problems) > before:
        return None
    definition = Definition(
        kind=data["kind"],
        slug=slug,
        title=data["title"].strip(),
        summary=data["summary"].strip(),
        layer=data["layer"],
        version=version,
        sections=tuple(sections),
        scorer=scorer,
        scoring=data.get("scoring") or {},
        source=data.get("source", ""),
        licence=data.get("licence", ""),
        scoring_reference=data.get("scoring_reference", ""),
        notice=data.get("notice", ""),
        intro=data.get("intro", ""),
        confidential=data.get("confidential", False),
        path=name,
    )
    from clinic.forms_engine.scorers import check_scoring

    for message in check_scoring(definition):
        problem("scoring", message)
    # A misspelt item in item_flags would silently never raise a flag (safety screen).
    raw_flags = (
        definition.scoring.get("item_flags") if isinstance(definition.scoring, dict) else None
    )
    for index, entry in enumerate(raw_flags or []):
        where = f"scoring.item_flags[{index}]"
        if not isinstance(entry, dict) or definition.item(str(entry.get("item"))) is None:
            problem(where, "must name an item of this file")
        elif isinstance(entry.get("at_least"), bool) or not isinstance(
            entry.get("at_least"), int | float
        ):
            problem(where, "at_least must be a number")
    return None if len(problems) > before else definition


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _scale(raw, where, problem) -> Scale | None:
    if not isinstance(raw, dict):
        problem(where, "must be a mapping with min, max and anchors")
        return None
    low, high, anchors = raw.get("min"), raw.get("max"), raw.get("anchors") or {}
    if (
        not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high))
        or low >= high
        or high - low > 10
    ):
        problem(where, "min and max must be whole numbers, min < max, at most 11 points")
        return None
    if (
        not isinstance(anchors, dict)
        or not anchors
        or not all(isinstance(k, int) and low <= k <= high and _text(v) for k, v in anchors.items())
    ):
        problem(f"{where}.anchors", "must label points of the scale, e.g. {0: Never, 4: Always}")
        return None
    return Scale(low, high, {int(k): v.strip() for k, v in anchors.items()})


def _options(raw, where, problem) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        problem(where, "must be a non-empty list of {value, label}")
        return ()
    options = []
    for index, entry in enumerate(raw):
        if (
            not isinstance(entry, dict)
            or not _text(str(entry.get("value", "")))
            or not _text(entry.get("label"))
        ):
            problem(f"{where}[{index}]", "needs a value and a label")
            continue
        options.append(Option(str(entry["value"]), entry["label"].strip()))
    if len({o.value for o in options}) != len(options):
        problem(where, "values must be unique")
    return tuple(options)


def _item(raw, where, problem, scales, seen_ids) -> Item | None:
    if not isinstance(raw, dict):
        problem(where, "must be a mapping")
        return None
    for key in sorted(set(raw) - ITEM_FIELDS):
        problem(f"{where}.{key}", "is not a known field")
    item_id, kind = raw.get("id"), raw.get("type")
    if not isinstance(item_id, str) or not IDENT.match(item_id):
        problem(f"{where}.id", "is required: lowercase letters, digits and _")
    elif item_id in seen_ids:
        problem(f"{where}.id", f"'{item_id}' is used twice in this file")
    else:
        seen_ids.add(item_id)
    if kind not in ITEM_TYPES:
        problem(f"{where}.type", f"must be one of: {', '.join(ITEM_TYPES)}")
        return None
    if not _text(raw.get("prompt")):
        problem(f"{where}.prompt", "must be non-empty text")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problem(f"{where}.required", "must be true or false")
    tags = raw.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        problem(f"{where}.tags", "must be a mapping of names to text")
        tags = {}
    default_length = 5000 if kind == "long_text" else 500
    max_length = raw.get("max_length", default_length)
    if (
        not isinstance(max_length, int)
        or isinstance(max_length, bool)
        or not 1 <= max_length <= 20_000
    ):
        problem(f"{where}.max_length", "must be a whole number from 1 to 20000")
        max_length = default_length
    options: tuple[Option, ...] = ()
    if kind in ("single_choice", "multiple_choice", "ranking", "forced_choice"):
        options = _options(raw.get("options"), f"{where}.options", problem)
        if kind == "forced_choice" and options and len(options) != 2:
            problem(f"{where}.options", "a forced-choice pair has exactly two options")
    elif "options" in raw:
        problem(f"{where}.options", f"is not used by a {kind} item")
    scale = None
    if kind == "likert":
        raw_scale = raw.get("scale")
        if isinstance(raw_scale, str):
            scale = scales.get(raw_scale)
            if scale is None:
                problem(f"{where}.scale", f"names no scale defined under scales: '{raw_scale}'")
        else:
            scale = _scale(raw_scale, f"{where}.scale", problem)
    reverse = raw.get("reverse", False)
    if not isinstance(reverse, bool):
        problem(f"{where}.reverse", "must be true or false")
    min_rows, max_rows = raw.get("min_rows", 1), raw.get("max_rows", 10)
    if kind == "repeating_list" and not (
        isinstance(min_rows, int) and isinstance(max_rows, int) and 0 <= min_rows <= max_rows <= 50
    ):
        problem(f"{where}.min_rows", "min_rows and max_rows must satisfy 0 <= min <= max <= 50")
    return Item(
        id=str(item_id),
        type=kind,
        prompt=str(raw.get("prompt", "")).strip(),
        help=str(raw.get("help") or "").strip(),
        required=bool(required),
        max_length=max_length,
        options=options,
        scale=scale,
        reverse=bool(reverse),
        min_rows=min_rows if isinstance(min_rows, int) else 1,
        max_rows=max_rows if isinstance(max_rows, int) else 10,
        tags=dict(tags),
    )
