"""The citizen's page behind a waitlist offer link. Opening it only shows; buttons POST."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from .views import appointment_grant
from .waitlist import OfferNotAvailable, waitlist_entry_get_by_token, waitlist_leave, waitlist_offer_accept


class WaitlistOfferView(View):
    def _entry(self, token):
        entry = waitlist_entry_get_by_token(token)
        if entry is None:
            raise Http404
        return entry

    def get(self, request, token):
        entry = self._entry(token)
        return render(request, "appointments/waitlist_offer.html", {"entry": entry, "token": token})

    def post(self, request, token):
        entry = self._entry(token)
        try:
            if request.POST.get("action") == "leave":
                waitlist_leave(entry=entry, token=token)
                entry.refresh_from_db()
                return render(
                    request, "appointments/waitlist_offer.html", {"entry": entry, "token": token, "left": True}
                )
            appointment, manage_token = waitlist_offer_accept(entry=entry, token=token)
        except OfferNotAvailable as refusal:
            entry.refresh_from_db()
            return render(
                request,
                "appointments/waitlist_offer.html",
                {"entry": entry, "token": token, "refusal": refusal.message},
                status=refusal.status_code,
            )
        # Straight to the new booking's clean page: this session holds its token (docs/adr/0019).
        appointment_grant(request, appointment, manage_token)
        return redirect("appointments:booking", reference=appointment.reference)
