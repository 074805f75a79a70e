"""Exit 0 when the PostgreSQL and Redis used by part 2 of the test suite answer, 1 (with the reason) when not."""

import os
import sys

import redis
from sqlalchemy import create_engine, text


def main() -> int:
    try:
        engine = create_engine(os.environ["PG_URL"], connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        redis.Redis.from_url(os.environ["TEST_REDIS_URL"], socket_connect_timeout=3).ping()
    except Exception as exc:  # report any failure to reach them
        print(f"not reachable: {type(exc).__name__}: {exc}".splitlines()[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
