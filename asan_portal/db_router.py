"""Send the officials' dashboard reads to a PostgreSQL read replica (DATABASE_REPLICA_URL).

Installed only when a replica is configured (settings/production.py). The dashboards, the stats
API and the open-data page read nothing but the daily roll-ups (feedback/stats.py), so those
reads, and only those, go to the replica: a few seconds of replication lag only delay a chart,
while every booking, queue and sign-in read stays on the primary. Writes, including the roll-up
updates and the reconcile task's rebuild, always go to the primary, and the replica is never
migrated (it is a physical copy of the primary).
"""

REPLICA = "replica"
# app_label, model_name of the roll-up tables (feedback/models.py).
DASHBOARD_READS = {("feedback", "centreday"), ("feedback", "serviceday"), ("feedback", "staffday")}


class DashboardReplicaRouter:
    def db_for_read(self, model, **hints):
        if (model._meta.app_label, model._meta.model_name) in DASHBOARD_READS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: a roll-up read there may point at them.
        return True if {obj1._state.db, obj2._state.db} <= {"default", REPLICA} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
