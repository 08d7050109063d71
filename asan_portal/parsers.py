"""The request parsers of every API (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES).

A module of its own: DRF imports these while it builds APIView, so they cannot live in
asan_portal/api.py, which imports DRF's views.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# No input of ours nests deeper than a few levels; anything deeper is refused before a view,
# a serializer or the idempotency fingerprint walks it recursively.
MAX_JSON_DEPTH = 32


def _nested_deeper_than(data, limit: int) -> bool:
    # A loop, not recursion: the point is to survive data that would exhaust the stack.
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with every way a body can fail to decode answered as a 400 in the
    error shape: DRF turns ValueError into a ParseError but lets the decoder's RecursionError
    (``{"a":`` 5,000 times) through as a 500. Used by every API (REST_FRAMEWORK settings)."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = exceptions.ParseError(
            _("The request body is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise too_deep from None
        except exceptions.ParseError:
            raise exceptions.ParseError(_("The request body is not valid JSON.")) from None
        if _nested_deeper_than(data, MAX_JSON_DEPTH):
            raise too_deep
        return data
