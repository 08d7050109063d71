"""The complaint pages: the public form, confirmation and tracking page; the managers' list and
detail, with who may see and do what (role x centre)."""

import re

import pytest
from django.core.cache import cache
from django.utils import translation

from appointments.models import Notification
from feedback.complaints import complaint_answer, complaint_move
from feedback.models import Complaint, ComplaintStatus
from tests.centres.factories import CentreFactory
from tests.feedback.complaint_factories import complaint_new, complaint_people
from tests.second_factor import verified_login
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db
S = ComplaintStatus
NEW = "/en/feedback/complaints/new/"
DONE = "/en/feedback/complaints/new/done/"
TRACK = "/en/feedback/complaints/track/"
STAFF = "/en/staff/complaints/"


@pytest.fixture(autouse=True)
def english_and_fresh_limits():
    cache.clear()  # the limiter counts in the shared cache: start every test at zero
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def centres():
    return CentreFactory(), CentreFactory()


@pytest.fixture
def people(django_user_model, centres):
    return complaint_people(django_user_model, *centres)


def _form(at, **overrides):
    data = {
        "kind": "complaint",
        "centre": at.pk,
        "service": "",
        "ticket_code": "",
        "full_name": "Aysel Məmmədova",
        "phone": "+994 50 123 45 67",
        "email": "",
        "subject": "Long wait",
        "text": "I waited more than an hour and nobody explained why.",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- public: submitting ------------------------------------------------------------------------


def test_the_form_offers_every_field_with_a_label(client, centres):
    response = client.get(NEW)

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("kind", "centre", "service", "ticket_code", "full_name", "phone", "email", "subject", "text"):
        assert f'name="{field}"' in html
    assert 'for="id_consent"' in html
    assert centres[0].name_en in html


def test_a_valid_submission_shows_the_tracking_number_on_the_confirmation_page(client, centres):
    service = ServiceFactory()

    response = client.post(NEW, _form(centres[0], service=service.pk, email="a@example.az"))

    assert response.status_code == 302
    assert response["Location"] == DONE
    complaint = Complaint.objects.get()
    assert (complaint.centre, complaint.service, complaint.language) == (centres[0], service, "en")
    done = client.get(DONE)
    assert done.status_code == 200
    assert complaint.tracking_number in done.content.decode()
    assert done["Cache-Control"] == "no-store, private"


def test_the_confirmation_page_without_a_submission_sends_back_to_the_form(client):
    assert client.get(DONE)["Location"] == NEW


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": "", "email": ""}, "phone", "Give a mobile number or an e-mail address"),
        ({"phone": "123"}, "phone", "Enter an Azerbaijani mobile number"),
        ({"email": "nope"}, "email", "valid email"),
        ({"full_name": ""}, "full_name", "This field is required"),
        ({"subject": ""}, "subject", "This field is required"),
        ({"text": "short"}, "text", "at least 10 characters"),
        ({"consent": None}, "consent", "We need your agreement"),
        ({"centre": "999999"}, "centre", "Select a valid choice"),
        ({"kind": "spam"}, "kind", "Select a valid choice"),
        ({"ticket_code": "???"}, "ticket_code", "A ticket code looks like A-012"),
    ],
)
def test_each_invalid_field_is_refused_with_400_and_a_message_next_to_it(client, centres, overrides, field, message):
    response = client.post(NEW, _form(centres[0], **overrides))

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The message is tied to its field (crispy's error id), so a screen reader reads it with the field.
    assert re.search(rf'id="error_\d+_id_{field}"', html), field
    assert not Complaint.objects.exists()
    assert not Notification.objects.exists()


def test_too_many_submissions_from_one_address_answer_429(client, centres, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "complaint_submit": "2/h"}

    statuses = [client.post(NEW, _form(centres[0], phone=f"+99450123456{n}")).status_code for n in range(3)]

    assert statuses == [302, 302, 429]
    assert Complaint.objects.count() == 2
    refused = client.post(NEW, _form(centres[0]))
    assert "Too many attempts" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0


def test_too_many_submissions_with_one_phone_answer_429(client, centres, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "complaint_submit_contact": "1/h"}

    first = client.post(NEW, _form(centres[0]), REMOTE_ADDR="10.0.0.1")
    second = client.post(NEW, _form(centres[0]), REMOTE_ADDR="10.0.0.2")

    assert (first.status_code, second.status_code) == (302, 429)
    assert Complaint.objects.count() == 1


# --- public: tracking --------------------------------------------------------------------------


def test_tracking_shows_the_status_history_and_the_answer(client, people, centres):
    complaint = complaint_new(centres[0], phone="+994501234567", email="")
    complaint_move(complaint=complaint, to_status=S.IN_REVIEW, by=people["manager"], note="internal note")
    complaint_answer(complaint=complaint, answer="We added a second counter.", by=people["manager"])

    opened = client.get(f"{TRACK}?number={complaint.tracking_number}")
    response = client.post(TRACK, {"number": complaint.tracking_number.lower(), "contact": "050 123 45 67"})

    assert complaint.tracking_number in opened.content.decode()  # filled in from the SMS link
    assert response.status_code == 200
    html = response.content.decode()
    assert "We added a second counter." in html
    assert html.count("<li>") >= 3  # received, in review, answered
    assert "In review" in html
    assert "internal note" not in html  # the manager's notes stay internal
    assert "manager-a" not in html


@pytest.mark.parametrize("wrong", ["number", "contact", "both"])
def test_a_wrong_number_or_contact_gets_the_same_neutral_404(client, centres, wrong):
    complaint = complaint_new(centres[0], phone="+994501234567", email="")
    number = "SK-2222-3333" if wrong in ("number", "both") else complaint.tracking_number
    contact = "+994551112233" if wrong in ("contact", "both") else "+994501234567"

    response = client.post(TRACK, {"number": number, "contact": contact})

    assert response.status_code == 404
    html = response.content.decode()
    assert "We found no message with this tracking number and this phone or e-mail." in html
    assert complaint.subject not in html


def test_an_empty_tracking_form_is_a_400(client):
    assert client.post(TRACK, {"number": "", "contact": ""}).status_code == 400


def test_guessing_tracking_numbers_is_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "complaint_track": "2/600"}

    statuses = [
        client.post(TRACK, {"number": "SK-2222-3333", "contact": "+994501234567"}).status_code for _i in range(3)
    ]

    assert statuses == [404, 404, 429]


