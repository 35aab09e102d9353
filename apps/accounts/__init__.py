"""Roles (viewer, planner, approver), sign-in and the demo users."""
