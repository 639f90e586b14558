from datetime import date, timedelta

from sqlalchemy import select

from clinic.assignments.models import Assignment
from clinic.extensions import db
from tests.factories import CoupleFactory, joined_partner


def assign(client, couple, items, recipient="both", due_on="", note=""):
    return client.post(
        f"/couples/{couple.id}/assign",
        data={
            "items": items,
            "recipient": recipient,
            "due_on": due_on,
            "note": note,
        },
    )


def test_therapist_assigns_several_handouts_to_both_partners(client, world, login):
    login(client, world.therapist)
    due = (date.today() + timedelta(days=7)).isoformat()
    response = assign(
        client,
        world.couple,
        ["h:house-trust", "h:house-love-maps"],
        due_on=due,
        note="Read before Thursday.",
    )
    assert response.status_code == 303
    rows = db.session.execute(select(Assignment).order_by(Assignment.id)).scalars().all()
    assert [(a.item_slug, a.partner_id, a.due_on.isoformat(), a.note) for a in rows] == [
        ("house-trust", None, due, "Read before Thursday."),
        ("house-love-maps", None, due, "Read before Thursday."),
    ]
    page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "Sam: not opened" in page and "Alex: not opened" in page


def test_assignment_for_one_partner_is_hidden_from_the_other(client, app, world, login):
    login(client, world.therapist)
    assign(client, world.couple, ["h:house-trust"], recipient=str(world.partner_a.id))
    a = app.test_client()
    login(a, world.partner_a.user)
    assert "Relationship house: the wall of trust" in a.get("/portal").get_data(as_text=True)
    b = app.test_client()
    login(b, world.partner_b.user)
    assert "Nothing assigned yet" in b.get("/portal").get_data(as_text=True)
    assignment = db.session.execute(select(Assignment)).scalar_one()
    assert b.get(f"/portal/assignments/{assignment.id}").status_code == 404


def test_bad_assignment_input_changes_nothing(client, world, login):
    login(client, world.therapist)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for data in (
        {"items": [], "recipient": "both"},
        {"items": ["h:no-such-handout"], "recipient": "both"},
        {"items": ["h:house-trust"], "recipient": str(world.other_couple.partners[0].id)},
        {"items": ["h:house-trust"], "recipient": "both", "due_on": yesterday},
        {"items": ["h:house-trust"], "recipient": "both", "due_on": "not-a-date"},
        {"items": ["own:999999"], "recipient": "both"},
    ):
        response = client.post(f"/couples/{world.couple.id}/assign", data=data)
        assert response.status_code == 200, data
    assert db.session.execute(select(Assignment)).first() is None


def test_individual_case_assigns_to_its_one_partner(client, world, login):
    couple = CoupleFactory(therapist=world.therapist, label="Riley")
    riley = joined_partner(couple, 1, display_name="Riley")
    login(client, world.therapist)
    page = client.get(f"/couples/{couple.id}/assign").get_data(as_text=True)
    assert "Both partners" not in page
    assert assign(client, couple, ["h:house-trust"], recipient=str(riley.id)).status_code == 303


def test_another_therapists_own_handout_cannot_be_assigned(client, app, world, login):
    other = app.test_client()
    login(other, world.other_therapist)
    other.post("/library/own/new", data={"title": "Private", "layer": "trust", "body": "x"})
    from clinic.library.models import CustomHandout

    custom = db.session.execute(select(CustomHandout)).scalar_one()
    login(client, world.therapist)
    response = assign(client, world.couple, [f"own:{custom.id}"])
    assert response.status_code == 200
    assert db.session.execute(select(Assignment)).first() is None


def test_partner_reads_marks_as_read_and_therapist_sees_it(client, app, world, login):
    login(client, world.therapist)
    assign(client, world.couple, ["h:house-trust"], note="Take your time.")
    assignment = db.session.execute(select(Assignment)).scalar_one()
    sam = app.test_client()
    login(sam, world.partner_a.user)
    page = sam.get(f"/portal/assignments/{assignment.id}").get_data(as_text=True)
    assert "Take your time." in page and "Mark as read" in page
    assert "Sam: opened" in client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    sam.post(f"/portal/assignments/{assignment.id}/read")
    page = sam.get(f"/portal/assignments/{assignment.id}").get_data(as_text=True)
    assert "You marked this as read" in page
    couple_page = client.get(f"/couples/{world.couple.id}").get_data(as_text=True)
    assert "Sam: read" in couple_page and "Alex: not opened" in couple_page


def test_removed_assignment_leaves_the_portal(client, app, world, login):
    login(client, world.therapist)
    assign(client, world.couple, ["h:house-trust"])
    assignment = db.session.execute(select(Assignment)).scalar_one()
    client.post(f"/couples/{world.couple.id}/assignments/{assignment.id}/remove")
    sam = app.test_client()
    login(sam, world.partner_a.user)
    assert "Nothing assigned yet" in sam.get("/portal").get_data(as_text=True)
    assert sam.get(f"/portal/assignments/{assignment.id}").status_code == 404


def test_other_therapist_cannot_remove_an_assignment(client, app, world, login):
    login(client, world.therapist)
    assign(client, world.couple, ["h:house-trust"])
    assignment = db.session.execute(select(Assignment)).scalar_one()
    other = app.test_client()
    login(other, world.other_therapist)
    url = f"/couples/{world.couple.id}/assignments/{assignment.id}/remove"
    assert other.post(url).status_code == 404
    url = f"/couples/{world.other_couple.id}/assignments/{assignment.id}/remove"
    assert other.post(url).status_code == 404
    db.session.expire_all()
    assert assignment.removed_at is None


def test_portal_shows_due_dates_and_overdue(client, app, world, login):
    past = Assignment(
        couple_id=world.couple.id,
        item_kind="handout",
        item_slug="house-trust",
        due_on=date.today() - timedelta(days=2),
        assigned_by_id=world.therapist.id,
    )
    db.session.add(past)
    db.session.commit()
    login(client, world.partner_a.user)
    page = client.get("/portal").get_data(as_text=True)
    assert "overdue" in page


def test_withdrawn_handout_file_is_shown_as_unavailable(client, world, login):
    gone = Assignment(
        couple_id=world.couple.id,
        item_kind="handout",
        item_slug="retired",
        assigned_by_id=world.therapist.id,
    )
    db.session.add(gone)
    db.session.commit()
    login(client, world.partner_a.user)
    assert "no longer available" in client.get("/portal").get_data(as_text=True)
    page = client.get(f"/portal/assignments/{gone.id}")
    assert page.status_code == 200 and b"no longer available" in page.data
