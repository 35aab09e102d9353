"""Every model the admin lists is named in proper English, singular and plural."""

import re

from django.contrib import admin


def naive_plural(singular: str) -> bool:
    """The plural Django makes by adding an "s" where English does otherwise: "entrys",
    "progresss", "boxs"."""
    return bool(re.search(r"([^aeiou]ys|ss|xs|chs|shs)$", singular + "s"))


def test_naive_plurals_are_recognised():
    assert naive_plural("audit entry") and naive_plural("model settings")
    assert not naive_plural("event") and not naive_plural("day")


def test_every_model_in_the_admin_has_a_proper_plural(db):
    wrong = []
    for model in admin.site._registry:
        meta = model._meta
        if meta.verbose_name_plural == f"{meta.verbose_name}s" and naive_plural(meta.verbose_name):
            wrong.append(f"{meta.label}: {meta.verbose_name_plural}")
    assert wrong == []


def test_the_audit_trail_is_called_audit_entries_in_the_admin(admin_client):
    index = admin_client.get("/admin/").content.decode()
    assert "Audit entries" in index and "entrys" not in index.lower()
