"""The project root the settings resolve (alembic.ini for `python -m portal migrate`, the default data folder)."""

import pytest

from portal.kernel.settings import PROJECT_ROOT


def test_project_root_is_the_repository():
    assert (PROJECT_ROOT / "alembic.ini").is_file() and (PROJECT_ROOT / "portal" / "__init__.py").is_file()


@pytest.mark.db  # the CLI it runs opens the database in a process of its own, out of the conftest's sight
def test_the_cli_creates_the_data_dir_database_and_key_owner_only(tmp_path):
    """Every command (scripts/start runs `migrate` first) writes the database, its WAL and the secret key readable
    by the portal's user only: they hold ID numbers, reporters' identities and payout details."""
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    data = tmp_path / "data"
    env = {**os.environ, "PORTAL_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'portal.db'}"}
    env.pop("PORTAL_SECRET_KEY", None)
    root = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, "-m", "portal", "migrate"], cwd=root, env=env, check=True,
                   capture_output=True, timeout=300)
    made = [data, *data.rglob("*")]
    assert any(p.name == "portal.db" for p in made)
    for path in made:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is readable by others: {oct(mode)}"
