"""Catalogue endpoints under /api/v1/ (namespace "api")."""

from django.urls import path

from . import api

urlpatterns = [
    path("services/", api.ServiceListApi.as_view(), name="service-list"),
    path("services/<slug:code>/", api.ServiceDetailApi.as_view(), name="service-detail"),
    path("providers/", api.ProviderListApi.as_view(), name="provider-list"),
    path("providers/<slug:code>/", api.ProviderDetailApi.as_view(), name="provider-detail"),
    path("categories/", api.CategoryListApi.as_view(), name="category-list"),
]
