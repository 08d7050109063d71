"""axe-core with zero tolerance: any violation, of any impact, fails the page; then a screenshot
to /tmp/<prefix>-<name>.png to look at."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page


def axe_clean(page: Page, name: str, *, prefix: str = "queue", full_page: bool = True) -> None:
    result = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
    ]
    page.screenshot(path=f"/tmp/{prefix}-{name}.png", full_page=full_page)
    assert problems == [], f"{name}:\n" + "\n".join(problems)
