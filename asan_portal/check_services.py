"""`make check-services`: say clearly which server the test suite is missing."""

import os
import socket
import sys

SERVERS = {
    "PostgreSQL": (os.environ.get("PGHOST", "127.0.0.1"), 5432),
    "Redis": ("127.0.0.1", 6379),
}


def main() -> int:
    missing = []
    for name, (host, port) in SERVERS.items():
        try:
            with socket.create_connection((host, port), timeout=3):
                pass
        except OSError as error:
            missing.append(f"{name} is not answering at {host}:{port} ({error}).")
    for line in missing:
        print(line, file=sys.stderr)
    if missing:
        print(
            "Start the missing server(s) (see README, 'Running the tests') and run `make test` again.", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
