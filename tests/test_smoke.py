def test_sign_in_page_renders(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_therapist_signs_in_and_sees_dashboard(client, world, login):
    response = login(client, world.therapist)
    assert response.status_code == 303
    page = client.get("/couples")
    assert b"Sam &amp; Alex" in page.data
    assert b"Kim &amp; Lee" not in page.data
