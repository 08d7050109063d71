"""Security headers Django 5.2 does not write itself: Content-Security-Policy and Permissions-Policy.

Why our own middleware and not django-csp (docs/adr/0016): the policy is one fixed string per
area, with no nonces (no page has an inline script), so a dozen lines do it without another
dependency. Django's SecurityMiddleware already writes X-Content-Type-Options,
Referrer-Policy and Cross-Origin-Opener-Policy (settings SECURE_*), and XFrameOptionsMiddleware
X-Frame-Options; this module adds the rest.

The policies live in settings (CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY); a view that needs
something else sets the header itself and is left alone.
"""

import base64
import hashlib
import re
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@cache
def inline_style_hashes() -> tuple[str, ...]:
    """CSP hashes of the <style> blocks in the self-contained error page (templates/500.html).

    That page carries its own CSS so it renders even when the cause of the error is the
    static files; hashing it keeps `style-src` free of 'unsafe-inline'."""
    hashes = []
    for directory in settings.TEMPLATES[0]["DIRS"]:
        path = directory / "500.html"
        if path.exists():
            for block in _STYLE_BLOCK.findall(path.read_text(encoding="utf-8")):
                digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
                hashes.append(f"'sha256-{digest}'")
    return tuple(hashes)


def policy_header(policy: dict[str, list[str]]) -> str:
    parts = []
    for directive, sources in policy.items():
        # A hash would switch 'unsafe-inline' off, so it is only added where that is not allowed anyway.
        if directive == "style-src" and "'unsafe-inline'" not in sources:
            sources = [*sources, *inline_style_hashes()]
        parts.append(" ".join([directive, *sources]).strip())
    return "; ".join(parts)


@cache
def _headers(area: str) -> dict[str, str]:
    policy = dict(settings.CONTENT_SECURITY_POLICY)
    if area == "api-docs":
        policy.update(getattr(settings, "CONTENT_SECURITY_POLICY_API_DOCS", {}))
    headers = {"Content-Security-Policy": policy_header(policy)}
    permissions = getattr(settings, "PERMISSIONS_POLICY", {})
    if permissions:
        headers["Permissions-Policy"] = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in permissions.items()
        )
    return headers


def _area(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return "api-docs" if match is not None and match.url_name == "api-docs" else "site"


class SecurityHeadersMiddleware:
    """Adds the CSP and Permissions-Policy headers to every response that has none yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in _headers(_area(request)).items():
            if name not in response:
                response[name] = value
        return response
