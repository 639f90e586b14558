"""The therapist's dashboard sends the same SQL however large the caseload, with the data
real use leaves behind (the seeding `make bench` uses): joined and invited partners,
overdue items, drafts and submissions, risk flags, session notes."""

from benchmarks.bench import recorded_statements, seed_caseload
from clinic.extensions import db
from tests.factories import UserFactory


def dashboard_statements(client) -> tuple[str, list[str]]:
    with recorded_statements(db.engine) as statements:
        response = client.get("/couples")
    assert response.status_code == 200
    return response.get_data(as_text=True), list(statements)


def test_dashboard_sends_the_same_queries_at_10_and_100_couples(app, client, login):
    therapist = UserFactory(role="therapist")
    seed_caseload(therapist.id, 10)
    login(client, therapist)
    small_page, small = dashboard_statements(client)
    # Ten couples fill less than a page: a per-row query would show as 10 against 20.
    assert small_page.count('<tr>\n    <td><a href="/couples/') == 10
    assert "1 overdue" in small_page and "1 flag to review" in small_page
    assert "not joined" in small_page

    seed_caseload(therapist.id, 90, start=10)
    big_page, big = dashboard_statements(client)
    assert big_page.count('<tr>\n    <td><a href="/couples/') == 20
    assert "Page 1 of 5" in big_page
    assert len(big) == len(small), "\n".join(big)
    assert len(small) <= 10
