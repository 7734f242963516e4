"""The answer benchmark's references: ``python -m bench.answerloop --acs ... --storage ...`` serves an Event Grid
webhook that does, for each ``IncomingCall``, only what answering requires, with the official SDKs and none of the
app's or the host's code. ``--requests``:

- ``one-write`` (the target's reference): one state write (a Table entity like the app's state row) and the answer call;
- ``app-rows``: the storage requests the app's ring makes, in its order: the call's day and participants' index rows
  (three upserts sent at once, in other partitions), then one entity-group transaction creating the state, history
  and ledger rows in the call's partition, then the answer call. The app waits for the index rows before the
  transaction (``shared.store.table``: a call committed without them would be missing from its day for good), so
  against this loop the app's figure is what its code and the host add, not what its rows cost.

It prints one JSON line once it serves: ``{"url": "http://127.0.0.1:<port>"}``; Event Grid is pointed at
``<url>/events`` and the answered calls' callbacks go to ``<url>/callbacks`` (acknowledged, nothing else).
"""

from __future__ import annotations

import argparse
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TABLE = "answerloop"
STATE_BYTES = 2048  # about the size of a call's state row
RING_STATE_BYTES = 770  # about the size of a ringing call's state row (``shared.store.rows.state_entity``)
HISTORY_BYTES = 320  # about the size of a ring's history row
INDEX_WRITERS = 4  # as the app's store (``shared.store.table.INDEX_WRITERS``)
REQUESTS = ("one-write", "app-rows")


class Answerer:
    """The clients, made once, and the requests of one answer (``requests``: one of ``REQUESTS``)."""

    def __init__(self, acs_connection: str, storage: str, requests: str = "one-write") -> None:
        from azure.communication.callautomation import CallAutomationClient
        from azure.data.tables import TableServiceClient

        from shared.transport import environment_options

        self.acs = CallAutomationClient.from_connection_string(acs_connection)
        service = TableServiceClient.from_connection_string(storage)
        service.create_table_if_not_exists(TABLE)
        self.table = TableServiceClient.from_connection_string(
            storage, **environment_options(service.url)
        ).get_table_client(TABLE)
        self.state_text = "s" * STATE_BYTES
        self.callback_url = ""
        self.requests = requests
        self.index_pool = ThreadPoolExecutor(INDEX_WRITERS, thread_name_prefix="index")

    def answer(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        call = str(data.get("serverCallId") or uuid.uuid4())
        if self.requests == "app-rows":
            self._app_rows(call, data)
        else:
            self.table.create_entity({"PartitionKey": call, "RowKey": "state", "State": self.state_text})
        self.acs.answer_call(str(data["incomingCallContext"]), self.callback_url)

    def _app_rows(self, call: str, data: dict[str, Any]) -> None:
        """The ring's rows as the app writes them: index rows at once (PUT), then the call's three in one transaction."""
        from azure.data.tables import UpdateMode

        key = f"{uuid.uuid4().hex}-{call}"
        parties = [str((data.get(side) or {}).get("rawId", side)) for side in ("from", "to")]
        partitions = ["~day", *(f"~participant-{uuid.uuid5(uuid.NAMESPACE_URL, p).hex}" for p in parties)]
        index_rows = [{"PartitionKey": partition, "RowKey": key, "ServerCallId": call} for partition in partitions]
        list(self.index_pool.map(lambda row: self.table.upsert_entity(row, mode=UpdateMode.REPLACE), index_rows))
        event_id = str(uuid.uuid4())
        self.table.submit_transaction(
            [
                ("create", {"PartitionKey": call, "RowKey": "state", "State": "s" * RING_STATE_BYTES, "Version": 1}),
                ("create", {"PartitionKey": call, "RowKey": "h-0000000001", "Line": "h" * HISTORY_BYTES}),
                ("create", {"PartitionKey": call, "RowKey": f"l-{event_id}", "Version": 1, "Writer": uuid.uuid4().hex}),
            ]
        )


def handler(answerer: Answerer) -> type[BaseHTTPRequestHandler]:
    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reply: dict[str, Any] = {}
            if self.path.startswith("/events"):
                events = json.loads(body)
                for event in events if isinstance(events, list) else [events]:
                    if self.headers.get("aeg-event-type") == "SubscriptionValidation":
                        reply = {"validationResponse": event["data"]["validationCode"]}
                    elif event.get("eventType") == "Microsoft.Communication.IncomingCall":
                        answerer.answer(event)
            payload = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Webhook


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.answerloop", description=__doc__)
    parser.add_argument("--acs", required=True, help="ACS connection string (the emulator)")
    parser.add_argument("--storage", required=True, help="storage connection string (Azurite)")
    parser.add_argument("--requests", choices=REQUESTS, default="one-write", help="what each answer writes first")
    args = parser.parse_args()
    answerer = Answerer(args.acs, args.storage, args.requests)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(answerer))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    answerer.callback_url = f"{url}/callbacks"
    print(json.dumps({"url": url}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
