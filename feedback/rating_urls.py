"""Rating a visit in the browser (mounted at /<lang>/feedback/): the private link from the SMS or
e-mail (no account: the token is the key) and the tablet at the counter (staff login)."""

from django.urls import path

from . import rating_views

app_name = "ratings"
urlpatterns = [
    path("counter/<int:counter_id>/", rating_views.CounterRatingView.as_view(), name="counter"),
    path("<str:token>/", rating_views.RatingLinkView.as_view(), name="rate"),
]
