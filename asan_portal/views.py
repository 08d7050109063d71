import sys

from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.generic import TemplateView
from prometheus_client import CONTENT_TYPE_LATEST

from centres.models import Centre
from services.models import Category
from services.selectors import service_list

from .health import health_report
from .metrics import metrics_access_allowed, metrics_render
from .private_links import PrivateLinkMissing
from .unavailable import database_unavailable, unavailable_response

POPULAR_SERVICES = 8


class HomeView(TemplateView):
    """Search first, then life situations (categories), the most widely offered services and the centres."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        public = Q(services__is_published=True, services__is_active=True, services__provider__is_active=True)
        context["categories"] = [
            c for c in Category.objects.annotate(service_count=Count("services", filter=public)) if c.service_count
        ]
        context["popular_services"] = _popular_services()
        context["centre_count"] = Centre.objects.public().count()
        return context


def _popular_services() -> list:
    """The services most people apply for (Service.popularity), topped up with the most widely offered."""
    offered_in = Count("offers", filter=Q(offers__is_active=True, offers__centre__is_active=True))
    return list(
        service_list()
        .annotate(centre_count=offered_in)
        .order_by("-popularity", "-centre_count", "name_az")[:POPULAR_SERVICES]
    )


def healthz(request):
    """For the load balancer: the database, Redis and the workers' heartbeat (asan_portal/health.py)."""
    body, status = health_report()
    return JsonResponse(body, status=status)


def metrics(request):
    """Prometheus text format, for the scraper only: anyone else is told there is nothing here."""
    if not metrics_access_allowed(request):
        raise Http404
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    # The same shape as asan_portal.api.exception_handler, for URLs no API view answers.
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def page_not_found(request, exception):
    if _is_api(request):
        return _api_error("not_found", gettext("There is no API endpoint at this address."), 404)
    if isinstance(exception, PrivateLinkMissing):
        # A clean page of a private link opened without the grant (another browser, an expired
        # session, a bookmark): say how to get back in (asan_portal/private_links.py).
        return render(request, "private_link_missing.html", status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception):
    """The portal's own 403 page, in the request's language, with a way back (issue 12.6).

    The API keeps its JSON error shape (a DRF view answers that itself; this covers the rest)."""
    if _is_api(request):
        return _api_error("permission_denied", gettext("You do not have permission to do this."), 403)
    return render(request, "403.html", {"reason": "permission"}, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without a valid token (an old tab, blocked cookies).

    The technical `reason` is for the log, not for the citizen."""
    if _is_api(request):
        return _api_error("csrf_failed", gettext("The request could not be verified. Reload and try again."), 403)
    return render(request, "403.html", {"reason": "csrf"}, status=403)


def server_error(request):
    # Django calls this inside its `except`: a lost database connection raised outside a view
    # (a middleware's session write) gets the same 503 as one raised in a view.
    error = sys.exc_info()[1]
    if database_unavailable(error):
        return unavailable_response(request, error)
    if _is_api(request):
        return _api_error("server_error", gettext("Something went wrong on our side. Try again later."), 500)
    return render(request, "500.html", status=500)
