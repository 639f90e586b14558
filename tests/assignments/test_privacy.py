"""Privacy rule 2, as a property: over random couples, answers and visibilities, a
partner's page, PDF or e-mail never shows the other partner's private response."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.assignments.responses import set_visibility, start_draft, submit_response
from clinic.assignments.services import assign_items
from clinic.extensions import db
from clinic.library.services import current_library
from tests.conftest import empty_tables
from tests.factories import CoupleFactory, UserFactory, joined_partner

SLUGS = ["trust-reflection", "love-map-questions", "commitment-reflection"]

scenario = st.lists(
    st.tuples(st.sampled_from(SLUGS), st.booleans(), st.booleans(), st.booleans()),
    min_size=1,
    max_size=3,
)


def secret_answers(definition, marker):
    """Answers whose every text item carries ``marker`` (choices left to defaults)."""
    answers = {}
    for item in definition.items:
        if item.type in ("short_text", "long_text"):
            answers[item.id] = f"{marker} {item.id}"
        elif item.type == "repeating_list":
            answers[item.id] = [f"{marker} row"]
    return answers


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=scenario)
def test_a_private_response_never_reaches_the_partner(app, login, outbox, plan):
    empty_tables()
    therapist = UserFactory(role="therapist")
    couple = CoupleFactory(therapist=therapist)
    a = joined_partner(couple, 1, display_name="Ann")
    b = joined_partner(couple, 2, display_name="Ben")
    private_markers = []
    visible_markers = []
    for index, (slug, for_both, a_shares, b_submits) in enumerate(plan):
        (assignment,) = assign_items(
            couple, [("exercise", slug)], None if for_both else a, None, "", therapist
        )
        db.session.flush()
        definition = current_library().exercise(slug)
        marker = f"SECRET{index}X"
        response = start_draft(assignment, a, definition)
        db.session.flush()
        submit_response(
            response, secret_answers(definition, marker), definition, response.lock_version
        )
        if a_shares and for_both:
            set_visibility(response, True)
            if b_submits:  # Ben sees shared answers beside his own submitted ones
                visible_markers.append(marker)
        else:
            private_markers.append(marker)
        if b_submits and for_both:
            other = start_draft(assignment, b, definition)
            db.session.flush()
            submit_response(other, {}, definition, other.lock_version)
    db.session.commit()
    assignment_ids = [a_.id for a_ in couple_assignments(couple)]

    ben = app.test_client()
    login(ben, b.user)
    pages = [ben.get("/portal").get_data(as_text=True)]
    for assignment_id in assignment_ids:
        for action in ("", "/exercise", "/result", "/pdf"):
            response = ben.get(
                f"/portal/assignments/{assignment_id}{action}", follow_redirects=True
            )
            pages.append(
                response.get_data(as_text=True)
                if response.mimetype != "application/pdf"
                else pdf_text(response.data)
            )
    everything = "\n".join(pages) + "\n".join(m.get_content() for m in outbox())
    for marker in private_markers:
        assert marker not in everything
    for marker in visible_markers:  # the pages looked at can show shared answers
        assert marker in everything
    ben.post("/sign-out")


def couple_assignments(couple):
    from sqlalchemy import select

    from clinic.assignments.models import Assignment

    return (
        db.session.execute(select(Assignment).where(Assignment.couple_id == couple.id))
        .scalars()
        .all()
    )


def pdf_text(data):
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
