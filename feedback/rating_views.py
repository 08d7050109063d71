"""Pages for rating a visit (feedback/rating_urls.py).

- The private link (`RatingLinkView`) grants the session the visit and redirects to its clean
  page (`RatingVisitView`, no token in the URL, docs/adr/0019). Opening either only shows the
  form, since mail scanners and link previews open links too; only a POST rates. An unknown,
  expired or already used link gets a friendly page with a 404, 410 or 409 status, never an
  error page.
- The counter tablet (`CounterRatingView`): a signed-in operator or manager of the counter's
  centre leaves it facing the citizen; it offers the visit just completed at that counter, or
  waits (polling) for the next one.

Views stay thin: reads and the one write go through feedback.ratings.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from appointments.staff import staff_can_act
from asan_portal.private_links import PrivateLinkMissing, private_link_grant, private_link_token, see_other
from asan_portal.private_pages import private_page
from centres.models import Counter
from centres.permissions import centres_for_user

from . import ratings
from .errors import RATING_MESSAGES, AlreadyRated, InvalidRating, RatingError
from .models import ASPECTS, RatingChannel

FORM_TEMPLATE = "feedback/rate.html"
THANKS_TEMPLATE = "feedback/rate_thanks.html"
REFUSED_TEMPLATE = "feedback/rate_refused.html"
WAITING_TEMPLATE = "feedback/rate_counter_waiting.html"


def _answers(post) -> tuple[str, dict, str]:
    """(score, aspects, comment) as typed: feedback.ratings checks them."""
    aspects = {code: post.get(f"aspect_{code}", "") for code in ASPECTS}
    return post.get("score", ""), aspects, post.get("comment", "")


def _form_context(ticket, *, post=None, refusal: InvalidRating | None = None, **extra) -> dict:
    score, aspects, comment = _answers(post) if post is not None else ("", {}, "")
    fields = refusal.fields if refusal else {}
    return {
        "visit": ratings.visit_summary(ticket),
        "ticket": ticket,
        "scores": list(ratings.SCORE_LABELS.items()),
        "aspects": [
            {"code": code, "label": label, "value": aspects.get(code, ""), "errors": fields.get(code, [])}
            for code, label in ratings.aspect_choices()
        ],
        "score": score,
        "comment": comment,
        "comment_max_length": ratings.COMMENT_MAX_LENGTH,
        "refusal": refusal,
        "fields": fields,
        **extra,
    }


def _refused(request, refusal: RatingError, **extra):
    titles = {
        "link_unknown": _("Link not found"),
        "link_expired": _("This link has expired"),
        "already_rated": _("Already rated"),
        "not_rateable": _("This visit cannot be rated"),
    }
    context = {"title": titles.get(refusal.code, _("This visit cannot be rated")), "refusal": refusal, **extra}
    return render(request, REFUSED_TEMPLATE, context, status=refusal.status_code)


GRANT = "rating"


class RatingLinkView(View):
    """The private link of the SMS or e-mail (no account). A known token is exchanged for a grant
    in the session and the browser sent on (303) to the visit's clean page; an unknown or expired
    one gets its friendly 404 or 410 page here (docs/adr/0019)."""

    def get(self, request, token):
        try:
            invitation = ratings.rating_by_token(token)
        except RatingError as refusal:
            return _refused(request, refusal)
        private_link_grant(request, kind=GRANT, key=invitation.pk, token=token)
        return see_other(reverse("ratings:visit", kwargs={"invitation": invitation.pk}))


@private_page
class RatingVisitView(View):
    """The form, for the session that opened the visit's private link (a 404 anywhere else).

    Never stored by a cache (private_page): what it shows belongs to that session only."""

    def _invitation(self, request, pk):
        invitation = ratings.rating_by_token(private_link_token(request, kind=GRANT, key=pk))
        if invitation.pk != pk:
            raise PrivateLinkMissing
        if ratings.ticket_is_rated(invitation.ticket):
            raise AlreadyRated(RATING_MESSAGES["already_rated"])
        return invitation

    def get(self, request, invitation):
        try:
            invitation = self._invitation(request, invitation)
        except RatingError as refusal:
            return _refused(request, refusal)
        return render(request, FORM_TEMPLATE, _form_context(invitation.ticket, expires_at=invitation.expires_at))

    def post(self, request, invitation):
        try:
            invitation = self._invitation(request, invitation)
            score, aspects, comment = _answers(request.POST)
            ratings.rating_submit(
                ticket=invitation.ticket,
                score=score,
                aspects=aspects,
                comment=comment,
                channel=RatingChannel.LINK,
                language=request.LANGUAGE_CODE,
            )
        except InvalidRating as refusal:
            context = _form_context(invitation.ticket, post=request.POST, refusal=refusal)
            return render(request, FORM_TEMPLATE, context, status=refusal.status_code)
        except RatingError as refusal:
            return _refused(request, refusal)
        return render(request, THANKS_TEMPLATE, {"visit": ratings.visit_summary(invitation.ticket)})


@private_page
class CounterRatingView(LoginRequiredMixin, View):
    """The tablet at a counter: the rating form for the visit just completed there, else a
    calm waiting screen that checks every few seconds (htmx) for the next finished visit.

    Someone else's counter is a 404 (as for every staff page); officials, who only look at
    centres, may not rate on a citizen's behalf (403)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.counter = get_object_or_404(
            Counter.objects.select_related("centre"),
            pk=kwargs["counter_id"],
            centre__in=centres_for_user(request.user),
        )
        if not staff_can_act(request.user, self.counter.centre):
            raise PermissionDenied
        with timezone.override(self.counter.centre.tz):
            return super().dispatch(request, *args, **kwargs)

    def _waiting(self, request, *, status=200, refusal=None):
        context = {"counter": self.counter, "refusal": refusal}
        return render(request, WAITING_TEMPLATE, context, status=status)

    def get(self, request, counter_id):
        ticket = ratings.counter_visits_to_rate(counter=self.counter).first()
        if request.htmx:
            # The waiting screen's poll: reload the page once there is a visit to rate, else
            # answer "no change" (htmx swaps nothing on a 204 and keeps polling).
            if ticket is None:
                return render(request, WAITING_TEMPLATE, {"counter": self.counter}, status=204)
            response = render(request, WAITING_TEMPLATE, {"counter": self.counter})
            response["HX-Refresh"] = "true"
            return response
        if ticket is None:
            return self._waiting(request)
        return render(request, FORM_TEMPLATE, _form_context(ticket, counter=self.counter))

    def post(self, request, counter_id):
        # The visit shown on the form: still one of this counter's fresh, unrated visits. The
        # window is doubled so a citizen who takes their time is not turned away.
        minutes = 2 * ratings.feedback_setting("TABLET_MINUTES")
        ticket_id = request.POST.get("ticket", "")
        visits = ratings.counter_visits_to_rate(counter=self.counter, minutes=minutes)
        ticket = visits.filter(pk=int(ticket_id)).first() if ticket_id.isdigit() else None
        if ticket is None:
            return self._waiting(request, status=409, refusal=_("This visit can no longer be rated here."))
        try:
            score, aspects, comment = _answers(request.POST)
            ratings.rating_submit(
                ticket=ticket,
                score=score,
                aspects=aspects,
                comment=comment,
                channel=RatingChannel.COUNTER,
                language=request.LANGUAGE_CODE,
            )
        except InvalidRating as refusal:
            context = _form_context(ticket, post=request.POST, refusal=refusal, counter=self.counter)
            return render(request, FORM_TEMPLATE, context, status=refusal.status_code)
        except RatingError as refusal:
            return self._waiting(request, status=refusal.status_code, refusal=refusal.message)
        return render(request, THANKS_TEMPLATE, {"visit": ratings.visit_summary(ticket), "counter": self.counter})
