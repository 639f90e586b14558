"""XSS in a real browser: a corpus of payloads stored through every free-text field is shown
by Chromium as text on every page that displays it, to every role that may see it, and no
script runs.

The world (``tests/reports/test_fetcher_corpus.py: build_world``) fills every free text with
payloads: practice name, address, phone, consent and sharing texts; the therapist's name;
the couple's label; partners' names and pronouns; own handout title, summary and body;
assignment notes; exercise answers (short, long and list); therapist comments; session note
fields; both kinds of addendum; consent signatures. A few go through the real forms in the
browser: the own handout (edit form), the therapist's comment on partner A's answers, and
partner A's typed consent signature.

Every page is then opened twice. Once as the app serves it (CSP enforced), through the
``pages`` fixture: no console error, script error, CSP violation or failed response. Once
with Chromium told to ignore the page's CSP (``bypass_csp``), so that an escaping bug
could not hide behind the CSP: a payload that became markup would run there. Both times:
no dialog, ``window.__xss`` unset, no console message or request from a payload, no element
or attribute a payload could have made (``script`` not from /static/, ``on*`` attributes,
``javascript:``/``data:`` URLs, ``iframe``, ``object``, ``embed``, ``base``, ``meta``
refresh, ``style`` elements or scripted inline styles, a ``<b>`` from ``{{7*7}}<b>x``), and
each payload shown on the page as the text that was typed.
"""

import re

from playwright.sync_api import Page, expect

