"""The pipeline's reference: ``python -m bench.bare --acs ... --storage ... --urls FILE`` copies every chunk in one
plain loop (download through the SDK, ``.read()``, upload) and prints one JSON line: ``chunks``, ``seconds``,
``chunksPerSecond`` and ``latencySeconds`` (from the loop's start to each chunk stored, like a burst of jobs).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.pipeline import percentiles

CONTAINER = "bare-loop"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare")
    parser.add_argument("--acs", required=True, help="ACS connection string (the emulator)")
    parser.add_argument("--storage", required=True, help="storage connection string (Azurite)")
    parser.add_argument("--urls", type=Path, required=True, help="JSON list of contentLocation URLs")
    args = parser.parse_args()
    from azure.communication.callautomation import CallAutomationClient
    from azure.storage.blob import BlobServiceClient

    acs = CallAutomationClient.from_connection_string(args.acs)
    container = BlobServiceClient.from_connection_string(args.storage).get_container_client(CONTAINER)
    container.create_container()
    urls: list[str] = json.loads(args.urls.read_text())
    started, latencies = time.perf_counter(), []
    for number, url in enumerate(urls):
        response: Any = acs.download_recording(url)
        data = response.read()
        container.upload_blob(f"chunk-{number:05}.wav", data)
        latencies.append(time.perf_counter() - started)
    seconds = time.perf_counter() - started
    result = {
        "chunks": len(urls),
        "seconds": round(seconds, 3),
        "chunksPerSecond": round(len(urls) / max(seconds, 1e-9), 2),
        "latencySeconds": percentiles(latencies),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
