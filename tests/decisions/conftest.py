"""A finished comparison and users by role, for the decision tests."""

import pytest

from apps.accounts.roles import APPROVER, PLANNER, VIEWER
from apps.calibration.history import Window
from apps.calibration.services import calibrate
from apps.scenarios.services import comparison_create, comparison_run_here
from tests.calibration.history import day, emulated_history
from tests.scenarios.test_runs import spec


@pytest.fixture
def finished_comparison(demo_network):
    emulated_history(days=1)
    calibrate(window=Window(day(0), day(1)))
    return comparison_run_here(comparison_create(spec=spec()))


@pytest.fixture
def people(role_user):
    """Who's who: a proposing planner, another planner, two approvers, a viewer."""
    return {
        "planner": role_user(PLANNER, username="pia"),
        "planner2": role_user(PLANNER, username="paz"),
        "approver": role_user(APPROVER, username="ada"),
        "approver2": role_user(APPROVER, username="abe"),
        "viewer": role_user(VIEWER, username="vic"),
    }
