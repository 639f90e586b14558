from sqlalchemy import select

from clinic.extensions import db
from clinic.library.models import CustomHandout
from clinic.library.services import current_library


def test_library_lists_every_handout_with_the_house_map(client, world, login):
    login(client, world.therapist)
    page = client.get("/library").get_data(as_text=True)
    library = current_library()
    for handout in library.handouts.values():
        assert f'href="/library/{handout.slug}"' in page
    assert f"{len(library.handouts)} handouts" in page
    assert page.count('class="house-part') == 9  # seven floors and two walls
    assert 'href="/library?layer=love-maps"' in page
    assert 'aria-label="Trust: ' in page


def test_library_filters_by_layer_and_tag_and_searches_the_body(client, world, login):
    login(client, world.therapist)
    page = client.get("/library?layer=manage-conflict").get_data(as_text=True)
    assert "/library/house-manage-conflict" in page
    assert "/library/house-trust" not in page
    page = client.get("/library?q=numbing").get_data(as_text=True)
    assert "/library/self-protective-walls" in page
    assert "/library/house-trust" not in page
    page = client.get("/library?tag=relationship-house").get_data(as_text=True)
    assert "/library/house-love-maps" in page and "/library/five-love-languages" not in page


def test_library_ignores_a_bad_filter(client, world, login):
    login(client, world.therapist)
    response = client.get("/library?layer=attic&q=" + "x" * 500)
    assert response.status_code == 200
    assert "/library/house-trust" in response.get_data(as_text=True)


def test_preview_shows_the_rendered_handout_and_further_reading(client, world, login):
    login(client, world.therapist)
    page = client.get("/library/house-trust").get_data(as_text=True)
    assert "<h1>" in page and "Further reading" in page and "Gottman" in page
    assert client.get("/library/no-such-handout").status_code == 404


def test_therapist_writes_own_handout_visible_only_to_them(client, app, world, login):
    login(client, world.therapist)
    response = client.post(
        "/library/own/new",
        data={
            "title": "Our weekly check-in",
            "summary": "",
            "layer": "turn-towards",
            "body": "# Check-in\n\nTen minutes each Sunday.\n\n<script>alert(1)</script>",
        },
    )
    assert response.status_code == 303
    custom = db.session.execute(select(CustomHandout)).scalar_one()
    page = client.get(f"/library/own/{custom.id}").get_data(as_text=True)
    assert "Ten minutes each Sunday." in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Our weekly check-in" in client.get("/library").get_data(as_text=True)

    other = app.test_client()
    login(other, world.other_therapist)
    assert other.get(f"/library/own/{custom.id}").status_code == 404
    assert "Our weekly check-in" not in other.get("/library").get_data(as_text=True)


def test_editing_own_handout_bumps_its_version(client, world, login):
    login(client, world.therapist)
    client.post("/library/own/new", data={"title": "T", "layer": "trust", "body": "One."})
    custom = db.session.execute(select(CustomHandout)).scalar_one()
    client.post(
        f"/library/own/{custom.id}/edit", data={"title": "T2", "layer": "trust", "body": "Two."}
    )
    db.session.expire_all()
    assert (custom.title, custom.body, custom.version) == ("T2", "Two.", 2)


def test_too_long_own_handout_is_refused_with_a_message(client, world, login):
    login(client, world.therapist)
    body = "| a | b |\n|---|---|\n" + "| x | y |\n" * 5000
    response = client.post(
        "/library/own/new", data={"title": "Huge", "layer": "trust", "body": body}
    )
    assert response.status_code == 200
    assert b"too long" in response.data
    assert db.session.execute(select(CustomHandout)).first() is None
