"""Database helpers shared by the apps' migrations.

The embedded SQLite (`make run`) and PostgreSQL share one set of migrations, so an
operation only PostgreSQL understands (an extension, a GIN index, an exclusion
constraint) is wrapped in `PostgresOnly` and skipped elsewhere.
"""

from django.db import migrations


class PostgresOnly(migrations.operations.base.Operation):
    """Run the wrapped operation only when the database is PostgreSQL."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state):
        # Schema-only side effects (indexes, extensions) are not part of the model state.
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"On PostgreSQL only: {self.operation.describe()}"
