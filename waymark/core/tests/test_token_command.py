"""`waymark token create USERNAME` and `waymark token revoke USERNAME`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from waymark.core.management.commands.token import Command
from waymark.core.testing import Cast


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def status_with(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/plans/").status_code


def test_it_prints_a_token_that_signs_the_person_in(cast: Cast) -> None:
    key, _err = run("create", "viewer")
    assert len(key) == 40
    assert Token.objects.get(user=cast.viewer).key == key
    assert status_with(key) == 200


def test_it_replaces_the_previous_token(cast: Cast) -> None:
    old, _err = run("create", "viewer")
    new, _err = run("create", "viewer")
    assert new != old
    assert Token.objects.filter(user=cast.viewer).count() == 1
    assert status_with(old) == 401
    assert status_with(new) == 200


def test_it_revokes_a_token(cast: Cast) -> None:
    key, _err = run("create", "manager")
    _out, err = run("revoke", "manager")
    assert "manager" in err
    assert not Token.objects.filter(user=cast.manager).exists()
    assert status_with(key) == 401


def test_it_says_so_when_there_is_no_token_to_revoke(cast: Cast) -> None:
    _out, err = run("revoke", "manager")
    assert err == '"manager" had no token.'


@pytest.mark.parametrize("action", ["create", "revoke"])
def test_it_names_an_unknown_username(cast: Cast, action: str) -> None:
    with pytest.raises(CommandError, match='No person has the username "nobody"'):
        run(action, "nobody")


def test_it_refuses_a_token_to_a_deactivated_person(cast: Cast) -> None:
    cast.viewer.is_active = False
    cast.viewer.save()
    with pytest.raises(CommandError, match='"viewer" is deactivated'):
        run("create", "viewer")
    assert not Token.objects.filter(user=cast.viewer).exists()


def test_it_explains_itself_in_help() -> None:
    parser = Command().create_parser("waymark", "token")
    text = parser.format_help()
    assert "Authorization: Token <key>" in text
    assert "create" in text and "revoke" in text


def test_it_requires_an_action(cast: Cast) -> None:
    with pytest.raises(CommandError):
        run()
