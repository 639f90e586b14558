"""The page checks behind every browser test can fail, and say where."""

from tests.e2e.pagecheck import PageChecks, path_of

BROKEN_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Broken</title>
<link rel="stylesheet" href="/broken.css"></head>
<body><main><h1>Broken</h1><p class="faint">Hard to read</p>
<input type="text" name="nameless"><div id="twice"></div><span id="twice"><div></div></span>
</main></body></html>"""


def test_page_checks_report_what_is_wrong(browser, axe_js, tmp_path):
    """The checks behind every journey can fail: a page with an unlabelled field, text
    too faint to read, a duplicate id and a misplaced element is reported by both tools, with
    the page's address and the line."""
    checks = PageChecks(axe_js)
    context = browser.new_context(base_url="http://clinic.invalid")
    files = {
        "/broken": ("text/html; charset=utf-8", BROKEN_PAGE),
        "/broken.css": ("text/css", b".faint { color: #bbb; background: #fff; }"),
    }
    context.route(
        "**/*",
        lambda route: route.fulfill(
            status=200,
            content_type=files[path_of(route.request.url)][0],
            body=files[path_of(route.request.url)][1],
        ),
    )
    page = context.new_page()
    page.on("response", lambda response: checks.record("tester", page, response, {}))
    page.goto("/broken")
    checks.run_axe(page, "tester")
    context.close()

    axe = "\n".join(checks.axe_report())
    assert "[critical] label:" in axe, axe
    assert "[serious] color-contrast:" in axe, axe
    assert "tester /broken" in axe
    html = "\n".join(checks.validate_html(tmp_path / "html"))
    assert "tester /broken" in html and "line 5: error: Duplicate ID “twice”." in html, html
    assert "Element “div” not allowed as child of element “span”" in html, html
