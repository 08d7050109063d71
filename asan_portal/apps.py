from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun, task_success
from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.models.signals import post_migrate

from . import logs
from .logs import request_id_forget


def _task_succeeded(sender=None, **kwargs):
    from .metrics import task_finished

    task_finished(task_name=getattr(sender, "name", "unknown"), outcome="success")


def _task_failed(sender=None, **kwargs):
    from .metrics import task_finished

    task_finished(task_name=getattr(sender, "name", "unknown"), outcome="failure")


def _sync_roles(sender, **kwargs):
    from .roles import roles_sync

    roles_sync()


class AsanPortalConfig(AppConfig):
    name = "asan_portal"
    verbose_name = "ASAN portal"

    def ready(self):
        # Last app migrated wins: run once all permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="asan_portal_roles_sync")
        # Sign-in lock-out (asan_portal/lockout.py): every failed authenticate() counts.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .lockout import on_user_logged_in, on_user_login_failed

        user_login_failed.connect(on_user_login_failed, dispatch_uid="asan_portal_lockout_failure")
        user_logged_in.connect(on_user_logged_in, dispatch_uid="asan_portal_lockout_success")
        # A signed-in session starts its idle and absolute clocks (asan_portal/session_limits.py).
        from .session_limits import on_user_logged_in as session_limits_start

        user_logged_in.connect(session_limits_start, dispatch_uid="asan_portal_session_limits_start")
        # ... and remembers whether it needs a second factor (asan_portal/second_factor.py).
        from .second_factor import on_user_logged_in as second_factor_decide

        user_logged_in.connect(second_factor_decide, dispatch_uid="asan_portal_second_factor_decide")
        # Counted for Prometheus (asan_portal/metrics.py) in whichever process ran the task.
        task_success.connect(_task_succeeded, dispatch_uid="asan_portal_task_success_metric")
        task_failure.connect(_task_failed, dispatch_uid="asan_portal_task_failure_metric")
        request_finished.connect(request_id_forget, dispatch_uid="asan_portal_request_id_forget")
        # A task's log lines carry the id of the request that queued it (asan_portal/logs.py).
        before_task_publish.connect(logs.task_publishing, dispatch_uid="asan_portal_request_id_publish")
        task_prerun.connect(logs.task_starting, dispatch_uid="asan_portal_request_id_task_start")
        task_postrun.connect(logs.task_finished, dispatch_uid="asan_portal_request_id_task_end")
        # A catalogue write makes the cached service and centre pages out of date (asan_portal/page_cache.py).
        from .page_cache import catalogue_signals_connect

        catalogue_signals_connect()
