"""CSV files from county offices: UTF-8 (with or without a BOM) or GBK/GB18030, which Excel on a Chinese Windows
writes. The one encoding guess for every importer."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

SNIFF_BYTES = 1 << 16


def detect_encoding(path: Path) -> str:
    """utf-8-sig for a BOM, utf-8 when the first 64 KB decode as UTF-8, else gb18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut off at the end of the sample
            return "gb18030"
    return "utf-8"


@dataclass(frozen=True)
class Problem:
    """One bad line of an imported file, as an importer reports it: `file:line: [column] reason`."""

    file: str
    line: int  # 1 = the header
    column: str
    key: str  # message-catalog key
    value: str = ""
