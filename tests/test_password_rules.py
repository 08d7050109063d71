"""Password rules (AUTH_PASSWORD_VALIDATORS, docs/adr/0020): at least 12 characters, none of the
common ones, not all digits, not like the user's name; every form that sets a password uses them
and says why in the page's language."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from centres.demo import DEMO_PASSWORD
from volunteers.views_applications import PasswordSetView

pytestmark = pytest.mark.django_db


def refusal(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


def test_ten_characters_are_too_short():
    assert refusal("Xk7#pq9!Lm") == ["password_too_short"]


def test_a_common_password_is_refused_however_long():
    assert "password_too_common" in refusal("password1234")


def test_twelve_uncommon_characters_pass():
    assert refusal("Xk7#pq9!Lm2@") == []


def test_the_demo_password_passes_the_rules():
    assert len(DEMO_PASSWORD) == 14
    assert refusal(DEMO_PASSWORD, get_user_model()(username="admin", first_name="Admin")) == []


@pytest.mark.parametrize(
    ("language", "too_short", "too_common"),
    [
        ("az", "Şifrə çox qısadır. Şifrədə ən az 12 simvol olmalıdır.", "Bu şifrə çox asandır."),
        ("en", "This password is too short. It must contain at least 12 characters.", "This password is too common."),
        ("ru", "Он должен состоять из как минимум 12 символов.", "Введённый пароль слишком широко распространён."),
    ],
)
def test_the_volunteers_set_password_form_refuses_in_the_pages_language(language, too_short, too_common):
    user = get_user_model().objects.create_user("vol-rules@example.org", password=None)
    form_class = PasswordSetView.form_class

    with translation.override(language):
        short = form_class(user, {"new_password1": "Xk7#pq9!Lm", "new_password2": "Xk7#pq9!Lm"})
        common = form_class(user, {"new_password1": "password1234", "new_password2": "password1234"})
        assert not short.is_valid() and not common.is_valid()
        short_errors, common_errors = " ".join(short.errors["new_password2"]), " ".join(common.errors["new_password2"])

    assert too_short in short_errors
    assert too_common in common_errors


def test_the_admins_password_forms_use_the_rules_too(client, verified_login):
    root = get_user_model().objects.create_superuser("root-rules", password="x")  # noqa: S106
    other = get_user_model().objects.create_user("other-rules", password="x")  # noqa: S106
    verified_login(client, root)

    response = client.post(
        f"/en/admin/auth/user/{other.pk}/password/",
        {"password1": "Xk7#pq9!Lm", "password2": "Xk7#pq9!Lm", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
