"""The project root the settings resolve (alembic.ini for `python -m portal migrate`, the default data folder)."""

from portal.kernel.settings import PROJECT_ROOT


def test_project_root_is_the_repository():
    assert (PROJECT_ROOT / "alembic.ini").is_file() and (PROJECT_ROOT / "portal" / "__init__.py").is_file()
