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


BOOKING_OPERATIONS = {
    ("/api/v1/availability/", "get"): {"200", "400", "429"},
    ("/api/v1/availability/earliest/", "get"): {"200", "400", "429"},
    ("/api/v1/appointments/", "post"): {"201", "400", "409", "422", "429"},
    ("/api/v1/appointments/{reference}/", "get"): {"200", "404", "429"},
    ("/api/v1/appointments/{reference}/verify/", "post"): {"200", "400", "404", "409", "429"},
    ("/api/v1/appointments/{reference}/cancel/", "post"): {"200", "404", "409", "429"},
    ("/api/v1/appointments/{reference}/reschedule/", "post"): {"200", "400", "404", "409", "429"},
}


def test_schema_documents_every_booking_endpoint_with_its_errors(schema):
    for (path, method), statuses in BOOKING_OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert statuses <= set(operation["responses"]), (path, method)
        for code in statuses - {"200", "201"}:
            content = operation["responses"][code]["content"]["application/json"]
            assert "$ref" in content["schema"], (path, code)
    create = schema["paths"]["/api/v1/appointments/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"] if p["in"] == "header"}
    assert create["responses"]["409"]["content"]["application/json"]["examples"]
    created = schema["components"]["schemas"]["AppointmentCreateOutput"]["properties"]
    assert {"reference", "manage_token", "status", "hold_expires_at", "start", "end"} <= set(created)


def test_manage_token_is_an_api_key_security_scheme_on_the_token_endpoints(schema):
    assert schema["components"]["securitySchemes"]["ManageToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Manage-Token",
        "description": schema["components"]["securitySchemes"]["ManageToken"]["description"],
    }
    for path, method in BOOKING_OPERATIONS:
        security = schema["paths"][path][method].get("security", [])
        needs_token = "{reference}" in path
        assert ({"ManageToken": []} in security) is needs_token, (path, method, security)
