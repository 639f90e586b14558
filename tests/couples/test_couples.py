from sqlalchemy import event, func, select

from clinic.audit.models import AuditEvent
from clinic.couples.models import Couple, Invitation, Partner
from clinic.extensions import db
from tests.factories import CoupleFactory, PartnerFactory, UserFactory

NEW_COUPLE = {
    "label": "Jo & Max",
    "partner1_name": "Jo",
    "partner1_pronouns": "she/her",
    "partner1_email": "Jo@Example.org",
    "partner2_name": "Max",
    "partner2_pronouns": "",
    "partner2_email": "max@example.org",
    "send_invitations": "y",
}


def couples_of(therapist):
    return (
        db.session.execute(select(Couple).where(Couple.therapist_id == therapist.id))
        .scalars()
        .all()
    )


def test_therapist_creates_couple_with_two_partners_and_invites_both(client, world, login, outbox):
    login(client, world.therapist)
    response = client.post("/couples/new", data=NEW_COUPLE)
    assert response.status_code == 303
    couple = db.session.execute(select(Couple).where(Couple.label == "Jo & Max")).scalar_one()
    assert couple.therapist_id == world.therapist.id
    assert [(p.display_name, p.email) for p in couple.partners] == [
        ("Jo", "jo@example.org"),
        ("Max", "max@example.org"),
    ]
    assert sorted(m["To"] for m in outbox()) == ["jo@example.org", "max@example.org"]
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_individual_client_is_a_case_with_one_partner(client, world, login, outbox):
    login(client, world.therapist)
    data = {**NEW_COUPLE, "label": "Riley", "partner2_name": "", "partner2_email": ""}
    data.pop("send_invitations")
    assert client.post("/couples/new", data=data).status_code == 303
    couple = db.session.execute(select(Couple).where(Couple.label == "Riley")).scalar_one()
    assert len(couple.partners) == 1
    assert outbox() == []


def test_two_partners_may_not_share_an_email(client, world, login):
    login(client, world.therapist)
    data = {**NEW_COUPLE, "partner2_email": "JO@example.org "}
    response = client.post("/couples/new", data=data)
    assert response.status_code == 200
    assert b"the two must differ" in response.data
    assert b'aria-describedby="partner2_email-error"' in response.data
    assert [c.label for c in couples_of(world.therapist)] == ["Sam & Alex"]


def test_second_partner_needs_name_and_email(client, world, login):
    login(client, world.therapist)
    data = {**NEW_COUPLE, "partner2_name": "Max", "partner2_email": ""}
    response = client.post("/couples/new", data=data)
    assert response.status_code == 200
    assert b"give both a name and an e-mail address" in response.data
    assert len(couples_of(world.therapist)) == 1


def test_invalid_email_is_refused_with_a_message(client, world, login):
    login(client, world.therapist)
    response = client.post("/couples/new", data={**NEW_COUPLE, "partner1_email": "not-an-email"})
    assert response.status_code == 200
    assert b"Enter an e-mail address" in response.data


def test_hostile_label_is_stored_and_shown_literally(client, world, login):
    login(client, world.therapist)
    label = "{{7*7}}<b>x</b>"
    client.post("/couples/new", data={**NEW_COUPLE, "label": label})
    page = client.get("/couples")
    assert b"{{7*7}}&lt;b&gt;x&lt;/b&gt;" in page.data
    assert b"<b>x</b>" not in page.data


