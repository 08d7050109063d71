from django.http import Http404
from django.shortcuts import render
from django.views import View

from .services import appointment_get_by_token


class AppointmentManageView(View):
    """The private page behind a manage link. Opening it only shows; buttons POST."""

    def get(self, request, token):
        appointment = appointment_get_by_token(token)
        if appointment is None:
            raise Http404
        return render(request, "appointments/manage.html", {"appointment": appointment, "token": token})
