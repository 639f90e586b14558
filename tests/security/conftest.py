"""A second complete world (another therapist's couple with everything the access matrix
talks about), records the app has removed, and one signed-in browser per role."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from clinic.assignments.services import assign_items, remove_assignment
from clinic.couples.models import Couple, Partner
from clinic.couples.services import create_invitation, revoke_invitations
from clinic.db import utcnow
from clinic.extensions import db
from clinic.intake.models import RiskFlag
from clinic.library.models import CustomHandout
from clinic.library.services import create_custom_handout, current_library
from clinic.sessions import services as notes
from tests import test_access_matrix
from tests.factories import CoupleFactory, PartnerFactory, joined_partner
from tests.test_access_matrix import ROLES, submitted_response, user_for

# Every text of the second world carries this, so a page that leaks it is easy to spot.
MARKER = "ZZB-MARKER"
# An id no table reaches in a test run, yet within a 32-bit integer column.
NEVER_ID = 2_000_000_000


def submitted_with_text(assignment, partner, text):
    from clinic.assignments.responses import start_draft, submit_response

    definition = current_library().exercise(assignment.item_slug)
    response = start_draft(assignment, partner, definition)
    db.session.flush()
    answers = {"showed_up": text, "would_help": text, "my_promises": [text]}
    return submit_response(response, answers, definition, response.lock_version)


def build_second_world(world):
    """Kim & Lee (the other therapist's case) get what Sam & Alex have in the matrix
    world, each text marked with MARKER. Attribute names follow the matrix world so that
    ``url_values`` works on it unchanged."""
    therapist = world.other_therapist
    couple = world.other_couple
    kim = db.session.execute(select(Partner).where(Partner.couple_id == couple.id)).scalar_one()
    lee = joined_partner(couple, 2, display_name=f"Lee {MARKER}", email="lee@example.org")
    b = SimpleNamespace(therapist=therapist, other_therapist=therapist, couple=couple)
    b.partner_a, b.partner_b = kim, lee
    b.own_handout = create_custom_handout(
        therapist,
        {"title": f"Own {MARKER}", "summary": MARKER, "layer": "trust", "body": MARKER},
    )
    (b.assignment_for_a,) = assign_items(
        couple, [("handout", "house-trust")], kim, None, f"note {MARKER}", therapist
    )
    (b.exercise_for_a,) = assign_items(
        couple, [("exercise", "trust-reflection")], kim, None, f"note {MARKER}", therapist
    )
    db.session.flush()
    b.response_of_a = submitted_with_text(b.exercise_for_a, kim, f"answer {MARKER}")
    b.draft_note = notes.start_note(couple, therapist, utcnow(), "first")
    b.draft_note.talked_about = f"talk {MARKER}"
    b.final_note = notes.start_note(couple, therapist, utcnow(), "conflict")
    b.final_note.clinician_notes = f"clinician {MARKER}"
    notes.finalise_note(b.final_note, therapist)
    notes.release_summary(b.final_note)
    b.flag = RiskFlag(
        couple_id=couple.id,
        partner_id=kim.id,
        response_id=b.response_of_a.id,
        label=f"Flag {MARKER}",
    )
    db.session.add(b.flag)
    db.session.flush()
    return b


def build_removed_records(world):
    """What the app removes or never shows again, in Sam & Alex's case (so the owner is
    the one who might wrongly still reach it), plus rows deleted outright."""
    a = world
    gone = SimpleNamespace()
    (gone.handout,) = assign_items(
        a.couple, [("handout", "house-trust")], a.partner_a, None, "", a.therapist
    )
    (gone.exercise,) = assign_items(
        a.couple, [("exercise", "trust-reflection")], a.partner_a, None, "", a.therapist
    )
    db.session.flush()
    gone.response = submitted_response(gone.exercise, a.partner_a)
    remove_assignment(gone.handout)
    remove_assignment(gone.exercise)
    # A final note whose summary was never released, for the partners' summary link.
    gone.unreleased_note = notes.start_note(a.couple, a.therapist, utcnow(), "")
    notes.finalise_note(gone.unreleased_note, a.therapist)
    # Rows deleted outright: their ids existed once and answer like ids that never did.
    doomed_couple = CoupleFactory(therapist=a.therapist, label="Deleted case")
    doomed_partner = PartnerFactory(couple=doomed_couple, email="doomed@example.org")
    doomed_handout = create_custom_handout(
        a.therapist, {"title": "Deleted", "summary": "", "layer": "trust", "body": "x"}
    )
    doomed_flag = RiskFlag(
        couple_id=a.couple.id,
        partner_id=a.partner_a.id,
        response_id=a.response_of_a.id,
        label="Deleted flag",
    )
    db.session.add(doomed_flag)
    db.session.flush()
    gone.couple_id, gone.partner_id = doomed_couple.id, doomed_partner.id
    gone.handout_id, gone.flag_id = doomed_handout.id, doomed_flag.id
    db.session.delete(doomed_flag)
    db.session.delete(doomed_handout)
    db.session.delete(doomed_couple)
    db.session.flush()
    # A revoked invitation for the not-yet-joined partner of the matrix world.
    gone.revoked_invitation = create_invitation(a.invited_partner, a.therapist)
    revoke_invitations(a.invited_partner)
    db.session.flush()
    return gone


matrix_world = test_access_matrix.matrix_world  # the matrix's world, as a fixture here too


@pytest.fixture
def worlds(matrix_world):
    """(matrix world A, second world B, removed records of A), committed."""
    b = build_second_world(matrix_world)
    gone = build_removed_records(matrix_world)
    db.session.commit()
    assert db.session.get(Couple, gone.couple_id) is None
    assert db.session.get(CustomHandout, gone.handout_id) is None
    return matrix_world, b, gone


@pytest.fixture
def role_clients(app, login):
    """One browser per role, signed in on first use and reused across examples."""

    def make(world):
        clients = {}
        for role in ROLES:
            client = app.test_client()
            user = user_for(world, role)
            if user is not None:
                assert login(client, user).status_code == 303, role
            clients[role] = client
        return clients

    return make


def row_counts() -> dict[str, int]:
    """Rows in every table, so a refused request can be shown to have changed nothing."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
