"""A fresh calls table on the session Azurite for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.data.tables import TableClient, TableServiceClient

from shared.store.table import TableCallStore


@pytest.fixture
def calls_table(storage_connection_string: str, unique_name: str) -> Iterator[TableClient]:
    service = TableServiceClient.from_connection_string(storage_connection_string)
    name = "".join(ch for ch in unique_name if ch.isalpha())
    table = service.create_table(name)
    try:
        yield table
    finally:
        service.delete_table(name)


@pytest.fixture
def store(calls_table: TableClient) -> TableCallStore:
    return TableCallStore(calls_table)
