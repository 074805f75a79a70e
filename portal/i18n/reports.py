"""Messages for reports, receipts and reward-for-reporting (issue 6)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "report.title": ("举报投诉", "Report a problem"),
}
