"""The day's queue in the browser (mounted at /<lang>/queue/): the kiosk, the operator's counter
screen, the waiting-room display, the citizen's live ticket and the manager's live view.

Who may open what:
- The kiosk needs a signed-in member of the centre's staff. A kiosk is a device in the hall that
  a staff member signs in each morning (an operator account kept for the kiosk works). Anonymous
  issuing would let anyone who learns the URL flood a centre's queue from home, and a rate limit
  per address cannot tell a kiosk serving hundreds of people from an attacker; a login can.
- The counter screen needs a login at the counter's own centre (someone else's centre is a 404);
  only the centre's operators and managers may act, officials only look.
- The manager's view is for the centre's managers (and officials, who look but cannot end the day).
- The waiting-room display and the citizen's ticket page are public: the display is a TV in the
  hall showing only ticket codes and counter numbers; the ticket page is reached with the
  ticket's unguessable token from its QR code and shows no personal data.

Views stay thin: each action is one call to appointments.queue; reads go through
appointments.queue_selectors.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from asan_portal.api import DomainError
from centres.models import Centre, Counter, StaffRole
from centres.permissions import centre_for_staff_or_404

from . import queue, queue_selectors
from .models import (
    Appointment,
    AppointmentStatus,
    CounterSession,
    CounterSessionStatus,
    PriorityGroup,
    Ticket,
    TicketStatus,
)
from .qr import qr_svg
from .staff import staff_can_act

OPERATOR_ACTIONS = {
    "open": gettext_lazy("Signed in at the counter."),
    "pause": gettext_lazy("On a break: no tickets are called to this counter."),
    "resume": gettext_lazy("Back from the break."),
    "close": gettext_lazy("Counter closed."),
    "call": "",
    "recall": "",
    "start": "",
    "complete": "",
    "no-show": "",
    "transfer": "",
}


def _minutes(delta) -> int | None:
    if delta is None:
        return None
    return max(0, round(delta.total_seconds() / 60))


class QueueStaffMixin(LoginRequiredMixin):
    """Loads `self.centre` for the URL's centre code, or 404 when the user does not work there."""

    roles = (StaffRole.OPERATOR, StaffRole.MANAGER)
    act_roles = (StaffRole.OPERATOR, StaffRole.MANAGER)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.centre = centre_for_staff_or_404(request.user, kwargs["centre"], roles=self.roles)
        self.can_act = staff_can_act(request.user, self.centre, roles=self.act_roles)
        if request.method == "POST" and not self.can_act:
            raise PermissionDenied
        with timezone.override(self.centre.tz):
            return super().dispatch(request, *args, **kwargs)


# --- the kiosk ----------------------------------------------------------------------------


class KioskView(QueueStaffMixin, View):
    """Step 1 and 2 of the kiosk: a group of services, then a service (big buttons)."""

    def get(self, request, centre):
        services = list(queue_selectors.kiosk_services(self.centre))
        categories = []
        for service in services:
            if not categories or categories[-1]["category"].pk != service.category_id:
                categories.append({"category": service.category, "services": []})
            categories[-1]["services"].append(service)
        chosen = request.GET.get("category", "")
        group = next((c for c in categories if c["category"].code == chosen), None)
        return render(
            request,
            "appointments/queue/kiosk.html",
            {"centre": self.centre, "categories": categories, "group": group},
        )


class KioskServiceView(QueueStaffMixin, View):
    """Step 3: priority group and mobile number (both optional), then the ticket."""

    def _context(self, service, **extra):
        groups = PriorityGroup.objects.filter(centre=self.centre, is_active=True).order_by("rank", "code")
        return {"centre": self.centre, "service": service, "priority_groups": groups, **extra}

    def _service(self, code):
        return get_object_or_404(queue_selectors.kiosk_services(self.centre), code=code)

    def get(self, request, centre, service):
        return render(request, "appointments/queue/kiosk_service.html", self._context(self._service(service)))

    def post(self, request, centre, service):
        service = self._service(service)
        group = None
        if request.POST.get("priority_group"):
            group = PriorityGroup.objects.filter(
                centre=self.centre, is_active=True, pk=request.POST["priority_group"]
            ).first()
        try:
            ticket = queue.ticket_issue(
                centre=self.centre,
                service=service,
                priority_group=group,
                phone=request.POST.get("phone", "").strip(),
                language=request.LANGUAGE_CODE,
            )
        except DomainError as refusal:
            context = self._context(service, error=refusal.message, phone=request.POST.get("phone", ""))
            return render(request, "appointments/queue/kiosk_service.html", context, status=refusal.status_code)
        return redirect("queue:kiosk_ticket", centre=self.centre.code, token=ticket.public_token)


