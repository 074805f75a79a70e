"""Annual and periodic reports (年度报告 / 季度报告): figures from the portal's data, the office's narrative, and the
county → city → province workflow (docs/annual-reports.md)."""
