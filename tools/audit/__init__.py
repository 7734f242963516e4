"""``python -m tools.audit``: show from the archive container alone that each recording is whole and unaltered.

It needs only storage access (a connection string, or an account URL and an Entra identity with the Storage Blob
Data Reader role), never the app's table. Every blob is read again, in ranges, and hashed as it streams.

``--case DIR`` verifies a case exported with ``python -m tools.case`` from that directory alone (``tools.audit.case``).
"""
