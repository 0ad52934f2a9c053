"""Create the scratch database named in a postgres:// URL if it does not exist yet."""

import sys
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql


def main(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        dbname="postgres",
        user=parsed.username,
        password=parsed.password,
        host=parsed.hostname,
        port=parsed.port or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    admin.close()


if __name__ == "__main__":
    main(sys.argv[1])
