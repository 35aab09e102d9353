"""Fixtures shared by the browser tests that sweep a filled twin."""

import pytest

from tests.e2e.every_page import site_served


@pytest.fixture(scope="module")
def filled_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """A twin filled with every kind of record (every_page.twin_fill), served by a real
    daphne for the tests of one module."""
    with (
        django_db_blocker.unblock(),
        site_served(log_dir=tmp_path_factory.mktemp("site")) as served,
    ):
        yield served
