"""Persistence of the per-call state (Table storage) behind the ``CallStore`` port."""

from shared.store.port import Applied, CallStore, DayPage, Loaded, StoreContention

__all__ = ["Applied", "CallStore", "DayPage", "Loaded", "StoreContention"]
