"""Volunteer pages, mounted at /<lang>/volunteers/ (asan_portal/urls.py).

Shared by several modules: applications and review (views_applications), shifts
(views_shifts), attendance, roster and the volunteer's own page (views_attendance, views_roster).
"""

from django.urls import path

from . import views_applications, views_attendance, views_roster

app_name = "volunteers"

urlpatterns = [
    path("apply/", views_applications.apply, name="apply"),
    path("apply/thanks/", views_applications.apply_thanks, name="apply-thanks"),
    path(
        "account/set-password/<uidb64>/<token>/",
        views_applications.PasswordSetView.as_view(),
        name="set-password",
    ),
    path("coordinator/applications/", views_applications.application_list_view, name="application-list"),
    path(
        "coordinator/applications/<int:pk>/",
        views_applications.application_detail_view,
        name="application-detail",
    ),
    # The volunteer's own page, the centre's QR check-in, the certificate (views_attendance).
    path("me/", views_attendance.VolunteerMeView.as_view(), name="me"),
    path("check-in/<slug:centre>/<str:token>/", views_attendance.CheckInView.as_view(), name="check-in"),
    path("certificate/<int:volunteer_id>/", views_attendance.CertificateView.as_view(), name="certificate"),
    # The coordinator's roster, coverage, attendance buttons and QR poster (views_roster).
    path("coordinator/roster/<slug:centre>/", views_roster.RosterView.as_view(), name="roster"),
    path("coordinator/roster/<slug:centre>/csv/", views_roster.RosterCsvView.as_view(), name="roster-csv"),
    path("coordinator/coverage/", views_roster.CoverageView.as_view(), name="coverage"),
    path(
        "coordinator/signups/<int:pk>/check-in/",
        views_roster.SignupAttendanceView.as_view(action="check_in"),
        name="signup-check-in",
    ),
    path(
        "coordinator/signups/<int:pk>/check-out/",
        views_roster.SignupAttendanceView.as_view(action="check_out"),
        name="signup-check-out",
    ),
    path(
        "coordinator/check-in-poster/<slug:centre>/", views_roster.CheckInPosterView.as_view(), name="check-in-poster"
    ),
    path(
        "coordinator/volunteers/<int:pk>/",
        views_roster.CoordinatorVolunteerView.as_view(),
        name="coordinator-volunteer",
    ),
]
