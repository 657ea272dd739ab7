"""The platforms and roles of DOMAIN.md are data, migrated in."""

import pytest

from platforms.models import Platform, Role

pytestmark = pytest.mark.django_db


def test_the_eight_platforms_exist_with_their_flags():
    rows = {p.code: (p.is_centralised, p.deactivation_popin) for p in Platform.objects.all()}
    assert rows == {
        "mgestion-entreprise": (True, True),
        "mgestion-of": (True, True),
        "mcontributions": (True, True),
        "mcampus-entreprise": (True, False),
        "mcampus-of": (True, False),
        "mgepp": (True, False),
        "mtutorat": (False, False),
        "mtransition": (False, False),
    }


def test_the_seven_roles_exist():
    assert Role.objects.count() == 7


def test_non_centralised_platforms_offer_no_role():
    assert not Platform.objects.filter(is_centralised=False, roles__isnull=False).exists()


def test_training_platforms_are_open_to_training_organisations_only():
    kinds = {p.code: set(p.organisation_kinds) for p in Platform.objects.all()}
    assert kinds["mgestion-of"] == {"of", "cfa"}
    assert kinds["mcampus-of"] == {"of", "cfa"}
    assert "entreprise" in kinds["mgestion-entreprise"]
    assert "of" not in kinds["mgestion-entreprise"] | kinds["mcampus-entreprise"]
    assert "cabinet_rh" in kinds["mgepp"]
    assert kinds["mtutorat"] == kinds["mtransition"] == set()
