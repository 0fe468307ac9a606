"""The reader's language for the formatting libraries (babel)."""

from __future__ import annotations

from django.utils.translation import get_language

BABEL_LOCALES = {"mn": "mn_MN"}


def babel_locale() -> str:
    """The babel locale of the active language: mn_MN for Mongolian, otherwise en_US."""
    return BABEL_LOCALES.get(get_language() or "en", "en_US")
