"""Volunteer pages, mounted at /<lang>/volunteers/ (asan_portal/urls.py).

Shared by several modules: applications and review (views_applications), shifts
(views_shifts), attendance, roster and the volunteer's own page (views_attendance, views_roster).
"""

from django.urls import path

from . import views_applications

app_name = "volunteers"

urlpatterns = [
    path("apply/", views_applications.apply, name="apply"),
    path("apply/thanks/", views_applications.apply_thanks, name="apply-thanks"),
    path(
        "account/set-password/<uidb64>/<token>/",
        views_applications.PasswordSetView.as_view(),
        name="set-password",
    ),
    path("coordinator/applications/", views_applications.application_list, name="application-list"),
    path("coordinator/applications/<int:pk>/", views_applications.application_detail, name="application-detail"),
    # Placeholder for the volunteer's own page; the vattend helper replaces it with views_attendance.
    path("me/", views_applications.me_placeholder, name="me"),
]