def test_edit_changes_label_and_pronouns(client, world, login):
    login(client, world.therapist)
    data = {
        "label": "Sam and Alex",
        "partner1_name": "Sam",
        "partner1_pronouns": "they/them",
        "partner1_email": world.partner_a.email,
        "partner2_name": "Alex",
        "partner2_pronouns": "",
        "partner2_email": world.partner_b.email,
    }
    response = client.post(f"/couples/{world.couple.id}/edit", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    assert world.couple.label == "Sam and Alex"
    assert world.partner_a.pronouns == "they/them"


def test_edit_keeps_the_email_of_a_partner_who_joined(client, world, login):
    login(client, world.therapist)
    data = {
        "label": "Sam & Alex",
        "partner1_name": "Sam",
        "partner1_email": "someone-else@example.org",
        "partner2_name": "Alex",
        "partner2_email": world.partner_b.email,
    }
    client.post(f"/couples/{world.couple.id}/edit", data=data)
    db.session.expire_all()
    assert world.partner_a.email == "sam@example.org"
    assert world.partner_a.user.email == "sam@example.org"


def test_joined_partner_cannot_be_removed(client, world, login):
    login(client, world.therapist)
    data = {"label": "Sam", "partner1_name": "Sam", "partner1_email": world.partner_a.email}
    response = client.post(f"/couples/{world.couple.id}/edit", data=data)
    assert response.status_code == 200
    assert b"has joined and cannot be removed" in response.data
    db.session.expire_all()
    assert len(world.couple.partners) == 2


def test_partner_who_has_not_joined_can_be_removed(client, world, login):
    couple = CoupleFactory(therapist=world.therapist)
    PartnerFactory(couple=couple, position=1, email="one@example.org")
    PartnerFactory(couple=couple, position=2, email="two@example.org")
    login(client, world.therapist)
    data = {"label": couple.label, "partner1_name": "One", "partner1_email": "one@example.org"}
    assert client.post(f"/couples/{couple.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    assert [p.email for p in couple.partners] == ["one@example.org"]


def test_status_moves_between_active_paused_closed(client, world, login):
    login(client, world.therapist)
    url = f"/couples/{world.couple.id}/status"
    for status in ("paused", "active", "closed", "active"):
        assert client.post(url, data={"status": status}).status_code == 303
        db.session.expire_all()
        assert world.couple.status == status


def test_impossible_status_change_changes_nothing(client, world, login):
    login(client, world.therapist)
    url = f"/couples/{world.couple.id}/status"
    client.post(url, data={"status": "closed"})
    response = client.post(url, data={"status": "paused"}, follow_redirects=True)
    assert b"not possible" in response.data
    for bogus in ("deleted", "", "<script>"):
        client.post(url, data={"status": bogus})
    db.session.expire_all()
    assert world.couple.status == "closed"


def test_dashboard_lists_only_own_couples_with_status(client, world, login):
    CoupleFactory(therapist=world.therapist, label="Zed & Ann", status="paused")
    login(client, world.therapist)
    page = client.get("/couples").get_data(as_text=True)
    assert "Sam &amp; Alex" in page and "Zed &amp; Ann" in page
    assert "Kim &amp; Lee" not in page
    assert "1 active · 1 paused · 0 closed" in page


def test_dashboard_search_by_label_and_filter_by_status(client, world, login):
    CoupleFactory(therapist=world.therapist, label="Zed & Ann", status="paused")
    CoupleFactory(therapist=world.therapist, label="100% sure", status="active")
    login(client, world.therapist)
    page = client.get("/couples?q=zed").get_data(as_text=True)
    assert "Zed &amp; Ann" in page and "Sam &amp; Alex" not in page
    page = client.get("/couples?status=active").get_data(as_text=True)
    assert "Sam &amp; Alex" in page and "Zed &amp; Ann" not in page
    page = client.get("/couples?q=%25").get_data(as_text=True)
    assert "100% sure" in page and "Sam &amp; Alex" not in page
    page = client.get("/couples?q=Kim").get_data(as_text=True)
    assert "No couples match this search." in page


def test_dashboard_ignores_a_bad_filter_without_error(client, world, login):
    login(client, world.therapist)
    response = client.get("/couples?status=bogus&page=abc")
    assert response.status_code == 200
    assert "Sam &amp; Alex" in response.get_data(as_text=True)


def test_dashboard_is_paginated(app, client, world, login):
    for n in range(45):
        CoupleFactory.build(therapist=world.therapist, label=f"Case {n:02d}")
    db.session.add_all(
        [Couple(therapist=world.therapist, label=f"Case {n:02d}") for n in range(45)]
    )
    db.session.commit()
    login(client, world.therapist)
    page1 = client.get("/couples").get_data(as_text=True)
    assert "Page 1 of 3" in page1 and "Case 00" in page1 and "Case 25" not in page1
    page3 = client.get("/couples?page=3").get_data(as_text=True)
    assert "Sam &amp; Alex" in page3
    assert client.get("/couples?page=99").status_code == 200


def count_queries(app, fn):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return [s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA"))]


def add_couples(therapist, n):
    for i in range(n):
        couple = Couple(therapist=therapist, label=f"Bulk {i:03d}")
        couple.partners = [
            Partner(position=1, display_name="A", email=f"a{i}-{therapist.id}@example.org"),
            Partner(position=2, display_name="B", email=f"b{i}-{therapist.id}@example.org"),
        ]
        db.session.add(couple)
    db.session.commit()


def test_dashboard_query_count_does_not_grow_with_caseload(app, client, world, login):
    login(client, world.therapist)
    client.get("/couples")  # warm up the session row touch
    add_couples(world.therapist, 3)
    small = count_queries(app, lambda: client.get("/couples"))
    big_therapist = UserFactory(role="therapist")
    add_couples(big_therapist, 60)
    other = app.test_client()
    login(other, big_therapist)
    other.get("/couples")
    big = count_queries(app, lambda: other.get("/couples"))
    assert len(big) == len(small)
    assert len(small) <= 10


def test_viewing_and_changing_a_couple_is_audited_with_ids_only(client, world, login):
    login(client, world.therapist)
    client.get(f"/couples/{world.couple.id}")
    client.post(f"/couples/{world.couple.id}/status", data={"status": "paused"})
    events = (
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.couple_id == world.couple.id)
            .order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in events] == [
        ("couple_viewed", world.therapist.id, "couple", world.couple.id),
        ("couple_paused", world.therapist.id, "couple", world.couple.id),
    ]


def test_therapist_reads_own_audit_trail_for_a_couple(client, world, login):
    login(client, world.therapist)
    client.get(f"/couples/{world.couple.id}")
    page = client.get(f"/couples/{world.couple.id}/audit").get_data(as_text=True)
    assert "Couple viewed" in page


def test_partner_of_another_couple_is_not_found_through_my_couple(client, world, login):
    other_partner = world.other_couple.partners[0]
    login(client, world.therapist)
    url = f"/couples/{world.couple.id}/partners/{other_partner.id}/invite"
    assert client.post(url).status_code == 404
    count = db.session.scalar(select(func.count()).select_from(Invitation))
    assert count == 0


def test_other_therapists_couple_is_not_found(client, world, login):
    login(client, world.other_therapist)
    for url in (
        f"/couples/{world.couple.id}",
        f"/couples/{world.couple.id}/edit",
        f"/couples/{world.couple.id}/audit",
        "/couples/999999",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert b"Sam" not in response.data
    response = client.post(f"/couples/{world.couple.id}/status", data={"status": "closed"})
    assert response.status_code == 404
    db.session.expire_all()
    assert world.couple.status == "active"
