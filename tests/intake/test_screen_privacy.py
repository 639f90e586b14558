"""Privacy rule 3 as a property: over random couples and safety-screen answers, the other
partner never sees the screen, never learns it was assigned or answered, and it never
appears in a client-facing PDF or an e-mail to them."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from clinic.assignments.responses import start_draft, submit_response
from clinic.assignments.services import assign_items
from clinic.extensions import db
from clinic.library.services import current_library
from clinic.sessions import services as notes
from tests.conftest import empty_tables
from tests.factories import CoupleFactory, UserFactory, joined_partner

ITEMS = ["afraid", "threatened", "hurt", "controlled", "pressured", "safe_to_talk"]

plans = st.tuples(
    st.dictionaries(st.sampled_from(ITEMS), st.sampled_from(["0", "1"]), max_size=6),
    st.booleans(),  # Ben answers his own screen too
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=5, max_size=30),
)


def pdf_text(data):
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans)
def test_the_partner_never_learns_of_the_screen(app, login, outbox, plan):
    answers, ben_answers_too, words = plan
    empty_tables()
    definition = current_library().exercise("safety-screen")
    therapist = UserFactory(role="therapist")
    couple = CoupleFactory(therapist=therapist)
    ann = joined_partner(couple, 1, display_name="Ann")
    ben = joined_partner(couple, 2, display_name="Ben")
    (screen,) = assign_items(couple, [("exercise", "safety-screen")], ann, None, "", therapist)
    db.session.flush()
    marker = f"SCREENMARK {words}"
    response = start_draft(screen, ann, definition)
    db.session.flush()
    submit_response(response, {**answers, "tell_us": marker}, definition, response.lock_version)
    if ben_answers_too:
        (own,) = assign_items(couple, [("exercise", "safety-screen")], ben, None, "", therapist)
        db.session.flush()
        mine = start_draft(own, ben, definition)
        db.session.flush()
        submit_response(mine, {}, definition, mine.lock_version)
    note = notes.start_note(couple, therapist, response.submitted_at)
    notes.finalise_note(note, therapist)
    notes.release_summary(note)
    db.session.commit()
    screen_id = screen.id

    browser = app.test_client()
    login(browser, ben.user)
    seen = [browser.get("/portal").get_data(as_text=True)]
    for path in ("", "/exercise", "/result", "/pdf"):
        reply = browser.get(f"/portal/assignments/{screen_id}{path}")
        assert reply.status_code == 404
    summary = browser.get(f"/portal/sessions/{note.id}/summary.pdf")
    seen.append(pdf_text(summary.data))
    seen += [m.get_content() + m["Subject"] for m in outbox() if m["To"] == ben.email]
    everything = "\n".join(seen)
    assert marker not in everything
    for label in (e["label"] for e in definition.scoring["item_flags"]):
        assert label not in everything
    if not ben_answers_too:  # Ben's own portal does not mention any safety check
        assert definition.title not in seen[0]
    browser.post("/sign-out")
