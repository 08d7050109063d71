"""Applying to volunteer, the coordinator's review, and setting the first password."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpResponse
from django.urls import reverse_lazy


def apply(request):
    return HttpResponse("")


def apply_thanks(request):
    return HttpResponse("")


class PasswordSetView(PasswordResetConfirmView):
    success_url = reverse_lazy("login")


@login_required
def application_list(request):
    return HttpResponse("")


@login_required
def application_detail(request, pk):
    return HttpResponse("")


@login_required
def me_placeholder(request):
    """Placeholder for "volunteers:me" (the sign-in lands here); views_attendance replaces it."""
    return HttpResponse("")