class KioskCheckInView(QueueStaffMixin, View):
    """A citizen with a booking: reference (the QR code of the confirmation holds it) or FIN."""

    def get(self, request, centre):
        return render(request, "appointments/queue/kiosk_check_in.html", {"centre": self.centre})

    def _find(self, value: str):
        value = value.strip().upper()
        if not value:
            return None
        today = queue.centre_today(self.centre, timezone.now())
        found = Appointment.objects.filter(centre=self.centre, reference=value).first()
        if found is None and len(value) == 7:
            found = (
                Appointment.objects.filter(
                    centre=self.centre, fin=value, local_date=today, status=AppointmentStatus.CONFIRMED
                )
                .order_by("starts_at")
                .first()
            )
        return found

    def post(self, request, centre):
        value = request.POST.get("reference", "")
        appointment = self._find(value)
        if appointment is None:
            error = _("No booking at this centre has this reference or FIN. Check it, or take a ticket.")
            context = {"centre": self.centre, "error": error, "reference": value}
            return render(request, "appointments/queue/kiosk_check_in.html", context, status=404)
        try:
            ticket = queue.ticket_check_in_appointment(appointment=appointment, by=request.user)
        except DomainError as refusal:
            context = {"centre": self.centre, "error": refusal.message, "reference": value}
            return render(request, "appointments/queue/kiosk_check_in.html", context, status=refusal.status_code)
        return redirect("queue:kiosk_ticket", centre=self.centre.code, token=ticket.public_token)


class KioskTicketView(QueueStaffMixin, View):
    """The ticket to print (or photograph): the code, huge, and the QR of the live ticket page."""

    def get(self, request, centre, token):
        ticket = get_object_or_404(
            Ticket.objects.select_related("service", "centre", "priority_group"),
            centre=self.centre,
            public_token=token,
        )
        ahead, wait = queue_selectors.ticket_position(ticket)
        live_url = request.build_absolute_uri(reverse("queue:ticket", kwargs={"token": ticket.public_token}))
        context = {
            "centre": self.centre,
            "ticket": ticket,
            "ahead": ahead,
            "wait_minutes": _minutes(wait),
            "live_url": live_url,
            "qr": qr_svg(live_url, title=_("Your ticket %(code)s, live") % {"code": ticket.display_code}),
        }
        return render(request, "appointments/queue/kiosk_ticket.html", context)


# --- the operator's counter screen ------------------------------------------------------------


class CounterMixin(QueueStaffMixin):
    def counter(self, counter_id) -> Counter:
        return get_object_or_404(
            Counter.objects.select_related("centre").prefetch_related("services"),
            centre=self.centre,
            pk=counter_id,
        )

    def context(self, counter, **extra):
        other_counters = Counter.objects.filter(centre=self.centre, is_active=True).exclude(pk=counter.pk)
        service_q = (self.request.GET.get("service_q") or "").strip()[:100]
        services = queue_selectors.transfer_services(self.centre, query=service_q)
        return {
            "centre": self.centre,
            "can_act": self.can_act,
            "other_counters": other_counters,
            "transfer_services": services,
            "service_q": service_q,
            **queue_selectors.counter_screen(counter=counter, user=self.request.user),
            **extra,
        }


class CounterView(CounterMixin, View):
    def get(self, request, centre, counter):
        counter = self.counter(counter)
        if request.htmx:
            return render(request, "appointments/queue/partials/counter_panel.html", self.context(counter))
        return render(request, "appointments/queue/counter.html", self.context(counter))


