from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from waymark.core.permissions import get_access
from waymark.org.models import Organisation


def waymark(request: HttpRequest) -> dict[str, Any]:
    """The organisation and the person's access, for the layout (one cached query each)."""
    if not hasattr(request, "_waymark_org"):
        request._waymark_org = Organisation.get()  # type: ignore[attr-defined]
    user = getattr(request, "user", None)
    return {
        "org": request._waymark_org,  # type: ignore[attr-defined]
        "access": get_access(user) if user is not None else None,
    }
