"""Fixtures shared by every test module: the cast, a plan with a small tree, clients."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from email.message import Message
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
def client_for(cast: Cast) -> Callable[[str | None], Client]:
    """client_for("viewer") -> a Client logged in as that member of the cast (None: anonymous)."""

    def make(name: str | None) -> Client:
        client = Client()
        if name is not None:
            client.force_login(cast.everyone[name])
        return client

    return make


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[list[Message]]:
    """A real SMTP server on loopback; Django sends to it over SMTP. Yields the received messages."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    received: list[Message] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(message_from_bytes(envelope.original_content))
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture
def chromium_path() -> str:
    """Debian's Chromium. Missing: the test is skipped on a workstation and fails under CI."""
    path = os.environ.get("WAYMARK_TEST_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(path):
        message = f"Chromium not found at {path}; install Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
