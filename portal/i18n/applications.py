"""Messages for eligibility screener, applications and the officer workflow (issue 4)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "apply.title": ("申请低保", "Apply for dibao"),
}
