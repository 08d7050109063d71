"""Open-data endpoints under /api/v1/ (namespace "api"); public and read-only."""

from django.urls import path

from . import api_stats

urlpatterns = [
    path("stats/satisfaction/", api_stats.StatsSatisfactionApi.as_view(), name="stats-satisfaction"),
]
