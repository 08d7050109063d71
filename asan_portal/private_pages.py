"""Pages that show a person's details are never kept by a browser or a proxy (issue 12.16).

A staff page with a citizen's full FIN or mobile number, a coordinator's page with volunteers'
phones, the citizen's rating form: after signing out, the browser's back button or a shared
computer's cache must not show them again. `private_page` marks such a view, a class (its
dispatch, so every mixin's subclass inherits it) or a function, with Django's never-cache headers
(`Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private`). The admin has them
already (AdminSite.admin_view).
"""

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


def private_page(view):
    """Decorate a view class or function: every answer it gives says no-store."""
    if isinstance(view, type):
        return method_decorator(never_cache, name="dispatch")(view)
    return never_cache(view)
