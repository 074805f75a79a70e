"""Reporting up the hierarchy: performance scores per county and city, and the reward pool (以奖代补) they share."""
