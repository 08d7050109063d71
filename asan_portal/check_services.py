"""`make check-services`: say clearly which server the test suite is missing, and create
the project's PostgreSQL database if the server is up but the database is not there yet."""

import os
import socket
import sys

POSTGRES = (os.environ.get("PGHOST", "127.0.0.1"), int(os.environ.get("PGPORT", "5432")))
REDIS = ("127.0.0.1", 6379)
DATABASE = os.environ.get("PGDATABASE", "asan_portal")


def _answers(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as error:
        return str(error)


def _ensure_database() -> None:
    import psycopg2

    connection = psycopg2.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
            print(f"Created PostgreSQL database {DATABASE}.")
    connection.close()


def main() -> int:
    missing = []
    for name, (host, port) in {"PostgreSQL": POSTGRES, "Redis": REDIS}.items():
        error = _answers(host, port)
        if error:
            missing.append(f"{name} is not answering at {host}:{port} ({error}).")
    for line in missing:
        print(line, file=sys.stderr)
    if missing:
        print("Start the missing server(s) (README, 'Running the tests') and run `make test` again.", file=sys.stderr)
        return 1
    _ensure_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
