"""Refusals of the feedback rules. Each carries a stable code, an HTTP status and a translated
message a citizen understands; pages and the API turn them into 4xx answers
(asan_portal.api.DomainError)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from asan_portal.api import DomainError


class RatingError(DomainError):
    code = "rating_refused"
    status_code = status.HTTP_400_BAD_REQUEST


class InvalidRating(RatingError):
    """A score out of 1..5, an unknown aspect or a comment too long; `fields` says which."""

    code = "validation_error"


class LinkUnknown(RatingError):
    code = "link_unknown"
    status_code = status.HTTP_404_NOT_FOUND


class LinkExpired(RatingError):
    code = "link_expired"
    status_code = status.HTTP_410_GONE


class AlreadyRated(RatingError):
    code = "already_rated"
    status_code = status.HTTP_409_CONFLICT


class NotRateable(RatingError):
    """The visit is not finished (or was not served), so there is nothing to rate yet."""

    code = "not_rateable"
    status_code = status.HTTP_409_CONFLICT


RATING_MESSAGES = {
    "invalid": _("Some answers are not valid. Check them and try again."),
    "score_required": _("Choose a score from 1 to 5."),
    "score_range": _("A score must be a whole number from 1 to 5."),
    "aspect_unknown": _("There is no such question."),
    "comment_too_long": _("The comment may be at most %(limit)s characters long."),
    "link_unknown": _("This link is not known. Check that you opened the whole link from the message."),
    "link_expired": _("This link has expired: visits can be rated for %(days)s days."),
    "already_rated": _("This visit has already been rated. Thank you!"),
    "not_rateable": _("This visit cannot be rated: it has not been completed."),
}