# --- staff -------------------------------------------------------------------------------------


@pytest.fixture
def two_complaints(centres, people):
    return complaint_new(centres[0], subject="At A"), complaint_new(centres[1], subject="At B")


def _detail(complaint):
    return f"{STAFF}{complaint.tracking_number}/"


@pytest.mark.parametrize(
    ("who", "list_status", "sees_a", "sees_b", "own_detail", "other_detail", "may_handle"),
    [
        ("manager", 200, True, False, 200, 404, True),
        ("manager_b", 200, False, True, 404, 200, False),
        ("official", 200, True, True, 200, 200, False),
        ("superuser", 200, True, True, 200, 200, True),
        ("operator", 403, False, False, 404, 404, False),
        ("nobody", 403, False, False, 404, 404, False),
    ],
)
def test_who_sees_and_handles_which_complaints(
    client, people, two_complaints, who, list_status, sees_a, sees_b, own_detail, other_detail, may_handle
):
    at_a, at_b = two_complaints
    verified_login(client, people[who])

    listing = client.get(STAFF)
    detail_a, detail_b = client.get(_detail(at_a)), client.get(_detail(at_b))
    move = client.post(f"{_detail(at_a)}move/", {"to_status": S.IN_REVIEW})

    assert listing.status_code == list_status
    html = listing.content.decode()
    assert (at_a.tracking_number in html, at_b.tracking_number in html) == (sees_a, sees_b)
    assert (detail_a.status_code, detail_b.status_code) == (own_detail, other_detail)
    at_a.refresh_from_db()
    assert (at_a.status == S.IN_REVIEW) == may_handle
    if may_handle:
        assert move.status_code == 302
    else:
        assert move.status_code in (403, 404)
    if own_detail == 200 and not may_handle:
        assert "You can read this complaint but not handle it." in detail_a.content.decode()
        assert 'action="' not in detail_a.content.decode().split("<main", 1)[1].split("</main>")[0]


