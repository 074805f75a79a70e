"""The ranking chart's bars (portal/ratings/components.rank_bars): only ranked lines, in rank order, their rate in
percent, a talk-flagged window under its own key, at most CHART_MAX."""

from __future__ import annotations

from portal.ratings.components import CHART_MAX, rank_bars
from portal.ratings.services import RankedOffice, RankedWindow


def _window(rank: int | None, rate: float | None, *, flag: bool = False, code: str = "W-1") -> RankedWindow:
    return RankedWindow(code, "低保窗口", "建北街道便民服务中心", 12 if rank else 2, rate, 0.1 if rank else None, rank,
                        flag)


def test_ranked_windows_are_bars_in_rank_order_and_the_unranked_are_left_to_the_table():
    rows = [_window(1, 0.9234), _window(2, 0.8, code="W-2"), _window(2, 0.8, code="W-3"),
            _window(4, 0.5, flag=True, code="W-4"), _window(None, None, code="W-5")]
    assert rank_bars(rows) == [
        {"name": "1. 建北街道便民服务中心 低保窗口", "rate": 92.3, "flagged": None, "rate_label": "92.3%",
         "flagged_label": ""},
        {"name": "2. 建北街道便民服务中心 低保窗口", "rate": 80.0, "flagged": None, "rate_label": "80.0%",
         "flagged_label": ""},
        {"name": "2. 建北街道便民服务中心 低保窗口", "rate": 80.0, "flagged": None, "rate_label": "80.0%",
         "flagged_label": ""},
        {"name": "4. 建北街道便民服务中心 低保窗口", "rate": None, "flagged": 50.0, "rate_label": "",
         "flagged_label": "50.0%"},
    ]


def test_offices_are_named_by_office_and_never_flagged():
    rows = [RankedOffice("青园街道便民服务中心", 2, 30, 1.0, 1), RankedOffice("建北街道便民服务中心", 1, 3, None, None)]
    assert rank_bars(rows) == [{"name": "1. 青园街道便民服务中心", "rate": 100.0, "flagged": None,
                                "rate_label": "100.0%", "flagged_label": ""}]


def test_the_chart_stops_at_chart_max_lines():
    rows = [_window(i, 1 - i / 100, code=f"W-{i}") for i in range(1, CHART_MAX + 6)]
    bars = rank_bars(rows)
    assert len(bars) == CHART_MAX and bars[-1]["name"].startswith(f"{CHART_MAX}. ")
