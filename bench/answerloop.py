"""The answer benchmark's reference: ``python -m bench.answerloop --acs ... --storage ...`` serves an Event Grid webhook
that does, for each ``IncomingCall``, only what answering requires: one state write (a Table entity like the app's
state row) and the answer call, with the official SDKs and none of the app's or the host's code.

It prints one JSON line once it serves: ``{"url": "http://127.0.0.1:<port>"}``; Event Grid is pointed at
``<url>/events`` and the answered calls' callbacks go to ``<url>/callbacks`` (acknowledged, nothing else).
"""

from __future__ import annotations

import argparse
import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TABLE = "answerloop"
STATE_BYTES = 2048  # about the size of a call's state row


class Answerer:
    """The clients, made once, and the two requests of one answer."""

    def __init__(self, acs_connection: str, storage: str) -> None:
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

    def answer(self, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        row = {"PartitionKey": str(data.get("serverCallId") or uuid.uuid4()), "RowKey": "state",
               "State": self.state_text}  # fmt: skip
        self.table.create_entity(row)
        self.acs.answer_call(str(data["incomingCallContext"]), self.callback_url)


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
    args = parser.parse_args()
    answerer = Answerer(args.acs, args.storage)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(answerer))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    answerer.callback_url = f"{url}/callbacks"
    print(json.dumps({"url": url}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
