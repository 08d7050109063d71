"""Public, read-only REST API of the catalogue: services, providers, categories.

One view per resource and action; each validates its query parameters, calls one
selector and formats the result with an explicit serializer.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.generics import ListAPIView, RetrieveAPIView

from asan_portal.api import (
    BAD_REQUEST_RESPONSE,
    LANGUAGE_PARAMETER,
    NOT_FOUND_RESPONSE,
    PAGE_NOT_FOUND_RESPONSE,
    LocalisedApiMixin,
)

from . import selectors
from .filters import ServiceListFilters
from .serializers import (
    CategorySerializer,
    ProviderDetailSerializer,
    ProviderSerializer,
    ServiceDetailSerializer,
    ServiceListItemSerializer,
)

CODE_PARAMETER = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The object's code.")


def _get_or_not_found(getter, code, message):
    try:
        return getter(code)
    except Http404:
        raise exceptions.NotFound(message % {"code": code}) from None


class ServiceListApi(LocalisedApiMixin, ListAPIView):
    """Public services, filtered by provider, category and centre, or searched."""

    serializer_class = ServiceListItemSerializer
    filter_backends = []

    def get_queryset(self):
        filters = ServiceListFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.service_list(**filters.selector_arguments())

    @extend_schema(
        operation_id="services_list",
        summary="List public services",
        description=(
            "Public services in Azerbaijani alphabetical order, or best match first when `search` is given. "
            "Search covers names, summaries and keywords in all three languages and the provider's and "
            "category's names; missing Azerbaijani letters and small typos are tolerated."
        ),
        parameters=[ServiceListFilters, LANGUAGE_PARAMETER],
        responses={200: ServiceListItemSerializer(many=True), 400: BAD_REQUEST_RESPONSE, 404: PAGE_NOT_FOUND_RESPONSE},
        tags=["catalogue"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ServiceDetailApi(LocalisedApiMixin, RetrieveAPIView):
    """Everything a citizen needs before a visit: documents to bring, fees, time, where to go."""

    serializer_class = ServiceDetailSerializer

    def get_object(self):
        return _get_or_not_found(
            lambda code: selectors.service_get(code, with_centres=True),
            self.kwargs["code"],
            _("There is no public service with the code “%(code)s”."),
        )

    @extend_schema(
        operation_id="services_retrieve",
        summary="One service: documents, fees, provider, category and the centres offering it",
        parameters=[CODE_PARAMETER, LANGUAGE_PARAMETER],
        responses={200: ServiceDetailSerializer, 400: BAD_REQUEST_RESPONSE, 404: NOT_FOUND_RESPONSE},
        tags=["catalogue"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProviderListApi(LocalisedApiMixin, ListAPIView):
    """Active state agencies and private companies, with how many public services each offers."""

    serializer_class = ProviderSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.provider_list_with_counts()

    @extend_schema(
        operation_id="providers_list",
        summary="List the agencies and companies serving in the centres",
        parameters=[LANGUAGE_PARAMETER],
        responses={200: ProviderSerializer(many=True), 400: BAD_REQUEST_RESPONSE, 404: PAGE_NOT_FOUND_RESPONSE},
        tags=["catalogue"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProviderDetailApi(LocalisedApiMixin, RetrieveAPIView):
    """An active provider and its public services."""

    serializer_class = ProviderDetailSerializer

    def get_object(self):
        return _get_or_not_found(
            selectors.provider_get, self.kwargs["code"], _("There is no provider with the code “%(code)s”.")
        )

    @extend_schema(
        operation_id="providers_retrieve",
        summary="One provider and its public services",
        parameters=[CODE_PARAMETER, LANGUAGE_PARAMETER],
        responses={200: ProviderDetailSerializer, 400: BAD_REQUEST_RESPONSE, 404: NOT_FOUND_RESPONSE},
        tags=["catalogue"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CategoryListApi(LocalisedApiMixin, ListAPIView):
    """Categories in display order, with how many public services each holds."""

    serializer_class = CategorySerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.category_list_with_counts()

    @extend_schema(
        operation_id="categories_list",
        summary="List the categories (life situations) services are grouped in",
        parameters=[LANGUAGE_PARAMETER],
        responses={200: CategorySerializer(many=True), 400: BAD_REQUEST_RESPONSE, 404: PAGE_NOT_FOUND_RESPONSE},
        tags=["catalogue"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
