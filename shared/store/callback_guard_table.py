"""``CallbackGuard`` on the calls table: the per-call URL key and the used-token ledger, shared by every instance.

Rows (partition keys start with ``~``, which no callFolder contains, like the store's index partitions)::

    ~callback-key / url                      Key: 32 random bytes (base64), created by the first instance
    ~callback-tokens-{yyyy-MM-ddTHH} / {sha256(token id)}   ExpiresAt, Writer; partitioned by the hour the token expires

The key is created insert-if-absent, so concurrent first instances end up with the same one. The sweeper purges
token partitions whose hour ended more than an hour ago (tokens live 5 minutes). A token's row names the attempt
that wrote it (``Writer``): when the answer to the insert is lost (``ServiceResponseError``) the insert is tried
again, and a row that then exists counts as this request's own first use only if this attempt wrote it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError, ServiceResponseError
from azure.data.tables import TableClient

from shared.callbackguard import CallbackGuard

KEY_PARTITION, KEY_ROW = "~callback-key", "url"
TOKEN_PARTITION = "~callback-tokens-"
_KEEP = timedelta(hours=1)
_INSERT_ATTEMPTS = 3


def token_partition(expires_at: datetime) -> str:
    return f"{TOKEN_PARTITION}{expires_at.astimezone(UTC):%Y-%m-%dT%H}"


def token_row(token_id: str) -> str:
    return hashlib.sha256(token_id.encode("utf-8")).hexdigest()


class TableCallbackGuard(CallbackGuard):
    """``CallbackGuard`` over the calls table."""

    def __init__(self, table: TableClient) -> None:
        self._table = table
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = self._load_or_create_key()
            return self._key

    def _load_or_create_key(self) -> bytes:
        fresh = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        with contextlib.suppress(ResourceExistsError):  # another instance made it first: use that one
            self._table.create_entity({"PartitionKey": KEY_PARTITION, "RowKey": KEY_ROW, "Key": fresh})
        return base64.b64decode(str(self._table.get_entity(KEY_PARTITION, KEY_ROW)["Key"]))

    def first_use(self, token_id: str, expires_at: datetime) -> bool:
        writer = uuid.uuid4().hex
        entity = {
            "PartitionKey": token_partition(expires_at),
            "RowKey": token_row(token_id),
            "ExpiresAt": expires_at.astimezone(UTC),
            "Writer": writer,
        }
        attempts = 0
        while True:
            attempts += 1
            try:
                self._table.create_entity(entity)
                return True
            except ResourceExistsError:
                return attempts > 1 and self._written_by(entity, writer)
            except ServiceResponseError:
                if attempts == _INSERT_ATTEMPTS:
                    raise

    def _written_by(self, entity: dict[str, object], writer: str) -> bool:
        found = self._table.get_entity(str(entity["PartitionKey"]), str(entity["RowKey"]))
        return str(found.get("Writer", "")) == writer

    def release(self, token_id: str, expires_at: datetime) -> None:
        try:
            self._table.delete_entity(token_partition(expires_at), token_row(token_id))
        except ResourceNotFoundError:
            return

    def purge(self, now: datetime) -> int:
        query = "PartitionKey ge @first and PartitionKey lt @cutoff"
        params = {"first": TOKEN_PARTITION, "cutoff": token_partition(now - _KEEP)}
        expired = list(self._table.query_entities(query, parameters=params, select=["PartitionKey", "RowKey"]))
        for entity in expired:
            try:
                self._table.delete_entity(str(entity["PartitionKey"]), str(entity["RowKey"]))
            except ResourceNotFoundError:
                continue
        return len(expired)
