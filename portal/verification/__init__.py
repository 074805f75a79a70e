"""Household economic-status verification (家庭经济状况核对): department records by file, comparison rules as data,
and the batch re-verification of the whole register (DuckDB over Parquet). See docs/verification.md."""
