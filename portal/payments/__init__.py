"""Payments (低保金发放): monthly batches per county from the register's active households, two-person approval,
a bank file out and a return file back. See docs/payments.md."""
