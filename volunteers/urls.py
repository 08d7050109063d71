"""Volunteer pages, mounted at /<lang>/volunteers/ (asan_portal/urls.py).

Shared by several modules: applications and review (views_applications), shifts
(views_shifts), attendance, roster and the volunteer's own page (views_attendance, views_roster).
"""

from django.urls import path

from asan_portal.private_links import no_referrer

from . import views_applications, views_attendance, views_roster, views_shifts

app_name = "volunteers"

urlpatterns = [
    path("apply/", views_applications.apply, name="apply"),
    path("apply/thanks/", views_applications.apply_thanks, name="apply-thanks"),
    # Django's view puts the token of the e-mailed link in the session and redirects to
    # .../choose/, which carries none and holds the form; only the link itself is `no_referrer`
    # (that header on the form's page would make Chromium send "Origin: null", refused by CSRF).
    path(
        "account/set-password/<uidb64>/choose/",
        views_applications.PasswordSetView.as_view(),
        {"token": views_applications.PasswordSetView.reset_url_token},
        name="set-password-choose",
    ),
    path(
        "account/set-password/<uidb64>/<token>/",
        no_referrer(views_applications.PasswordSetView.as_view()),
        name="set-password",
    ),
    path("account/forgot-password/", views_applications.password_forgot, name="password-forgot"),
    path("account/forgot-password/sent/", views_applications.password_forgot_done, name="password-forgot-done"),
    path("coordinator/applications/", views_applications.application_list_view, name="application-list"),
    path(
        "coordinator/applications/<int:pk>/",
        views_applications.application_detail_view,
        name="application-detail",
    ),
    # Shifts: the volunteer's open shifts and sign-ups; the coordinator's week and shift (views_shifts).
    path("shifts/", views_shifts.ShiftListView.as_view(), name="shifts"),
    path("shifts/<int:pk>/sign-up/", views_shifts.ShiftSignUpView.as_view(), name="shift-sign-up"),
    path("shifts/signups/<int:pk>/withdraw/", views_shifts.ShiftWithdrawView.as_view(), name="shift-withdraw"),
    path("coordinator/shifts/", views_shifts.CoordinatorShiftIndexView.as_view(), name="coordinator-shifts"),
    path(
        "coordinator/shifts/centre/<slug:centre>/",
        views_shifts.CoordinatorWeekView.as_view(),
        name="coordinator-shifts-week",
    ),
    path(
        "coordinator/shifts/centre/<slug:centre>/create/",
        views_shifts.CoordinatorShiftCreateView.as_view(),
        name="coordinator-shift-create",
    ),
    path(
        "coordinator/shifts/centre/<slug:centre>/generate/",
        views_shifts.CoordinatorGenerateWeekView.as_view(),
        name="coordinator-shifts-generate",
    ),
    path("coordinator/shifts/<int:pk>/", views_shifts.CoordinatorShiftView.as_view(), name="coordinator-shift"),
    path(
        "coordinator/shifts/<int:pk>/assign/",
        views_shifts.CoordinatorShiftAssignView.as_view(),
        name="coordinator-shift-assign",
    ),
    path(
        "coordinator/shifts/<int:pk>/needed/",
        views_shifts.CoordinatorShiftNeededView.as_view(),
        name="coordinator-shift-needed",
    ),
    path(
        "coordinator/signups/<int:pk>/remove/",
        views_shifts.CoordinatorSignupRemoveView.as_view(),
        name="coordinator-signup-remove",
    ),
    path(
        "coordinator/signups/<int:pk>/move/",
        views_shifts.CoordinatorSignupMoveView.as_view(),
        name="coordinator-signup-move",
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
