"""The portal's sign-in and sign-out, at /<lang>/accounts/ (mounted in asan_portal/urls.py)."""

from django.urls import path

from . import accounts

urlpatterns = [
    path("login/", accounts.PortalLoginView.as_view(), name="login"),
    path("logout/", accounts.PortalLogoutView.as_view(), name="logout"),
    # The second factor after the password (asan_portal/second_factor.py, docs/adr/0020).
    path("two-factor/", accounts.second_factor_verify_view, name="second-factor-verify"),
    path("two-factor/enrol/", accounts.second_factor_enrol_view, name="second-factor-enrol"),
]