class CounterActionView(CounterMixin, View):
    """POST only: one operator action; answers the refreshed panel (htmx) or redirects back."""

    def post(self, request, centre, counter, action):
        if action not in OPERATOR_ACTIONS:
            raise Http404
        counter = self.counter(counter)
        notice, error, status = "", "", 200
        try:
            notice = self._act(action, counter)
        except DomainError as refusal:
            error, status = refusal.message, refusal.status_code
        if request.htmx:
            context = self.context(counter, notice=notice, error=error)
            return render(request, "appointments/queue/partials/counter_panel.html", context, status=status)
        if error:
            messages.error(request, error)
        elif notice:
            messages.info(request, notice)
        return redirect("queue:counter", centre=self.centre.code, counter=counter.pk)

    def _live_session(self, counter):
        session = CounterSession.objects.filter(counter=counter, operator=self.request.user).exclude(
            status=CounterSessionStatus.CLOSED
        )
        session = session.first()
        if session is None:
            raise DomainError(_("Sign in at this counter first."), code="no_session")
        return session

    def _ticket(self, counter):
        ticket_id = self.request.POST.get("ticket", "")
        ticket = Ticket.objects.filter(centre=self.centre, counter=counter, pk=ticket_id if ticket_id.isdigit() else 0)
        ticket = ticket.select_related("service").first()
        if ticket is None:
            raise DomainError(_("This ticket is no longer at this counter."), code="not_at_counter")
        return ticket

    def _act(self, action: str, counter) -> str:
        user = self.request.user
        if action == "open":
            queue.counter_session_open(counter=counter, operator=user)
        elif action == "pause":
            queue.counter_session_pause(session=self._live_session(counter))
        elif action == "resume":
            queue.counter_session_resume(session=self._live_session(counter))
        elif action == "close":
            queue.counter_session_close(session=self._live_session(counter))
        elif action == "call":
            ticket = queue.ticket_call_next(counter=counter, operator=user)
            if ticket is None:
                return _("Nobody is waiting for this counter's services.")
            return _("Called %(code)s.") % {"code": ticket.display_code}
        elif action == "recall":
            queue.ticket_recall(ticket=self._ticket(counter), operator=user)
            return _("Called again.")
        elif action == "start":
            queue.ticket_start(ticket=self._ticket(counter), operator=user)
        elif action == "complete":
            ticket = self._ticket(counter)
            queue.ticket_complete(ticket=ticket, operator=user, outcome=self.request.POST.get("outcome", "")[:200])
            return _("%(code)s served.") % {"code": ticket.display_code}
        elif action == "no-show":
            ticket = self._ticket(counter)
            queue.ticket_no_show(ticket=ticket, operator=user)
            return _("%(code)s marked as not come.") % {"code": ticket.display_code}
        elif action == "transfer":
            return self._transfer(counter)
        return str(OPERATOR_ACTIONS[action])

    def _transfer(self, counter) -> str:
        ticket = self._ticket(counter)
        target = self.request.POST.get("target", "")
        kind, _sep, pk = target.partition(":")
        service = to_counter = None
        if kind == "service" and pk.isdigit():
            service = queue_selectors.kiosk_services(self.centre).filter(pk=pk).first()
        elif kind == "counter" and pk.isdigit():
            to_counter = Counter.objects.filter(centre=self.centre, is_active=True, pk=pk).first()
        if service is None and to_counter is None:
            raise DomainError(_("Choose a service or a counter to send the citizen to."), code="no_target")
        queue.ticket_transfer(ticket=ticket, operator=self.request.user, service=service, counter=to_counter)
        return _("%(code)s sent on; the citizen keeps their place in line.") % {"code": ticket.display_code}


class QueueHomeView(QueueStaffMixin, View):
    """The centre's queue screens: kiosk, counters, display, live view."""

    def get(self, request, centre):
        counters = Counter.objects.filter(centre=self.centre, is_active=True).order_by("number")
        can_manage = staff_can_act(request.user, self.centre, roles=(StaffRole.MANAGER,))
        context = {"centre": self.centre, "counters": counters, "can_act": self.can_act, "can_manage": can_manage}
        return render(request, "appointments/queue/home.html", context)


# --- the manager's live view -------------------------------------------------------------------


class ManageView(QueueStaffMixin, View):
    roles = (StaffRole.MANAGER,)
    act_roles = (StaffRole.MANAGER,)

    def get(self, request, centre):
        context = {
            "centre": self.centre,
            "can_act": self.can_act,
            "today": queue.centre_today(self.centre, timezone.now()),
        }
        snapshot = queue_selectors.queue_snapshot(centre=self.centre)
        context.update(
            snapshot=snapshot,
            longest_minutes=_minutes(snapshot.longest_wait),
            average_minutes=_minutes(snapshot.average_wait),
            service_rows=[(row, _minutes(row.longest_wait)) for row in snapshot.services],
        )
        template = "appointments/queue/partials/manage_panel.html" if request.htmx else "appointments/queue/manage.html"
        return render(request, template, context)