def test_anonymous_staff_pages_ask_for_a_login(client, two_complaints):
    for url in (STAFF, _detail(two_complaints[0])):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_list_puts_the_oldest_open_complaint_first_counts_per_status_and_masks_contacts(client, people, centres):
    manager = people["manager"]
    answered = complaint_new(centres[0], subject="First, answered")
    complaint_answer(complaint=answered, answer="Done.", by=manager)
    oldest_open = complaint_new(centres[0], subject="Second, open", phone="+994501234567", email="")
    newest_open = complaint_new(centres[0], subject="Third, in review")
    complaint_move(complaint=newest_open, to_status=S.IN_REVIEW, by=manager)
    client.force_login(manager)

    html = client.get(STAFF).content.decode()

    order = [html.index(c.tracking_number) for c in (oldest_open, newest_open, answered)]
    assert order == sorted(order)
    assert "+994501234567" not in html
    assert "4567" in html
    counts = dict(re.findall(r"([A-Za-z ]+) <span class=\"badge[^\"]*\">(\d+)</span>", html))
    assert {k.strip(): int(v) for k, v in counts.items()} == {"Received": 1, "In review": 1, "Answered": 1, "Closed": 0}


def test_the_list_filters_by_status_kind_and_centre(client, people, centres):
    suggestion = complaint_new(centres[0], kind="suggestion")
    complaint = complaint_new(centres[0], kind="complaint")
    elsewhere = complaint_new(centres[1], kind="suggestion")
    verified_login(client, people["superuser"])

    html = client.get(STAFF, {"kind": "suggestion", "centre": centres[0].pk}).content.decode()

    assert suggestion.tracking_number in html
    assert complaint.tracking_number not in html
    assert elsewhere.tracking_number not in html
    assert client.get(STAFF, {"status": "closed"}).content.decode().count("SK-") == 0


def test_the_detail_shows_the_full_contact_and_the_history_to_the_manager(client, people, centres):
    complaint = complaint_new(centres[0], phone="+994501234567")
    client.force_login(people["manager"])

    html = client.get(_detail(complaint)).content.decode()

    assert "+994501234567" in html
    assert complaint.text in html
    assert "Send the answer" in html


def test_the_manager_answers_from_the_detail_page(client, people, centres):
    complaint = complaint_new(centres[0])
    client.force_login(people["manager"])

    empty = client.post(f"{_detail(complaint)}answer/", {"answer": ""})
    response = client.post(f"{_detail(complaint)}answer/", {"answer": "Thank you, fixed.", "note": "called her"})

    assert empty.status_code == 400
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.answer) == (S.ANSWERED, "Thank you, fixed.")
    assert Notification.objects.filter(kind="complaint_answered").count() == 2
    again = client.post(f"{_detail(complaint)}answer/", {"answer": "Again"})
    assert again.status_code == 409
    assert "cannot be moved" in again.content.decode()
    assert Notification.objects.filter(kind="complaint_answered").count() == 2


def test_an_illegal_move_from_the_page_is_a_409_with_a_clear_message(client, people, centres):
    complaint = complaint_new(centres[0])
    client.force_login(people["manager"])

    response = client.post(f"{_detail(complaint)}move/", {"to_status": S.CLOSED})

    assert response.status_code == 409
    assert "cannot be moved" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == S.RECEIVED


def test_the_list_takes_a_fixed_number_of_queries(client, people, centres, django_assert_max_num_queries):
    for _n in range(5):
        complaint_new(centres[0])
    client.force_login(people["manager"])

    # 12 for the list and 7 for the staff menu of a manager of one centre (asan_portal/staff_menu.py).
    with django_assert_max_num_queries(12 + 7):
        assert client.get(STAFF).status_code == 200


def test_the_admin_lists_complaints_read_only_and_scoped_to_the_managers_centres(client, people, two_complaints):
    at_a, at_b = two_complaints
    changelist = "/en/admin/feedback/complaint/"

    client.force_login(people["official"])
    official = client.get(changelist).content.decode()
    client.force_login(people["manager"])
    manager = client.get(changelist).content.decode()
    change = client.post(f"{changelist}{at_a.pk}/change/", {"status": "closed"})

    assert at_a.tracking_number in official and at_b.tracking_number in official
    assert at_a.tracking_number in manager and at_b.tracking_number not in manager
    assert change.status_code == 403
    at_a.refresh_from_db()
    assert at_a.status == S.RECEIVED


def test_the_status_buttons_keep_the_other_filters(client, people, centres):
    verified_login(client, people["superuser"])

    html = client.get(STAFF, {"kind": "suggestion", "centre": centres[0].pk}).content.decode()

    assert f'href="?kind=suggestion&amp;centre={centres[0].pk}&amp;status=received"' in html
