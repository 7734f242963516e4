"""A toy app for the local host's queue tests: blob output from message JSON, poison, list queue output."""

import json
import logging
import time
from typing import List  # noqa: UP035 (the runtime refuses list[str] inside func.Out)

import azure.functions as func

log = logging.getLogger("toy.queueapp")
app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%JOBS_QUEUE%", connection="AzureWebJobsStorage")
@app.blob_output(
    arg_name="archive",
    path="%ARCHIVE%/{date}/{serverCallId}/chunk-{chunk.index}.json",
    connection="AzureWebJobsStorage",
)
def archive_chunk(msg: func.QueueMessage, archive: func.Out[str]) -> None:
    job = msg.get_json()
    log.info("archiving chunk %s (dequeue %s)", job["chunk"]["index"], msg.dequeue_count)
    if job.get("skip"):
        return
    inserted = msg.insertion_time.isoformat() if msg.insertion_time else None
    archive.set(json.dumps({**job, "messageId": msg.id, "dequeueCount": msg.dequeue_count, "insertedAt": inserted}))


@app.queue_trigger(arg_name="msg", queue_name="%FAIL_QUEUE%", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> None:
    raise RuntimeError(f"cannot handle {msg.get_body().decode()} (attempt {msg.dequeue_count})")


@app.queue_trigger(arg_name="msg", queue_name="%FANOUT_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="%FANOUT_QUEUE%-out", connection="AzureWebJobsStorage")
def fan_out(msg: func.QueueMessage, out: func.Out[List[str]]) -> None:  # noqa: UP006
    count = int(msg.get_body().decode())
    out.set([json.dumps({"part": part}) for part in range(count)])


@app.queue_trigger(arg_name="msg", queue_name="%RETURN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%RETURN_QUEUE%-out", connection="AzureWebJobsStorage")
async def echo(msg: func.QueueMessage) -> str:
    return msg.get_body().decode().upper()


@app.queue_trigger(arg_name="msg", queue_name="%SLOW_QUEUE%", connection="AzureWebJobsStorage")
def slow_job(msg: func.QueueMessage) -> None:
    seconds = float(msg.get_body().decode())
    log.info("working for %.1fs", seconds)
    time.sleep(seconds)
