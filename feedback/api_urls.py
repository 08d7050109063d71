"""Feedback endpoints under /api/v1/ (namespace "api")."""

from django.urls import path

from . import api

urlpatterns = [
    path("feedback/<str:token>/", api.RatingLinkApi.as_view(), name="feedback-rating"),
]
