"""axe-core on every public page type in each language: no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/{lang}/",
    "/{lang}/services/",
    "/{lang}/services/?q=pasport",
    "/{lang}/services/passport-issue/",
    "/{lang}/centres/",
    "/{lang}/centres/baku-1/",
    "/{lang}/centres/no-such-centre/",
]


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_pages_have_no_serious_accessibility_violations(page: Page, site, lang):
    axe = Axe()
    problems = []
    for template in PAGES:
        path = template.format(lang=lang)
        page.goto(f"{site}{path}")
        result = axe.run(page)
        for violation in result.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {violation['help']} {targets}")
    assert problems == [], "\n".join(problems)
