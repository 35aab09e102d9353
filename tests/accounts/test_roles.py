"""Roles and sign-in: who may open which page."""

import pytest
from django.contrib.auth.models import Group

from apps.accounts.roles import APPROVER, PLANNER, ROLE_PERMISSIONS, VIEWER

PAGES_FOR_EVERY_ROLE = ["/network/"]


def test_the_data_migration_created_each_role_group_with_its_permissions(db):
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        assert {p.codename for p in group.permissions.all()} == set(codenames)


@pytest.mark.parametrize("path", [*PAGES_FOR_EVERY_ROLE, "/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", ["/login/", "/healthz"])
def test_login_and_health_are_open_without_signing_in(client, db, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", [VIEWER, PLANNER, APPROVER])
@pytest.mark.parametrize("path", PAGES_FOR_EVERY_ROLE)
def test_every_role_may_open_the_shared_pages(client, role_user, demo_network, role, path):
    client.force_login(role_user(role))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES_FOR_EVERY_ROLE)
def test_a_signed_in_user_without_a_role_is_refused_with_a_readable_page(client, role_user, path):
    client.force_login(role_user())
    response = client.get(path)
    assert response.status_code == 403
    assert b"You may not open this page" in response.content


def test_home_sends_a_user_to_their_first_page_and_a_roleless_user_gets_a_reason(client, role_user):
    # The first page in navigation order that the role may open.
    client.force_login(role_user(PLANNER))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/live/"
    client.force_login(role_user(VIEWER))
    assert client.get("/")["Location"] == "/live/"
    client.force_login(role_user())
    response = client.get("/")
    assert response.status_code == 403
    assert b"no role yet" in response.content


@pytest.mark.parametrize("role", [VIEWER, PLANNER, APPROVER])
def test_the_django_admin_is_for_staff_only(client, role_user, role):
    client.force_login(role_user(role))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_signing_in_with_the_form_then_signing_out(client, role_user):
    role_user(PLANNER, username="pat", password="correct-horse-battery")
    response = client.post("/login/", {"username": "pat", "password": "wrong"})
    assert response.status_code == 200
    assert b"do not match" in response.content
    response = client.post("/login/", {"username": "pat", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/network/").status_code == 200
    client.post("/logout/")
    assert client.get("/network/").status_code == 302


def test_the_login_form_requires_a_csrf_token(role_user):
    from django.test import Client

    role_user(PLANNER, username="sam", password="correct-horse-battery")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "sam", "password": "correct-horse-battery"})
    assert response.status_code == 403


def test_navigation_lists_only_pages_that_exist_and_the_role_may_open(
    client, role_user, demo_network
):
    client.force_login(role_user(PLANNER))
    html = client.get("/network/").content.decode()
    assert 'href="/network/"' in html
    assert 'href="/sources/"' in html
    assert 'href="/models/"' in html and 'href="/scenarios/"' in html
    assert 'href="/decisions/"' in html
    # The badge of recommendations waiting for a decision is the approvers' alone.
    assert "data-decisions-badge" not in html
    client.force_login(role_user(APPROVER))
    assert "data-decisions-badge" in client.get("/network/").content.decode()
    client.force_login(role_user(VIEWER))
    assert 'href="/sources/"' not in client.get("/network/").content.decode()
