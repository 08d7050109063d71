"""Messages that django-simple-history writes from Python (page titles, the message after going
back to a version, the name of a deleted record), listed so that `makemessages` keeps them in
this portal's catalogue: the package ships no Azerbaijani catalogue, and its Russian one sits
under ru_RU, which Django never loads for "ru" (issue 12, item 8). Its templates are replaced
by templates/simple_history/, in this portal's own wording.

Nothing imports this module; the msgids must stay exactly as the package spells them.
"""

from django.utils.translation import gettext_noop

SIMPLE_HISTORY_MESSAGES = (
    gettext_noop("Change history: %s"),
    gettext_noop("View history: %s"),
    gettext_noop("Revert %s"),
    gettext_noop("View %s"),
    gettext_noop('The %(name)s "%(obj)s" was changed successfully.'),
    gettext_noop("You may edit it again below"),
    gettext_noop("Deleted %(type_name)s"),
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
)
