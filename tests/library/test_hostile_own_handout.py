"""A therapist's own handout and an assignment note full of hostile content: pages show it
as text, PDFs fetch nothing, and a huge table answers a clear "too large"."""

import io

from pypdf import PdfReader
from sqlalchemy import select

from clinic.extensions import db
from clinic.library.models import CustomHandout
from tests.reports.conftest import Listener


def hostile_markdown(port):
    local = f"http://127.0.0.1:{port}"
    return f"""# Hostile

<script>alert(1)</script> <img src="{local}/img"> <link rel=attachment href=file:///etc/passwd>

![pic]({local}/md-image) ![file](file:///etc/passwd) [click](javascript:alert(1))

<style>@import url({local}/css); body {{ background: url({local}/bg) }}</style>

{{{{7*7}}}}<b>x</b> and plain words survive.
"""


def test_hostile_own_handout_fetches_nothing_and_prints_literally(client, world, login):
    listener = Listener()
    try:
        login(client, world.therapist)
        client.post(
            "/library/own/new",
            data={"title": "Mine", "layer": "trust", "body": hostile_markdown(listener.port)},
        )
        handout = db.session.execute(select(CustomHandout)).scalar_one()
        page = client.get(f"/library/own/{handout.id}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
        assert 'href="javascript:' not in page
        pdf = client.get(f"/library/own/{handout.id}/pdf")
        assert pdf.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(pdf.data))
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert "plain words survive" in text
        # The listener's port is printed as text too (in the escaped <img>) and may hold "49".
        unrelated = text.replace("2026", "").replace(str(listener.port), "")
        assert "{{7*7}}" in text and "49" not in unrelated
        assert "root:x:0:0" not in text
        assert "/EmbeddedFiles" not in str(reader.trailer["/Root"])
        assert listener.connections() == 0
    finally:
        listener.socket.close()


def test_huge_own_handout_within_the_form_limit_answers_too_large(client, world, login):
    from clinic.library.services import create_custom_handout

    # 2,000 rows fit the form's character limit but not the PDF guard.
    body = "| a | b |\n|---|---|\n" + "| x | y |\n" * 2000
    handout = create_custom_handout(
        world.therapist, {"title": "Big", "summary": "", "layer": "trust", "body": body}
    )
    db.session.commit()
    login(client, world.therapist)
    response = client.get(f"/library/own/{handout.id}/pdf")
    assert response.status_code == 413
    assert b"too large to print" in response.data
