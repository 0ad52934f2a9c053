"""What a locked-out login sees (README "Security")."""

import math
from typing import Any

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.forms import StaffAuthenticationForm


def lockout_message(cool_off_minutes: int) -> str:
    return ngettext(
        "Too many failed log-ins for this account from your address. Try again in "
        "%(minutes)d minute, or ask a manager to unlock the account.",
        "Too many failed log-ins for this account from your address. Try again in "
        "%(minutes)d minutes, or ask a manager to unlock the account.",
        cool_off_minutes,
    ) % {"minutes": cool_off_minutes}


def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """Answer a locked-out login (django-axes) with 429 and the login page that says why."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    message = lockout_message(minutes)
    site = admin.site
    if request.path.startswith(reverse("admin:index")):
        context = {
            **site.each_context(request),
            "title": _("Log in"),
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            "next": request.POST.get("next") or reverse("admin:index"),
            "form": site.login_form(request, initial={"username": username}),
            "lockout_message": message,
        }
        return render(request, site.login_template, context, status=429)
    context = {
        "form": StaffAuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "lockout_message": message,
    }
    return render(request, "dashboard/login.html", context, status=429)
