"""The inbox page: a person's notifications, marking one or all of them read. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from waymark.reporting.inbox import (
    notification_read,
    notifications_of,
    notifications_read_all,
    unread_count,
)

PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/inbox.html",
        {"page": page, "unread": unread_count(request.user)},
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to where the button was (the inbox page it was on), never off the site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("inbox"))


@login_required
@require_POST
def notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Somebody else's notification does not exist for this person.
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    notification_read(actor=request.user, notification=notification)
    return _back(request)


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_read_all(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing was unread."))
    return _back(request)


@login_required
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The unread count beside "Inbox" in the menu, loaded after the page (htmx) so that no page
    pays a query for it; empty when nothing is unread."""
    count = unread_count(request.user)
    if not count:
        return HttpResponse("")
    label = ngettext("%(n)d unread", "%(n)d unread", count) % {"n": count}
    return HttpResponse(
        format_html('<span class="badge unread" title="{}">{}</span>', label, count)
    )
