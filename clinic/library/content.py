"""Handouts are files: Markdown with YAML front matter under ``handouts/handouts/``.

Every file is validated when the app starts and by ``flask check-content``; a problem
names the file and the field. Markdown is CommonMark with tables; raw HTML is not
rendered (it shows as text), and links to ``javascript:``, ``file:`` and similar are
dropped by markdown-it's link validation.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

LAYERS = {
    "foundations": "Foundations",
    "love-maps": "Build love maps",
    "fondness-admiration": "Share fondness and admiration",
    "turn-towards": "Turn towards instead of away",
    "positive-perspective": "The positive perspective",
    "manage-conflict": "Manage conflict",
    "life-dreams": "Make life dreams come true",
    "shared-meaning": "Create shared meaning",
    "trust": "Trust",
    "commitment": "Commitment",
    "love-languages": "Love languages",
}
# The floors of the relationship house from the ground up, then its two walls.
HOUSE_FLOORS = [
    "love-maps",
    "fondness-admiration",
    "turn-towards",
    "positive-perspective",
    "manage-conflict",
    "life-dreams",
    "shared-meaning",
]
HOUSE_WALLS = ["trust", "commitment"]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
REQUIRED = (
    "slug",
    "title",
    "summary",
    "layer",
    "tags",
    "reading_minutes",
    "version",
    "further_reading",
)
MAX_BODY_CHARS = 200_000


# A table too wide for a phone scrolls inside a box that takes the keyboard focus, so it
# can be scrolled without a mouse (axe: scrollable-region-focusable).
TABLE_SCROLL_OPEN = '<div class="table-scroll" tabindex="0" role="region" aria-label="Table">\n'


def _table_open(renderer, tokens, idx, options, env) -> str:
    return TABLE_SCROLL_OPEN + renderer.renderToken(tokens, idx, options, env)


def _table_close(renderer, tokens, idx, options, env) -> str:
    return renderer.renderToken(tokens, idx, options, env) + "</div>\n"


def markdown_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable("table")
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


_md = markdown_renderer()


def render_markdown(text: str) -> Markup:
    """Safe HTML from Markdown typed by anyone: raw HTML is escaped, not rendered, and
    links with unsafe schemes (javascript:, vbscript:, file:, most data:) are dropped.

    The one place a text someone typed becomes markup; templates show it without ``|safe``.
    """
    return Markup(_md.render(text))  # noqa: S704  (markdown-it with html=False escapes HTML)


def plain_text(markdown_text: str) -> str:
    """The words of a Markdown text, for search and reading-level checks."""
    tokens = _md.parse(markdown_text)
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append(
                "".join(
                    c.content for c in token.children or [] if c.type in ("text", "code_inline")
                )
            )
    return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Handout:
    slug: str
    title: str
    summary: str
    layer: str
    tags: tuple[str, ...]
    reading_minutes: int
    version: int
    further_reading: tuple[str, ...]
    body: str
    html: str
    text: str
    path: str = ""
    # A therapist's own handout (not a file); ``slug`` is then "own-<id>".
    is_own: bool = False

    @property
    def layer_name(self) -> str:
        return LAYERS[self.layer]

    def matches(self, query: str) -> bool:
        needle = query.casefold()
        return any(needle in part.casefold() for part in (self.title, self.summary, self.text))


@dataclass
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid content:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class Library:
    handouts: dict[str, Handout] = field(default_factory=dict)
    # Exercises and questionnaires (clinic.forms_engine.definitions.Definition) by slug.
    exercises: dict = field(default_factory=dict)

    def exercise(self, slug: str):
        return self.exercises.get(slug)

    def ordered_exercises(self) -> list:
        order = list(LAYERS)
        return sorted(self.exercises.values(), key=lambda d: (order.index(d.layer), d.title))

    def ordered(self) -> list[Handout]:
        order = list(LAYERS)
        return sorted(self.handouts.values(), key=lambda h: (order.index(h.layer), h.title))

    def tags(self) -> list[str]:
        return sorted({t for h in self.handouts.values() for t in h.tags})

    def search(self, query: str = "", layer: str = "", tag: str = "") -> list[Handout]:
        return [
            h
            for h in self.ordered()
            if (not layer or h.layer == layer)
            and (not tag or tag in h.tags)
            and (not query or h.matches(query))
        ]

    def get(self, slug: str) -> Handout | None:
        return self.handouts.get(slug)


def load_library(root: Path) -> Library:
    """Read and validate every handout, exercise and questionnaire; raise ContentError
    listing every problem."""
    problems: list[Problem] = []
    library = Library()
    folder = Path(root) / "handouts"
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        handout = read_handout(path, problems, display=f"{folder.name}/{path.name}")
        if handout is None:
            continue
        if handout.slug in library.handouts:
            problems.append(
                Problem(handout.path, "slug", f"duplicate of {library.handouts[handout.slug].path}")
            )
            continue
        library.handouts[handout.slug] = handout
    from clinic.forms_engine.definitions import load_definitions

    library.exercises = load_definitions(Path(root), problems)
    if problems:
        raise ContentError(problems)
    return library


def read_handout(path: Path, problems: list[Problem], display: str | None = None):
    name = display or str(path)
    before = len(problems)

    def problem(field_name, message):
        problems.append(Problem(name, field_name, message))

    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problem("file", "is not UTF-8 text")
        return None
    match = FRONT_MATTER.match(raw)
    if not match:
        problem("front matter", "missing: the file must start with a '---' YAML block")
        return None
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        problem("front matter", f"is not valid YAML ({error.__class__.__name__})")
        return None
    if not isinstance(meta, dict):
        problem("front matter", "must be a mapping of fields")
        return None
    body = match.group(2).strip()

    for key in REQUIRED:
        if key not in meta:
            problem(key, "is required")
    for key in sorted(set(meta) - set(REQUIRED)):
        problem(key, "is not a known field")

    slug = meta.get("slug")
    if "slug" in meta and (not isinstance(slug, str) or not SLUG.match(slug)):
        problem("slug", "use lowercase letters, digits and hyphens")
    elif isinstance(slug, str) and slug != path.stem:
        problem("slug", f"must match the file name ({path.stem})")
    for key, limit in (("title", 120), ("summary", 400)):
        value = meta.get(key)
        if key in meta and (not isinstance(value, str) or not value.strip()):
            problem(key, "must be non-empty text")
        elif isinstance(value, str) and len(value) > limit:
            problem(key, f"must be at most {limit} characters")
    if "layer" in meta and meta.get("layer") not in LAYERS:
        problem("layer", f"must be one of: {', '.join(LAYERS)}")
    tags = meta.get("tags")
    if "tags" in meta and (
        not isinstance(tags, list)
        or not tags
        or not all(isinstance(t, str) and TAG.match(t) for t in tags)
    ):
        problem("tags", "must be a non-empty list of lowercase hyphenated words")
    for key, low, high in (("reading_minutes", 1, 60), ("version", 1, 10_000)):
        value = meta.get(key)
        if key in meta and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            problem(key, f"must be a whole number from {low} to {high}")
    reading = meta.get("further_reading")
    if "further_reading" in meta and (
        not isinstance(reading, list)
        or not reading
        or not all(isinstance(r, str) and r.strip() for r in reading)
    ):
        problem("further_reading", "must be a non-empty list of references")
    if not body:
        problem("body", "is empty")
    elif len(body) > MAX_BODY_CHARS:
        problem("body", f"is longer than {MAX_BODY_CHARS} characters")
    if len(problems) > before:
        return None
    return Handout(
        slug=slug,
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        layer=meta["layer"],
        tags=tuple(tags),
        reading_minutes=meta["reading_minutes"],
        version=meta["version"],
        further_reading=tuple(r.strip() for r in reading),
        body=body,
        html=render_markdown(body),
        text=plain_text(body),
        path=name,
    )
