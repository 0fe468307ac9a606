"""Fixtures shared by every test module: the cast, a plan with a small tree, clients."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.test import Client

from waymark.core.testing import Cast, make_cast, make_plan, make_tree
from waymark.plans.models import Element, Plan

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API in live_server tests


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests sign in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def plan(cast: Cast) -> Plan:
    return make_plan(cast)


@pytest.fixture
def tree(cast: Cast, plan: Plan) -> tuple[Element, Element, Element]:
    return make_tree(cast, plan)


@pytest.fixture
def client_for(cast: Cast):  # type: ignore[no-untyped-def]
    """client_for("viewer") -> a Client logged in as that member of the cast (None: anonymous)."""

    def make(name: str | None) -> Client:
        client = Client()
        if name is not None:
            client.force_login(cast.everyone[name])
        return client

    return make
