import re

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

CATALOGUE_PATHS = [
    "/api/v1/services/",
    "/api/v1/services/{code}/",
    "/api/v1/providers/",
    "/api/v1/providers/{code}/",
    "/api/v1/categories/",
    "/api/v1/centres/",
    "/api/v1/centres/{code}/",
]


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate(schema)  # raises on any violation of the OpenAPI specification


def test_schema_documents_every_catalogue_endpoint(schema):
    for path in CATALOGUE_PATHS:
        assert path in schema["paths"], path
        operation = schema["paths"][path]["get"]
        parameters = {parameter["name"] for parameter in operation["parameters"]}
        assert "lang" in parameters, path
        assert "200" in operation["responses"], path
        assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        if "{code}" in path:
            assert "code" in parameters
            assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
        # Read-only: nothing but GET.
        assert set(schema["paths"][path]) == {"get"}, path


def test_schema_documents_list_filters_and_pagination(schema):
    services = {p["name"] for p in schema["paths"]["/api/v1/services/"]["get"]["parameters"]}
    centres = {p["name"] for p in schema["paths"]["/api/v1/centres/"]["get"]["parameters"]}

    assert {"search", "provider", "category", "centre", "page", "page_size"} <= services
    assert {"city", "service", "kind", "page", "page_size"} <= centres
    ok = schema["paths"]["/api/v1/services/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    paginated = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(paginated["properties"])


def test_translations_and_error_shape_are_components(schema):
    components = schema["components"]["schemas"]
    assert set(components["Translations"]["properties"]) == {"az", "en", "ru"}
    service = components["ServiceDetail"]["properties"]
    assert service["name_i18n"]["allOf"] == [{"$ref": "#/components/schemas/Translations"}]
    assert set(components["ErrorDetail"]["properties"]) == {"code", "message", "fields"}


def test_swagger_ui_answers_and_loads_its_assets_from_our_own_static(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    scripts_and_styles = [url for url in assets if url.endswith((".js", ".css"))]
    assert scripts_and_styles, html
    for url in scripts_and_styles:
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
    assert "cdn" not in html.lower()
    assert "unpkg" not in html.lower()
    # The assets are really served.
    for url in scripts_and_styles:
        asset = client.get(url)
        assert asset.status_code == 200, url
