"""Messages for window ratings (好差评): the rating page, follow-ups, dashboards, published results."""

MESSAGES: dict[str, tuple[str, str]] = {
}
