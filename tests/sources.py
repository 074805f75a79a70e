"""The portal's source, parsed once per test session for the tests that read the code (the catalog, the power list,
the layers). A file is parsed again only when it changes (a test may plant one), and the trees are shared: a
scanner reads them and never edits them."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path


def parse(path: Path) -> ast.Module:
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=None)
def _parse(path: Path, _mtime_ns: int, _size: int) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