class EndOfDayView(QueueStaffMixin, View):
    """POST only (the page asks to confirm): the remaining tickets become not served."""

    roles = (StaffRole.MANAGER,)
    act_roles = (StaffRole.MANAGER,)

    def post(self, request, centre):
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm the end of the day."))
            return redirect("queue:manage", centre=self.centre.code)
        count = queue.queue_end_of_day(centre=self.centre, date=queue.centre_today(self.centre, timezone.now()))
        messages.info(
            request, _("The queue is closed for today; %(count)s tickets recorded as not served.") % {"count": count}
        )
        return redirect("queue:manage", centre=self.centre.code)


# --- public: the waiting-room display and the citizen's ticket ----------------------------------


def _public_centre(code: str) -> Centre:
    return get_object_or_404(Centre.objects.filter(is_active=True), code=code)


def _feed(centre) -> list[dict]:
    return [
        {
            # Changes with every call and recall: the display chimes when the newest one changes.
            "event": item.event_id,
            "id": item.ticket_id,
            "code": item.display_code,
            "counter": item.counter_number,
            "recall": item.recall,
        }
        for item in queue_selectors.display_feed(centre=centre, limit=settings.QUEUE["DISPLAY_FEED_SIZE"])
    ]


def _clock(centre) -> dict:
    """The centre's wall clock for the hall's TV. The TV's own zone (and its clock, which may be
    set wrong) is never used: the page gets the server's instant and the centre's UTC offset,
    and queue-display.js only counts on from them (issue 12.9)."""
    now = timezone.now()
    local = now.astimezone(centre.tz)
    return {
        "now": int(now.timestamp() * 1000),
        "utc_offset_minutes": int(local.utcoffset().total_seconds() // 60),
        "text": local.strftime("%H:%M"),
    }


class DisplayView(View):
    """The hall's TV: the last called tickets and their counters; queue-display.js polls the feed."""

    def get(self, request, centre):
        centre = _public_centre(centre)
        context = {"centre": centre, "rows": _feed(centre), "clock": _clock(centre)}
        return render(request, "appointments/queue/display.html", context)


class DisplayFeedView(View):
    def get(self, request, centre):
        centre = _public_centre(centre)
        response = JsonResponse({"called": _feed(centre), "clock": _clock(centre)})
        response["Cache-Control"] = "no-store"
        return response


def _ticket_state(ticket: Ticket) -> dict:
    ahead, wait = queue_selectors.ticket_position(ticket)
    minutes = _minutes(wait)
    state = {
        "status": ticket.status,
        "status_label": str(ticket.get_status_display()),
        "code": ticket.display_code,
        "ahead": ahead if ticket.status == TicketStatus.WAITING else None,
        "wait_minutes": minutes if ticket.status == TicketStatus.WAITING else None,
        "counter": None,
        "headline": "",
        "detail": "",
    }
    if ticket.status == TicketStatus.WAITING:
        if ahead == 0:
            state["headline"] = _("You are next")
        else:
            state["headline"] = ngettext("%(count)s person ahead of you", "%(count)s people ahead of you", ahead) % {
                "count": ahead
            }
        if minutes is not None:
            state["detail"] = _("Estimated wait: about %(minutes)s min") % {"minutes": minutes}
        else:
            state["detail"] = _("We cannot estimate the wait yet.")
    elif ticket.status in (TicketStatus.CALLED, TicketStatus.SERVING) and ticket.counter:
        state["counter"] = ticket.counter.number
        if ticket.status == TicketStatus.CALLED:
            state["headline"] = _("Please come to counter %(number)s") % {"number": ticket.counter.number}
        else:
            state["headline"] = _("You are being served at counter %(number)s") % {"number": ticket.counter.number}
    elif ticket.status == TicketStatus.COMPLETED:
        state["headline"] = _("Thank you for your visit")
    else:
        state["headline"] = str(ticket.get_status_display())
        state["detail"] = _("This ticket is no longer in the queue. Ask at the reception desk if you need help.")
    return state


def _public_ticket(token: str) -> Ticket:
    ticket = queue_selectors.ticket_get_public(token)
    if ticket is None:
        raise Http404
    return ticket


class TicketView(View):
    """The citizen's live ticket (from the QR code): no login, phone first; queue-ticket.js polls."""

    def get(self, request, token):
        ticket = _public_ticket(token)
        with timezone.override(ticket.centre.tz):
            issued = formats.time_format(timezone.localtime(ticket.issued_at), "H:i")
        context = {"ticket": ticket, "state": _ticket_state(ticket), "issued": issued}
        return render(request, "appointments/queue/ticket.html", context)


class TicketStatusView(View):
    def get(self, request, token):
        response = JsonResponse(_ticket_state(_public_ticket(token)))
        response["Cache-Control"] = "no-store"
        return response
