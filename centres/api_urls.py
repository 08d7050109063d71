"""Centre endpoints under /api/v1/ (namespace "api")."""

from django.urls import path

from . import api

urlpatterns = [
    path("centres/", api.CentreListApi.as_view(), name="centre-list"),
    path("centres/<slug:code>/", api.CentreDetailApi.as_view(), name="centre-detail"),
]
