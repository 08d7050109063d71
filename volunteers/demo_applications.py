"""Demo applications to volunteer, so the coordinator's review page has something to decide.

`applications_load_demo()` adds a few applications waiting for review (one in each language)
at demo centres, built through `application_submit` so they pass the same rules and queue the
same acknowledgements. Idempotent: an application (of any status) from a demo e-mail address is
left as it is, and no new one is made for it.
"""

import datetime as dt

from django.db import transaction

from centres.models import Centre

from .applications import application_submit, baku_today
from .models import VolunteerApplication

DEMO_APPLICANTS = [
    {
        "full_name": "Nərmin Quliyeva",
        "email": "nermin.demo@example.az",
        "phone": "+994 50 211 34 56",
        "age": 19,
        "education": "student",
        "institution": "Bakı Dövlət Universiteti",
        "languages": ["az", "en", "tr"],
        "skills": "Kompüter bilikləri, e-gov portalı ilə işləmək.",
        "available_weekdays": [0, 2, 4],
        "availability_note": "Dərsdən sonra, 14:00-dan.",
        "language": "az",
    },
    {
        "full_name": "Tural Məmmədov",
        "email": "tural.demo@example.az",
        "phone": "+994 55 344 22 10",
        "age": 23,
        "education": "bachelor",
        "institution": "ADA Universiteti",
        "languages": ["az", "en"],
        "skills": "Helped at the Baku marathon information desk.",
        "available_weekdays": [5],
        "availability_note": "",
        "language": "en",
    },
    {
        "full_name": "Ольга Ахмедова",
        "email": "olga.demo@example.az",
        "phone": "+994 70 555 67 89",
        "age": 17,
        "education": "secondary",
        "institution": "Школа № 6",
        "languages": ["az", "ru"],
        "skills": "Помогаю бабушке с электронными услугами.",
        "available_weekdays": [1, 3, 5],
        "availability_note": "После уроков.",
        "language": "ru",
    },
]


@transaction.atomic
def applications_load_demo(*, centres: int = 2) -> int:
    """Add the demo applications that are not there yet; return how many were added."""
    chosen = list(Centre.objects.public().order_by("code")[:centres])
    if not chosen:
        return 0
    today = baku_today()
    added = 0
    for spec in DEMO_APPLICANTS:
        if VolunteerApplication.objects.filter(email=spec["email"]).exists():
            continue
        born = dt.date(today.year - spec["age"], 3, 15)
        if (today.month, today.day) < (3, 15):
            born = born.replace(year=born.year - 1)
        application_submit(
            full_name=spec["full_name"],
            email=spec["email"],
            phone=spec["phone"],
            date_of_birth=born,
            education=spec["education"],
            institution=spec["institution"],
            languages=spec["languages"],
            skills=spec["skills"],
            preferred_centres=chosen,
            available_weekdays=spec["available_weekdays"],
            availability_note=spec["availability_note"],
            consent=True,
            language=spec["language"],
        )
        added += 1
    return added
