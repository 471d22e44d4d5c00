"""One contestant on one database in a process of its own: ``python -m tests.bench.worker``.

Starts from an empty database, then serves the parent: one JSON command per line on stdin
(``{"begin": workload}``, then ``{"batch": workload, "count": n}``), one JSON answer per
line on stdout, so that the parent can alternate the contestants' batches.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _recreate_database() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        Path(database["NAME"]).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        name = database["NAME"]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> None:
    """Serve the parent's commands for the contestant of ``DJANGO_SETTINGS_MODULE``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", required=True, help="the Sizes fields as JSON")
    parser.add_argument("--profile-dir", type=Path, help="write a cProfile file per workload")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings.plain")

    import django

    _recreate_database()
    django.setup()
    from django.core.management import call_command

    from tests.bench.plan import Sizes
    from tests.bench.workloads import Runner

    # Migrated apps first: the unmigrated benchmark app's history tables refer to auth_user.
    call_command("migrate", verbosity=0, interactive=False)
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    if args.profile_dir:
        args.profile_dir.mkdir(parents=True, exist_ok=True)
    runner = Runner(Sizes(**json.loads(args.sizes)), args.profile_dir)
    _answer({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if "begin" in command:
            _answer({"statements": runner.begin(command["begin"])})
        else:
            _answer({"times": runner.batch(command["batch"], command["count"])})


def _answer(message: dict[str, object]) -> None:
    print(json.dumps(message), flush=True)


if __name__ == "__main__":
    main()
