import os
import sys

# Everything the portal writes (the database and its WAL, private photos, Parquet batches, backups, the secret key)
# is readable by the portal's user only, whichever command creates it first; rxconfig.py does the same for the server.
os.umask(0o077)

from portal.cli import main  # noqa: E402

sys.exit(main())
