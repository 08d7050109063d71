from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from .roles import roles_sync

    roles_sync()


class AsanPortalConfig(AppConfig):
    name = "asan_portal"
    verbose_name = "ASAN portal"

    def ready(self):
        # Last app migrated wins: run once all permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="asan_portal_roles_sync")