from clinic.library.services import current_library
from tests.e2e.conftest import DESKTOP, PHONE, TIMEOUT_MS, settle, sign_in
from tests.reports.test_fetcher_corpus import (
    LIMITS,
    MARKDOWN_FIELDS,
    answers_for,
    build_world,
    text_item_indexes,
)

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>window.__xss=2</script>",
    "'-alert(1)-'",
    "{{7*7}}<b>x",
    "<iframe srcdoc='<script>parent.__xss=3</script>'></iframe>",
    '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
    "<div style=\"background:url('javascript:alert(1)');width:expression(alert(1))\">st</div>",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<img src=/xss-probe.png onerror=console.log('xss-ran')>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    "<input autofocus onfocus=alert(1)>",
    "</title><script>alert(1)</script>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<object data=javascript:alert(1)></object>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<base href=javascript:alert(1)//>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "＜script＞alert(1)＜/script＞",
    "<scr<script>ipt>alert(1)</script>",
    "${7*7}#{7*7}<%= 7*7 %>",
]
# Markdown-specific payloads, for the fields shown as Markdown.
MARKDOWN_PAYLOADS = [
    "[x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "[y](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[z](JaVaScRiPt:alert(1))",
    "[w](vbscript:msgbox(1))",
    "[v]( javascript:alert(1) )",
    '<a href="javascript:alert(1)">raw link</a>',
]
# Each is a paragraph of its own in a Markdown field; all print literally but the one with
# two asterisks, which Markdown reads as emphasis (as it should).
MARKDOWN_BODY = "\n\n".join(PAYLOADS + MARKDOWN_PAYLOADS)
MARKDOWN_LITERAL = [p for p in PAYLOADS + MARKDOWN_PAYLOADS if p.count("*") < 2]

MULTILINE = {"practice_address", "note", "comment_a", "comment_b"}
# Stored through the browser's forms in the test, not by the world.
BY_BROWSER = {"own_title", "own_summary", "own_body", "comment_a", "typed_name_a"}


def packed(start: int, limit: int, sep: str = " ") -> str:
    """As many payloads as fit in ``limit``, starting from the ``start``-th (cycling), so
    that different fields lead with different payloads."""
    chosen: list[str] = []
    for n in range(len(PAYLOADS)):
        payload = PAYLOADS[(start + n) % len(PAYLOADS)]
        if len(sep.join([*chosen, payload])) <= limit:
            chosen.append(payload)
    return sep.join(chosen)


def xss_texts() -> dict[str, str]:
    texts = {
        name: packed(index * 3, limit, "\n" if name in MULTILINE else " ")
        for index, (name, limit) in enumerate(LIMITS.items())
    }
    texts.update(dict.fromkeys(MARKDOWN_FIELDS, MARKDOWN_BODY))
    return texts


def xss_answer(item, index: int) -> str:
    return packed(index, min(item.max_length, 600), " ")


TEXTS = xss_texts()


# --- What the browser checks -------------------------------------------------------------

# Elements and attributes only a payload would put in a page; ``window.__xss``.
SCAN = r"""() => {
  const found = [];
  const scripted = /^(javascript|vbscript|data):/i;
  const urlAttrs = new Set(["href", "src", "action", "formaction", "xlink:href", "data",
                            "srcdoc", "background", "poster", "ping", "lowsrc", "dynsrc"]);
  const never = new Set(["iframe", "frame", "frameset", "object", "embed", "applet", "base",
                         "math", "mglyph", "marquee", "style"]);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName;
    if (never.has(tag)) found.push("<" + tag + ">");
    if (tag === "meta" && el.hasAttribute("http-equiv")) found.push("<meta http-equiv>");
    if (tag === "b" && el.textContent.startsWith("x")) found.push("<b>x from {{7*7}}<b>x");
    if (tag === "script") {
      const src = el.getAttribute("src") || "";
      if (!src.startsWith("/static/") || el.textContent.trim()) {
        found.push("<script> " + (src || el.textContent.slice(0, 60)));
      }
    }
    if (tag === "img" && /\/(x|xss-probe\.png)$/.test(el.getAttribute("src") || "")) {
      found.push("<img src=" + el.getAttribute("src") + ">");
    }
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\u0000-\u0020]/g, "");
      if (name.startsWith("on")) found.push("<" + tag + " " + name + ">");
      const iconData = tag === "link" && name === "href" && value === "data:,";
      if (urlAttrs.has(name) && scripted.test(value) && !iconData) {
        found.push("<" + tag + " " + name + "=" + value.slice(0, 60) + ">");
      }
      if (name === "style" && /expression|javascript|url\(/i.test(value)) {
        found.push("<" + tag + " style=" + value.slice(0, 60) + ">");
      }
    }
  }
  return {found: found, xss: window.__xss === undefined ? null : String(window.__xss)};
}"""

# Everything the page shows as text, and what its form fields hold.
SHOWN = """() => {
  const values = Array.from(document.querySelectorAll("input, textarea"))
    .filter(el => el.type !== "hidden" && el.type !== "password")
    .map(el => el.value);
  return [document.body.innerText, ...values].join("\\n");
}"""


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Watch:
    """Records, for each page it watches, dialogs (dismissed), console messages and
    requests that come from a payload, and uncaught script errors."""

    def __init__(self):
        self.events: list[str] = []

    def attach(self, who: str, page: Page) -> Page:
        page.on("dialog", lambda dialog: self.on_dialog(who, dialog))
        page.on("console", lambda msg: self.on_console(who, page, msg))
        page.on("pageerror", lambda error: self.events.append(f"{who}: script error {error}"))
        page.on("request", lambda request: self.on_request(who, request))
        return page

    def on_dialog(self, who, dialog) -> None:
        self.events.append(f"{who}: {dialog.type} dialog {dialog.message!r} on {dialog.page.url}")
        dialog.dismiss()

    def on_console(self, who, page, message) -> None:
        if "xss" in message.text.lower():
            self.events.append(f"{who}: console {message.text!r} on {page.url}")

    def on_request(self, who, request) -> None:
        if "xss" in request.url.lower() or request.url.rstrip("/").endswith("/x"):
            self.events.append(f"{who}: request {request.url}")


def expected_on(page_fields, answers=()) -> list[str]:
    """The strings a page must show: plain fields as typed, every Markdown payload of a
    Markdown field (each is a paragraph printed literally), raw Markdown in a form field
    (``("raw", field)``), and exercise answers."""
    strings = []
    for field in page_fields:
        if isinstance(field, tuple):
            strings.append(TEXTS[field[1]])
        elif field in MARKDOWN_FIELDS:
            strings += MARKDOWN_LITERAL
        else:
            strings.append(TEXTS[field])
    return strings + list(answers)


def check_page(page: Page, watch: Watch, who: str, url: str, expected: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{who}: {url}"
    page.wait_for_load_state("load")
    result = page.evaluate(SCAN)
    assert result["found"] == [], f"{who} {url}: payload markup in the page: {result['found']}"
    assert result["xss"] is None, f"{who} {url}: window.__xss = {result['xss']}"
    shown = squeeze(page.evaluate(SHOWN))
    missing = [s for s in expected if squeeze(s) not in shown]
    assert not missing, f"{who} {url}: not shown as typed: {missing}"
    assert not watch.events, watch.events


def answers_of(definition, answers, section=None) -> list[str]:
    items = definition.items if section is None else definition.sections[section].items
    shown = []
    for index in text_item_indexes(definition):
        item = definition.items[index]
        if item not in items:
            continue
        value = answers[item.id]
        shown += value if isinstance(value, list) else [value]
    return shown


def test_no_payload_runs_in_any_page(app, pages, shot):
    library = current_library()
    world = build_world(
        {k: v for k, v in TEXTS.items() if k not in BY_BROWSER}
        | {"own_title": "Draft handout", "own_body": "Draft.", "comment_a": ""},
        xss_answer,
    )
    trust = library.exercise("trust-reflection")
    intake = library.exercise("intake-questionnaire")
    trust_answers = answers_of(trust, answers_for(trust, xss_answer))
    intake_all = answers_for(intake, xss_answer)
    settle()
    watch = Watch()

    # --- Stored through the real forms. ---------------------------------------------
    therapist = watch.attach("therapist", pages.new("therapist", "desktop"))
    sign_in(therapist, world.therapist_email)
    therapist.goto(f"/library/own/{world.own_id}/edit")
    therapist.get_by_label("Title", exact=True).fill(TEXTS["own_title"])
    therapist.get_by_label("One-line summary (optional)").fill(TEXTS["own_summary"])
    therapist.get_by_label("Text", exact=True).fill(TEXTS["own_body"])
    therapist.get_by_role("button", name="Save", exact=True).click()
    therapist.wait_for_url(f"**/library/own/{world.own_id}")
    shot(therapist, "own-handout-saved-from-the-form")

    couple = f"/couples/{world.couple_id}"
    therapist.goto(f"{couple}/assignments/{world.trust_id}")
    form = therapist.locator(f"form[action$='/responses/{world.response_a_id}/comment']")
    form.locator("textarea").fill(TEXTS["comment_a"])
    form.get_by_role("button").click()
    expect(therapist.locator(".flashes")).to_contain_text("Comment saved")

    partner_a = watch.attach("partner A", pages.new("partner A", "phone"))
    sign_in(partner_a, world.a_email)
    partner_a.goto("/portal/consent")
    partner_a.get_by_label("I have read both texts and agree to them").check()
    partner_a.get_by_label("Type your full name to sign").fill(TEXTS["typed_name_a"])
    partner_a.get_by_role("button", name="Sign", exact=True).click()
    partner_a.wait_for_url("**/portal")
    shot(partner_a, "partner-a-signed-consent")

    # --- Every page that shows them, as each role that may see them. -----------------
    names = ("name_a", "name_b")
    therapist_pages = [
        ("/couples", ["couple_label", "practice_name"]),
        (
            couple,
            [
                "couple_label",
                *names,
                "pronouns_a",
                "pronouns_b",
                "own_title",
                "typed_name_a",
                "typed_name_b",
            ],
        ),
        (f"{couple}/edit", ["couple_label", *names, "pronouns_a", "pronouns_b"]),
        (f"{couple}/audit", ["couple_label"]),
        ("/library", ["own_title", "own_summary"]),
        (f"/library/own/{world.own_id}", ["own_title", "own_summary", "own_body"]),
        (f"/library/own/{world.own_id}/edit", ["own_title", "own_summary", ("raw", "own_body")]),
        (f"{couple}/assign", ["own_title", *names]),
        (
            f"{couple}/assignments/{world.trust_id}",
            [*names, "comment_a", "comment_b"],
            trust_answers,
        ),
        (f"{couple}/assignments/{world.house_id}", list(names)),
        (
            f"{couple}/assignments/{world.intake_a_id}",
            ["name_a"],
            answers_of(intake, intake_all),
        ),
        (
            f"{couple}/sessions/{world.final_note_id}",
            [
                "talked_about",
                "noticed",
                "practise",
                "clinician_notes",
                "addendum_client",
                "addendum_clinician",
                "therapist_name",
            ],
        ),
        (
            f"{couple}/sessions/{world.draft_note_id}/edit",
            [("raw", f) for f in ("talked_about", "noticed", "practise", "clinician_notes")],
        ),
        (f"{couple}/timeline", ["own_title", *names]),
        (f"{couple}/progress", ["couple_label"]),
    ]
    admin_pages = [
        ("/admin/therapists", ["therapist_name", "practice_name"]),
        (
            "/admin/settings",
            [
                "practice_name",
                "practice_address",
                "practice_phone",
                ("raw", "consent_text"),
                ("raw", "sharing_text"),
            ],
        ),
    ]
    partner_a_pages = [
        ("/portal", ["own_title", "practice_name"]),
        (
            f"/portal/assignments/{world.own_assignment_id}",
            ["own_title", "own_summary", "own_body", "note"],
        ),
        (
            f"/portal/assignments/{world.trust_id}/result",
            ["comment_a", "name_b"],
            trust_answers,
        ),
        (f"/portal/assignments/{world.house_id}/result", ["name_b"]),
        ("/portal/consent", ["consent_text", "sharing_text", "typed_name_a"]),
    ]
    partner_b_pages = [
        ("/portal", ["own_title"]),
        (
            f"/portal/assignments/{world.intake_b_id}/exercise?page=0",
            [],
            answers_of(intake, intake_all, section=0),
        ),
        (
            f"/portal/assignments/{world.intake_b_id}/exercise?page=2",
            [],
            answers_of(intake, intake_all, section=2),
        ),
        (
            f"/portal/assignments/{world.trust_id}/result",
            ["comment_b", "name_a"],
            trust_answers,
        ),
    ]
    roles = [
        ("therapist", world.therapist_email, "desktop", therapist_pages),
        ("admin", world.admin_email, "desktop", admin_pages),
        ("partner A", world.a_email, "phone", partner_a_pages),
        ("partner B", world.b_email, "phone", partner_b_pages),
    ]
    opened = {"therapist": therapist, "partner A": partner_a}
    for who, email, device, visits in roles:
        # As served, CSP enforced: the page checks of the ``pages`` fixture apply too.
        page = opened.get(who) or watch.attach(who, pages.new(who, device))
        if who not in opened:
            sign_in(page, email)
        for url, fields, *answers in visits:
            check_page(page, watch, who, url, expected_on(fields, *answers))
        shot(page, f"{who} last page")
        # The same pages with the CSP ignored: only escaping stands between a payload
        # and a running script.
        context = pages.browser.new_context(
            base_url=pages.base_url, bypass_csp=True, **(PHONE if device == "phone" else DESKTOP)
        )
        context.set_default_timeout(TIMEOUT_MS)
        pages.contexts.append(context)
        bare = watch.attach(f"{who} (CSP bypassed)", context.new_page())
        sign_in(bare, email)
        for url, fields, *answers in visits:
            check_page(bare, watch, f"{who} (CSP bypassed)", url, expected_on(fields, *answers))

    assert not watch.events, watch.events
    assert not pages.problems, pages.problems
