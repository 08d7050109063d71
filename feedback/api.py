"""Rating a visit through the API (under /api/v1/, namespace "api"): the same private link as
the SMS, for apps. No account: the token from the message is the key, and the answers hold
nothing personal. Every refusal is a feedback.errors.RatingError in the common error shape."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from asan_portal.api import BAD_REQUEST_RESPONSE, LANGUAGE_PARAMETER, ErrorSerializer, LocalisedApiMixin

from . import ratings
from .models import ASPECTS, RatingChannel

TAGS = ["feedback"]

TOKEN_PARAMETER = OpenApiParameter(
    "token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The token of the private link in the SMS or e-mail."
)
UNKNOWN = OpenApiResponse(ErrorSerializer, description="No link has this token (`link_unknown`).")
EXPIRED = OpenApiResponse(
    ErrorSerializer, description="The link's time is over (`link_expired`); visits can be rated for some days."
)


class VisitSerializer(serializers.Serializer):
    centre = serializers.CharField(help_text="Name of the centre, in the request language.")
    service = serializers.CharField(help_text="Name of the service, in the request language.")
    date = serializers.DateField(help_text="Day of the visit (the centre's local day).")
    ticket = serializers.CharField(help_text="The ticket code, e.g. `A-012`.")


class ChoiceSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    label = serializers.CharField()


class AspectSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(ASPECTS))
    label = serializers.CharField()


class RatingLinkSerializer(serializers.Serializer):
    visit = VisitSerializer()
    can_rate = serializers.BooleanField(help_text="False once the visit has been rated.")
    rated = serializers.BooleanField()
    expires_at = serializers.DateTimeField()
    scores = ChoiceSerializer(many=True, help_text="The 5-point scale: 1 = very poor, 5 = excellent.")
    aspects = AspectSerializer(many=True, help_text="Optional aspects that may be scored 1..5 too.")
    comment_max_length = serializers.IntegerField()


def _aspect_scores_field():
    return serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5, allow_null=True),
        required=False,
        help_text=f"Optional scores 1..5 by aspect ({', '.join(ASPECTS)}); null or left out = no answer.",
    )


class RatingInputSerializer(serializers.Serializer):
    """Documents the request; the rules are checked by feedback.ratings.rating_submit."""

    score = serializers.IntegerField(min_value=1, max_value=5, help_text="Overall score, 5 = excellent.")
    aspects = _aspect_scores_field()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=ratings.COMMENT_MAX_LENGTH)


class RatingSerializer(serializers.Serializer):
    visit = VisitSerializer(source="*")
    score = serializers.IntegerField()
    aspects = _aspect_scores_field()
    comment = serializers.CharField()
    channel = serializers.ChoiceField(choices=RatingChannel.choices)
    language = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, rating):
        return {
            "visit": VisitSerializer(ratings.visit_summary(rating.ticket)).data,
            "score": rating.score,
            "aspects": {code: getattr(rating, f"{code}_score") for code in ASPECTS},
            "comment": rating.comment,
            "channel": rating.channel,
            "language": rating.language,
            "created_at": serializers.DateTimeField().to_representation(rating.created_at),
        }


class RatingLinkApi(LocalisedApiMixin, APIView):
    """The visit behind a private rating link, and rating it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="feedback_rating_link",
        summary="The visit a rating link is for, and whether it can still be rated",
        description="Reading never rates (mail scanners open links too). Holds nothing personal.",
        parameters=[TOKEN_PARAMETER, LANGUAGE_PARAMETER],
        responses={200: RatingLinkSerializer, 400: BAD_REQUEST_RESPONSE, 404: UNKNOWN, 410: EXPIRED},
        tags=TAGS,
    )
    def get(self, request, token):
        invitation = ratings.rating_by_token(token)
        rated = ratings.ticket_is_rated(invitation.ticket)
        data = {
            "visit": ratings.visit_summary(invitation.ticket),
            "can_rate": not rated,
            "rated": rated,
            "expires_at": invitation.expires_at,
            "scores": [{"value": value, "label": label} for value, label in ratings.SCORE_LABELS.items()],
            "aspects": [{"code": code, "label": label} for code, label in ratings.aspect_choices()],
            "comment_max_length": ratings.COMMENT_MAX_LENGTH,
        }
        return Response(RatingLinkSerializer(data).data)

    @extend_schema(
        operation_id="feedback_rating_submit",
        summary="Rate the visit (once)",
        description="A visit can be rated once, within the link's time. Scores are whole numbers 1..5, "
        "5 = excellent; the aspects and the comment (at most 1000 characters) are optional.",
        parameters=[TOKEN_PARAMETER, LANGUAGE_PARAMETER],
        request=RatingInputSerializer,
        responses={
            201: RatingSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="An answer is not valid (`validation_error`, with `fields`)."
            ),
            404: UNKNOWN,
            409: OpenApiResponse(ErrorSerializer, description="The visit has already been rated (`already_rated`)."),
            410: EXPIRED,
        },
        examples=[
            OpenApiExample(
                "Rating",
                request_only=True,
                value={"score": 4, "aspects": {"waiting": 3, "courtesy": 5}, "comment": "Quick and polite."},
            )
        ],
        tags=TAGS,
    )
    def post(self, request, token):
        invitation = ratings.rating_by_token(token)
        data = request.data
        if not hasattr(data, "get"):
            raise exceptions.ValidationError([_not_an_object()])
        aspects = data.get("aspects") or {}
        if not isinstance(aspects, dict):
            raise exceptions.ValidationError({"aspects": [_not_an_object()]})
        comment = data.get("comment") or ""
        if not isinstance(comment, str):
            comment = str(comment)
        language = translation.get_language()
        if language not in dict(settings.LANGUAGES):
            language = invitation.ticket.language
        rating = ratings.rating_submit(
            ticket=invitation.ticket,
            score=data.get("score"),
            aspects=aspects,
            comment=comment,
            channel=RatingChannel.LINK,
            language=language,
        )
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


def _not_an_object() -> str:
    return _("Send a JSON object.")
