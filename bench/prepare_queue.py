"""Build the queue scenario in the freshly loaded demo data; prints one JSON object.

Run by bench.run with DJANGO_SETTINGS_MODULE=asan_portal.settings.bench, after migrate and
load_demo. At the centre with the most counters: counters up to `--counters` (all handling the
same few services), one operator per counter, signed in at it through
`queue.counter_session_open`, and `--tickets` waiting tickets issued through
`queue.ticket_issue` (every other one with a phone, so the SMS path runs too). Each operator
gets a real login session and a CSRF token for the load generator, which never imports Django.
"""

import argparse
import json
import random
import sys

import django


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.prepare_queue")
    parser.add_argument("--counters", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--services", type=int, default=4)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation
    from django.utils.crypto import get_random_string

    from appointments import queue
    from asan_portal.roles import OPERATOR, role_grant
    from centres.models import Centre, Counter, StaffMembership, StaffRole
    from services.models import Service

    centre = (
        Centre.objects.filter(is_active=True)
        .annotate(n=Count("counters", distinct=True))
        .order_by("-n", "code")
        .first()
    )
    services = list(
        Service.objects.public()
        .filter(counters__centre=centre)
        .annotate(n=Count("counters", distinct=True))
        .order_by("-n", "code")[: args.services]
    )
    if centre is None or not services:
        print("No centre with counters and services in the demo data", file=sys.stderr)
        return 1

    # Counters of one centre, all handling the same services: the worst case for call-next,
    # since every counter competes for the same head of the line.
    counters = list(Counter.objects.filter(centre=centre, is_active=True).order_by("number")[: args.counters])
    number = Counter.objects.filter(centre=centre).aggregate(top=Max("number"))["top"] or 0
    while len(counters) < args.counters:
        number += 1
        counters.append(Counter.objects.create(centre=centre, number=number, label_az=f"Bench {number}"))
    for counter in counters:
        counter.services.add(*services)

    users = get_user_model()
    devices = []
    for index, counter in enumerate(counters, start=1):
        operator = users.objects.create_user(f"bench-operator-{index}", password=get_random_string(24))
        role_grant(user=operator, role=OPERATOR)
        StaffMembership.objects.create(user=operator, centre=centre, role=StaffRole.OPERATOR)
        queue.counter_session_open(counter=counter, operator=operator)
        client = Client()
        client.force_login(operator)
        devices.append(
            {
                "counter": counter.pk,
                "session": client.cookies["sessionid"].value,
                "csrf": get_random_string(32),
            }
        )

    rng = random.Random(4)
    tokens = []
    for n in range(args.tickets):
        ticket = queue.ticket_issue(
            centre=centre,
            service=rng.choice(services),
            phone=f"+99455{n:07d}" if n % 2 == 0 else "",
            language=rng.choice(["az", "en", "ru"]),
        )
        tokens.append(ticket.public_token)

    with translation.override("az"):
        display_path = reverse("queue:display_feed", kwargs={"centre": centre.code})
    json.dump(
        {
            "centre": centre.code,
            "services": [service.code for service in services],
            "counters": devices,
            "tickets": len(tokens),
            "tokens": tokens,
            "display_path": display_path,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
