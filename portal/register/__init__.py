"""The recipient register (在册对象): households and their members with ID numbers, the source of the standing
roster. Rules in `rules.py` (pure), tables in `schema.py`, use cases in `services.py`, file import in `importer.py`."""
