"""Every named URL, GET and POST, as each role: the answer is the one written for the view
in tests/twin_web/role_matrix.py, and never a 500. A new URL without an entry there fails."""

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from apps.accounts.roles import APPROVER, PLANNER, VIEWER
from tests.twin_web.role_matrix import DONE, DONE_STATUSES, LOGIN, MATRIX, ROLES, Entry, World

# The admin has its own staff checks; the API (ingestion, decision feed) takes a source's
# token, not a role (its answers to no token are checked below and documented in its OpenAPI).
OUTSIDE_THE_MATRIX = ("admin:", "api:")


def named_urls(patterns=None, namespace: str = "") -> Iterator[str]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_urls(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name


def test_every_named_url_has_an_entry_in_the_role_matrix():
    names = {n for n in named_urls() if not n.startswith(OUTSIDE_THE_MATRIX)}
    missing = sorted(names - set(MATRIX))
    assert not missing, (
        f"no role-matrix entry for {missing}: add one to tests/twin_web/role_matrix.py "
        "saying what each role gets on GET and POST"
    )
    assert sorted(set(MATRIX) - names) == [], "entries for URLs that no longer exist"


@pytest.fixture
def users(role_user) -> dict:
    return {
        "viewer": role_user(VIEWER, username="vic"),
        "owner": role_user(PLANNER, username="pia"),  # planner A, who owns the drafts
        "approver": role_user(APPROVER, username="ada"),
        "other": role_user(PLANNER, username="paz"),
        "decider": role_user(APPROVER, username="abe"),  # decides, but plays no role here
    }


def answered_as_expected(response, expected: int | str) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response.url.startswith(f"{reverse('login')}?next=")
    if expected == DONE:
        return response.status_code in DONE_STATUSES
    return response.status_code == expected


CASES = [
    pytest.param(name, entry, id=f"{name}[{entry.label}]" if entry.label else name)
    for name, entries in MATRIX.items()
    for entry in entries
]


@pytest.mark.parametrize("name, entry", CASES)
def test_each_role_gets_the_answer_written_for_the_view(name: str, entry: Entry, users):
    world = World(users)
    url = reverse(name, kwargs=entry.kwargs(world))
    wrong = []
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(users[role])
        for method, expected in (("GET", entry.get[role]), ("POST", entry.post[role])):
            # Each request starts from the same world: an allowed POST (a discard, an
            # approval) is rolled back before the next role tries.
            with transaction.atomic():
                response = getattr(client, method.lower())(url, entry.body)
                transaction.set_rollback(True)
            assert response.status_code < 500, f"{method} {url} as {role}: 5xx"
            if not answered_as_expected(response, expected):
                wrong.append(f"{method} as {role}: {response.status_code}, expected {expected}")
    assert wrong == [], f"{name} {url}:\n" + "\n".join(wrong)


def test_the_api_without_a_token_gets_401_and_its_description_is_public(client, db):
    assert client.post("/api/v1/events", "[]", content_type="application/json").status_code == 401
    assert client.get("/api/v1/decisions/feed").status_code == 401
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/v1/event-types").status_code == 200
