"""`waymark token create USERNAME` / `waymark token revoke USERNAME`: API tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from waymark.org.models import Person


class Command(BaseCommand):
    help = (
        "Create or revoke a person's API token. The API reads it from the header "
        "'Authorization: Token <key>'. A person has at most one token: creating a new one "
        "replaces the old, which stops working at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{create,revoke}", required=True)
        create = actions.add_parser(
            "create",
            help="Print a new token for USERNAME, replacing any token they had.",
            description="Print a new API token for USERNAME, replacing any token they had. "
            "Example: waymark token create admin",
        )
        create.add_argument("username", help="The person's username.")
        revoke = actions.add_parser(
            "revoke",
            help="Delete USERNAME's token; requests that use it get 401.",
            description="Delete USERNAME's API token; requests that use it get 401.",
        )
        revoke.add_argument("username", help="The person's username.")

    def handle(self, *args: Any, action: str, username: str, **options: Any) -> None:
        person = self._person(username)
        if action == "create":
            if not person.is_active:
                raise CommandError(
                    f'"{person.username}" is deactivated; reactivate them before giving a token.'
                )
            with transaction.atomic():
                Token.objects.filter(user=person).delete()
                token = Token.objects.create(user=person)
            self.stdout.write(token.key)
        else:
            deleted, _details = Token.objects.filter(user=person).delete()
            if deleted:
                self.stderr.write(f'Revoked the token of "{person.username}".')
            else:
                self.stderr.write(f'"{person.username}" had no token.')

    def _person(self, username: str) -> Person:
        person = (
            Person.objects.filter(username=username).first()
            or Person.objects.filter(username__iexact=username).first()
        )
        if person is None:
            raise CommandError(f'No person has the username "{username}".')
        return person
