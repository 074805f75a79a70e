"""Messages for volunteer supervisors' evaluation rounds and notices (issue 7)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "eval.title": ("民主评议", "Supervisors' evaluations"),
}
