from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback and satisfaction")

    def ready(self):
        # Connects the receivers of the booking and queue signals (feedback/receivers.py).
        from . import receivers  # noqa: F401
