from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from volunteers.views_attendance import calendar_feed as volunteer_calendar_feed

from . import views
from .lockout import StaffAuthenticationForm
from .private_links import no_referrer

api_v1 = [
    path("", include("services.api_urls")),
    path("", include("centres.api_urls")),
    path("", include("appointments.api_urls")),
    path("", include("feedback.api_urls")),
    path("", include("feedback.stats_api_urls")),
]

# django-otp's device admin shows every user's secret key and QR code to superusers: a lost phone
# is handled by `manage.py second_factor_reset` instead (asan_portal/second_factor.py). Unregistered
# before `admin.site.urls` is read below, which fixes the admin's URLs at that moment.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

urlpatterns = [
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    # Prometheus scrapes this; only listed addresses or the bearer token get an answer (asan_portal/metrics.py).
    path("metrics", views.metrics, name="metrics"),
    # A volunteer's iCal feed: no language prefix and no login (a calendar program cannot sign
    # in); the unguessable token in the URL is the key (volunteers/views_attendance.py). It stays
    # in the URL, since a calendar subscription is nothing but a URL (docs/adr/0019).
    path("volunteers/calendar/<str:token>.ics", no_referrer(volunteer_calendar_feed), name="volunteers-calendar"),
]

# Every page has its language in the URL (/az/, /en/, /ru/), Azerbaijani included.
urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("services/", include("services.urls")),
    path("centres/", include("centres.urls")),
    path("appointments/", include("appointments.urls")),
    # Before any "feedback/<token>/" pattern, which would otherwise take "complaints" for a token.
    path("feedback/complaints/", include("feedback.complaint_urls")),
    path("staff/appointments/", include("appointments.staff_urls")),
    path("staff/complaints/", include("feedback.complaint_staff_urls")),
    path("queue/", include("appointments.queue_urls")),
    # Rating a visit: the private link (after "feedback/complaints/") and the counter tablet.
    path("feedback/", include("feedback.rating_urls")),
    path("volunteers/", include("volunteers.urls")),
    path("dashboard/", include("feedback.dashboard_urls")),
    path("open-data/", include("feedback.open_data_urls")),
    path("accounts/", include("asan_portal.accounts_urls")),
    path("admin/", admin.site.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    prefix_default_language=True,
)

admin.site.site_header = "ASAN portal"
# The admin's sign-in shares the portal's lock-out after repeated wrong passwords (asan_portal/lockout.py).
admin.site.login_form = StaffAuthenticationForm
admin.site.site_title = "ASAN portal"

handler403 = "asan_portal.views.permission_denied"
handler404 = "asan_portal.views.page_not_found"
handler500 = "asan_portal.views.server_error"
