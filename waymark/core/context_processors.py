from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from waymark.core.permissions import get_access
from waymark.org.models import Organisation


def waymark(request: HttpRequest) -> dict[str, Any]:
    """The organisation (loaded by OrganisationMiddleware) and the person's access."""
    org = getattr(request, "organisation", None) or Organisation.get()
    user = getattr(request, "user", None)
    return {
        "org": org,
        "access": get_access(user) if user is not None else None,
    }
