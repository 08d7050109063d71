"""The queue part of `load_demo`: the priority groups every demo centre's kiosk offers.

Idempotent: groups are keyed by (centre, code); a second run creates nothing and changes only
a group whose demo text or rank differs (so its admin history gains a row only then).
"""

from dataclasses import dataclass

from django.db import transaction

from centres.models import Centre

from .models import PriorityGroup

# (code, rank, name az, en, ru): lower rank is called first among priority tickets.
DEMO_PRIORITY_GROUPS = [
    ("disability", 1, "Əlilliyi olan şəxslər", "People with disabilities", "Люди с инвалидностью"),
    (
        "veterans",
        1,
        "Müharibə veteranları və şəhid ailələri",
        "War veterans and families of martyrs",
        "Ветераны войны и семьи шехидов",
    ),
    (
        "pregnant",
        2,
        "Hamilə qadınlar və körpəsi olan valideynlər",
        "Pregnant women and parents with a baby",
        "Беременные и родители с младенцем",
    ),
    ("elderly", 3, "70 yaşdan yuxarı şəxslər", "People over 70", "Люди старше 70 лет"),
]


@dataclass
class PriorityGroupsDemoResult:
    created: int = 0
    updated: int = 0


@transaction.atomic
def priority_groups_load_demo() -> PriorityGroupsDemoResult:
    """Give every active centre the demo priority groups (kept in step with the list above)."""
    result = PriorityGroupsDemoResult()
    for centre in Centre.objects.filter(is_active=True).order_by("code"):
        existing = {group.code: group for group in PriorityGroup.objects.filter(centre=centre)}
        for code, rank, name_az, name_en, name_ru in DEMO_PRIORITY_GROUPS:
            wanted = {"rank": rank, "name_az": name_az, "name_en": name_en, "name_ru": name_ru, "is_active": True}
            group = existing.get(code)
            if group is None:
                PriorityGroup.objects.create(centre=centre, code=code, **wanted)
                result.created += 1
                continue
            changed = [field for field, value in wanted.items() if getattr(group, field) != value]
            if changed:
                for field in changed:
                    setattr(group, field, wanted[field])
                group.save(update_fields=changed)
                result.updated += 1
    return result
