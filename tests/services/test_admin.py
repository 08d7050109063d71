import io

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from asan_portal.azerbaijani import fold
from asan_portal.roles import CATALOGUE_ADMIN, CENTRE_MANAGER, OFFICIAL, OPERATOR, role_grant, roles_sync
from centres.models import Counter, StaffMembership, StaffRole
from services.catalogue_csv import COLUMNS
from services.models import RequiredDocument, Service
from tests.centres.factories import CentreFactory
from tests.second_factor import verified_login
from tests.services.factories import ProviderFactory, RequiredDocumentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source text; the default language is Azerbaijani."""
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    """Sign a fresh user with `role` into the test client and return the user."""
    roles_sync()

    def _login(role=None, *, username=None, superuser=False):
        user_model = get_user_model()
        username = username or f"user-{(role or 'super').lower().replace(' ', '-')}"
        if superuser:
            user = user_model.objects.create_superuser(username, password="x")  # noqa: S106
        else:
            user = user_model.objects.create_user(username, password="x")  # noqa: S106
            role_grant(user=user, role=role)
        verified_login(client, user)
        return user

    return _login


def post_data_from_form_page(response) -> dict:
    """What a browser would send back from an admin change form, unchanged."""
    data = {}

    def add_form(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.initial_forms:
            add_form(form)
    return data


def test_catalogue_admin_edits_a_service_in_the_admin_and_the_change_is_recorded(client, login):
    # given
    editor = login(CATALOGUE_ADMIN)
    service = ServiceFactory(name_en="Old English name")
    RequiredDocumentFactory(service=service, name_az="Foto")
    url = reverse("admin:services_service_change", args=[service.pk])
    data = post_data_from_form_page(client.get(url))

    # when
    data["name_en"] = "Renewal of a driving licence"
    data["documents-0-name_en"] = "Photograph"
    response = client.post(url, data)

    # then
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    service.refresh_from_db()
    assert service.name_en == "Renewal of a driving licence"
    assert fold("driving licence") in service.search_text
    assert RequiredDocument.objects.get(service=service).name_en == "Photograph"
    record = service.history.latest()
    assert (record.history_type, record.history_user) == ("~", editor)
    history_page = client.get(reverse("admin:services_service_history", args=[service.pk]))
    assert history_page.status_code == 200
    assert editor.username in history_page.content.decode()


def test_saving_a_provider_in_the_admin_refreshes_its_services_search_text(client, login):
    login(CATALOGUE_ADMIN)
    provider = ProviderFactory()
    services = ServiceFactory.create_batch(2, provider=provider)
    url = reverse("admin:services_provider_change", args=[provider.pk])
    data = post_data_from_form_page(client.get(url))
    data["name_en"] = "Ministry of Digital Development"

    response = client.post(url, data)

    assert response.status_code == 302
    for service in services:
        service.refresh_from_db()
        assert fold("Digital Development") in service.search_text


def test_service_changelist_searches_names_in_every_language_and_codes(client, login):
    login(CATALOGUE_ADMIN)
    ServiceFactory(code="passport-issue", name_ru="Выдача паспорта")
    ServiceFactory(code="birth-registration", name_ru="Регистрация рождения")
    url = reverse("admin:services_service_changelist")

    by_russian = client.get(url, {"q": "паспорта"})
    by_code = client.get(url, {"q": "birth-reg"})

    assert [s.code for s in by_russian.context["cl"].result_list] == ["passport-issue"]
    assert [s.code for s in by_code.context["cl"].result_list] == ["birth-registration"]


def test_official_can_view_the_catalogue_but_not_change_it(client, login):
    login(OFFICIAL)
    service = ServiceFactory(name_en="Unchanged")
    url = reverse("admin:services_service_change", args=[service.pk])

    page = client.get(url)
    data = post_data_from_form_page(page) if "adminform" in page.context else {}
    data["name_en"] = "Changed by an official"
    response = client.post(url, data)

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.name_en == "Unchanged"
    assert client.get(reverse("admin:services_service_history", args=[service.pk])).status_code == 200
    assert client.get(reverse("admin:services_service_add")).status_code == 403
    assert client.get(reverse("admin:services_service_import_csv")).status_code == 403
    centre = CentreFactory()
    assert client.get(reverse("admin:centres_centre_change", args=[centre.pk])).status_code == 200
    export = client.get(reverse("admin:services_service_export_csv"))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")


def test_operator_cannot_change_the_catalogue(client, login):
    login(OPERATOR)
    service = ServiceFactory(name_en="Unchanged")
    provider = service.provider

    change = client.post(reverse("admin:services_service_change", args=[service.pk]), {"name_en": "Nope"})
    provider_list = client.get(reverse("admin:services_provider_changelist"))
    delete = client.post(reverse("admin:services_service_delete", args=[service.pk]), {"post": "yes"})

    assert change.status_code == 403
    assert provider_list.status_code == 403
    assert delete.status_code == 403
    service.refresh_from_db()
    assert service.name_en == "Unchanged"
    assert Service.objects.filter(pk=service.pk).exists()
    assert provider.name_en == type(provider).objects.get(pk=provider.pk).name_en


def _csv_upload(rows: list[dict[str, str]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    buffer.write(",".join(COLUMNS) + "\r\n")
    for row in rows:
        buffer.write(",".join(row.get(column, "") for column in COLUMNS) + "\r\n")
    return SimpleUploadedFile("catalogue.csv", buffer.getvalue().encode(), content_type="text/csv")


def _row(service, **overrides) -> dict[str, str]:
    row = {
        "code": "new-service",
        "provider": service.provider.code,
        "category": service.category.code,
        "name_az": "Yeni xidmət",
        "fee_azn": "0",
        "duration_minutes": "15",
        "processing_days": "0",
        "processing_days_kind": "working",
        "bookable_online": "true",
        "is_published": "true",
        "is_active": "true",
    }
    row.update(overrides)
    return row


def test_import_page_lists_every_error_and_imports_nothing(client, login):
    login(CATALOGUE_ADMIN)
    service = ServiceFactory()
    url = reverse("admin:services_service_import_csv")
    upload = _csv_upload(
        [_row(service), _row(service, code="other", provider="ghost"), _row(service, code="third", fee_azn="x")]
    )
    count_before = Service.objects.count()

    response = client.post(url, {"file": upload})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="import-error"') == 2
    assert "ghost" in html
    assert "<code>fee_azn</code>" in html
    assert Service.objects.count() == count_before


def test_import_page_imports_a_valid_file_and_reports_counts(client, login):
    importer = login(CATALOGUE_ADMIN)
    service = ServiceFactory()
    changelist = reverse("admin:services_service_changelist")

    assert f'href="{reverse("admin:services_service_import_csv")}"' in client.get(changelist).content.decode()
    response = client.post(
        reverse("admin:services_service_import_csv"),
        {"file": _csv_upload([_row(service), _row(service, code=service.code, name_az="Yenilənmiş ad")])},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == changelist
    assert "1 services created, 1 updated" in response.content.decode()
    assert Service.objects.get(code="new-service").history.latest().history_user == importer
    service.refresh_from_db()
    assert service.name_az == "Yenilənmiş ad"


def test_export_action_downloads_only_the_selected_services(client, login):
    login(CATALOGUE_ADMIN)
    chosen, _other = ServiceFactory(code="chosen"), ServiceFactory(code="not-chosen")

    response = client.post(
        reverse("admin:services_service_changelist"),
        {"action": "export_selected_csv", "_selected_action": [chosen.pk]},
    )

    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,provider,category")
    assert [line.split(",")[0] for line in lines[1:]] == ["chosen"]


def test_centre_manager_changes_only_counters_of_their_own_centre(client, login):
    manager = login(CENTRE_MANAGER)
    own, other = CentreFactory(), CentreFactory()
    StaffMembership.objects.create(user=manager, centre=own, role=StaffRole.MANAGER)
    own_counter = Counter.objects.create(centre=own, number=1, label_az="A")
    other_counter = Counter.objects.create(centre=other, number=1, label_az="B")

    listing = client.get(reverse("admin:centres_counter_changelist"))
    own_change = client.post(
        reverse("admin:centres_counter_change", args=[own_counter.pk]),
        {"centre": own.pk, "number": 1, "label_az": "Renamed", "is_active": "on"},
    )
    other_change = client.post(
        reverse("admin:centres_counter_change", args=[other_counter.pk]),
        {"centre": other.pk, "number": 1, "label_az": "Hijacked", "is_active": "on"},
    )

    assert list(listing.context["cl"].result_list) == [own_counter]
    assert own_change.status_code == 302
    assert other_change.status_code in (302, 403, 404)
    own_counter.refresh_from_db()
    other_counter.refresh_from_db()
    assert own_counter.label == "Renamed"
    assert other_counter.label == "B"


def test_every_catalogue_and_centre_admin_page_opens_for_a_superuser(client, login):
    """Catches a bad fieldset, inline or autocomplete before an administrator does."""
    login(superuser=True)
    service = ServiceFactory()
    RequiredDocumentFactory(service=service)
    centre = CentreFactory()
    Counter.objects.create(centre=centre, number=1).services.add(service)
    StaffMembership.objects.create(user=get_user_model().objects.get(), centre=centre, role=StaffRole.OPERATOR)
    registered = [model for model in admin_site._registry if model._meta.app_label in ("services", "centres")]
    assert len(registered) >= 9

    superuser_request = RequestFactory().get("/")
    superuser_request.user = get_user_model().objects.get()
    for model in registered:
        opts = model._meta
        obj = model.objects.first()
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        if admin_site._registry[model].has_add_permission(superuser_request):
            urls.append(add)
        else:  # a record nobody writes by hand (the audit trail): the add page refuses
            assert client.get(add).status_code == 403, add
        if obj is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))
        for url in urls:
            assert client.get(url).status_code == 200, url
