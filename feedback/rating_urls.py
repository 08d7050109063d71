"""Rating a visit in the browser (mounted at /<lang>/feedback/): the private link from the SMS or
e-mail (no account: the token is the key) and the tablet at the counter (staff login)."""

from django.urls import path

from asan_portal.private_links import no_referrer

from . import rating_views

app_name = "ratings"
urlpatterns = [
    path("counter/<int:counter_id>/", rating_views.CounterRatingView.as_view(), name="counter"),
    # The visit's clean page (no token; opens for the session that opened the link, docs/adr/0019).
    path("visit/<int:invitation>/", rating_views.RatingVisitView.as_view(), name="visit"),
    # The private link of the SMS or e-mail: grants the session the visit, then 303 to its page.
    path("<str:token>/", no_referrer(rating_views.RatingLinkView.as_view()), name="rate"),
]
