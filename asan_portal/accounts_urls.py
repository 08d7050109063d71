"""The portal's sign-in and sign-out, at /<lang>/accounts/ (mounted in asan_portal/urls.py)."""

from django.urls import path

from . import accounts

urlpatterns = [
    path("login/", accounts.PortalLoginView.as_view(), name="login"),
    path("logout/", accounts.PortalLogoutView.as_view(), name="logout"),
]
