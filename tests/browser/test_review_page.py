"""The review page in Chromium against the whole local stack: list, call page, playback, keyboard, no outside request.

The screenshots in ``docs/`` (shown in the README) are made here: with ``REVIEW_SCREENSHOTS=1`` they are written
there, otherwise into the test's temporary directory.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from azure.storage.blob import ContainerClient

from local.callview import party
from local.client import LocalClient, recordings, wait_for
from shared.domain.access import key_fingerprint
from tests.browser.conftest import page_url, record_call

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``docs/`` when ``REVIEW_SCREENSHOTS=1``, else a temporary directory."""
    return DOCS if os.environ.get("REVIEW_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("screenshots")


class Seen:
    """Every request the page made and every response it got."""

    def __init__(self, page: Any) -> None:
        self.requests: list[Any] = []
        self.responses: list[Any] = []
        page.on("request", lambda request: self.requests.append(request))
        page.on("response", lambda response: self.responses.append(response))

    def media(self) -> list[Any]:
        return [r for r in self.responses if "/chunks/" in r.url]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


def open_page(page: Any, info: dict[str, Any], fragment: str) -> None:
    """Go to the page's ``fragment`` and wait until it is drawn (a new fragment is not a new document)."""
    if page.url.startswith("http"):
        page.evaluate("() => { delete document.body.dataset.ready; }")
    page.goto(page_url(info, fragment))
    page.wait_for_function("() => document.body.dataset.ready !== undefined")
    assert page.locator("#status").is_hidden(), page.locator("#status").text_content()


def day_of(call: dict[str, Any]) -> str:
    return str(call["createdAt"])[:10]


def test_a_recorded_call_appears_in_the_day_list(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    open_page(page, review_stack, f"#/day/{day_of(recorded_call)}")
    row = page.locator(f"tr[data-call='{recorded_call['callId']}']")
    assert row.count() == 1
    assert row.locator(".badge.complete").count() == 1
    assert party(recorded_call["caller"]) in row.text_content()


def test_the_day_list_filters_by_state(page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]) -> None:
    open_page(page, review_stack, f"#/day/{day_of(recorded_call)}?state=ringing")
    assert page.locator(f"tr[data-call='{recorded_call['callId']}']").count() == 0
    open_page(page, review_stack, f"#/day/{day_of(recorded_call)}?state=archived")
    assert page.locator(f"tr[data-call='{recorded_call['callId']}']").count() == 1


def test_an_input_quarantined_for_a_call_is_shown_on_its_page_with_the_reason(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    sid = recorded_call["serverCallId"]
    malformed = {
        "id": str(uuid.uuid4()),
        "topic": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Communication/communicationServices/acs",
        "subject": f"/recording/call/{uuid.uuid4()}/serverCallId/{sid}/recordingId/{uuid.uuid4().hex}",
        "eventType": "Microsoft.Communication.RecordingFileStatusUpdated",
        "eventTime": recorded_call["createdAt"],
        "dataVersion": "1.0",
        "data": {"recordingStorageInfo": "not an object"},
    }
    assert post_event(review_stack, malformed).status_code in (200, 202)
    open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
    section = page.locator("section.quarantine")
    section.locator("tbody tr").first.wait_for()
    assert section.locator("tbody tr").count() == 1
    assert section.locator("tbody tr td.warn").text_content()


def post_event(info: dict[str, Any], event: dict[str, Any]) -> requests.Response:
    url = f"{info['functionsUrl']}/runtime/webhooks/EventGrid?functionName=acs_events"
    key = info.get("eventGridKey", "")
    headers = {"aeg-event-type": "Notification"}
    return requests.post(url + (f"&code={key}" if key else ""), json=[event], headers=headers, timeout=30)


def test_the_call_page_shows_the_pause_gap_and_every_chunk_verified(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any], shots: Path
) -> None:
    open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
    chunks = recordings(recorded_call)[0]["chunks"]
    assert len(chunks) >= 2, "the recording is long enough for two chunks"
    rows = page.locator("table.chunks tbody tr")
    assert rows.count() == len(chunks)
    assert page.locator("table.chunks .badge.verified").count() == len(chunks)
    for chunk in chunks:
        row = page.locator(f"tr[data-chunk='{chunk['index']}']")
        assert row.locator(f"[data-copy='{chunk['sha256']}']").count() == 1, "the whole SHA-256 is copied"
        assert chunk["sha256"][:16] in row.text_content()
    assert page.locator("svg rect.seg-paused").count() == 1, "the timeline draws the paused gap"
    assert page.locator(".pause-mark").count() == 1, "the seek bar of the chunk with the pause marks it"
    participants = page.locator("table.participants tbody tr")
    assert participants.count() == 3, "caller, the called number and the agent, one channel each"
    assert party(recorded_call["caller"]) in participants.first.text_content(), "the caller is on channel 0"
    page.screenshot(path=str(shots / "review-call.png"), full_page=True)


def test_the_player_loads_the_media_and_a_seek_asks_for_a_range_answered_206(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    seen = Seen(page)
    open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
    media = page.locator("[data-player='0'] audio")
    media.evaluate("m => new Promise(done => m.readyState >= 1 ? done() : m.addEventListener('loadedmetadata', done))")
    duration = media.evaluate("m => m.duration")
    assert duration > 10
    loaded = len(seen.media())
    media.evaluate("(m, at) => { m.currentTime = at; }", duration * 0.9)
    media.evaluate("m => new Promise(done => m.seeking ? m.addEventListener('seeked', done) : done())")

    def ranged_after_seek() -> list[Any]:
        later = seen.media()[loaded:]
        return [r for r in later if re.match(r"bytes=[1-9]\d*-", r.request.headers.get("range", ""))]

    ranged = wait_for(ranged_after_seek, "a range request from past the start after the seek", timeout=10)
    assert all(r.status == 206 for r in ranged)
    assert all(r.headers["content-range"].startswith("bytes ") for r in ranged)


def test_the_call_page_shows_who_read_its_archive_with_the_bytes_served(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
    media = page.locator("[data-player='0'] audio")
    media.evaluate("m => new Promise(done => m.readyState >= 1 ? done() : m.addEventListener('loadedmetadata', done))")
    page.reload()  # the same call again: its reads now include the media just played
    page.wait_for_function("() => document.body.dataset.ready !== undefined")
    section = page.locator("section.access")
    section.locator("tbody tr").first.wait_for()
    key = key_fingerprint(str(review_stack["functionKey"]))
    media_reads = section.locator("tr[data-read$='.wav']")
    assert media_reads.count() >= 1
    assert key in media_reads.first.text_content()
    assert re.search(r"\d+\u2013\d+ of \d+", media_reads.first.locator("td[data-label='Bytes']").text_content())
    assert section.locator("tr[data-read$='manifest.json']").count() >= 1, "the archive view read the manifest"


def test_a_call_is_found_by_its_callers_number_typed_as_a_person_writes_it(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    open_page(page, review_stack, f"#/day/{day_of(recorded_call)}")
    digits = str(recorded_call["caller"]).removeprefix("4:+1")
    form = page.locator("form.search")
    form.locator("input[name='participant']").fill(f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}")
    form.locator("select[name='verdict']").select_option("complete")
    page.evaluate("() => { delete document.body.dataset.ready; }")
    form.locator("button[type='submit']").click()
    page.wait_for_function("() => document.body.dataset.ready !== undefined")
    assert page.url.split("#", 1)[1].startswith("/search?participant=")
    rows = page.locator("table.calls tbody tr[data-call]")
    assert [rows.nth(i).get_attribute("data-call") for i in range(rows.count())] == [recorded_call["callId"]]


def test_after_erasure_the_call_page_says_what_was_erased_by_whom_and_when_and_plays_nothing_erased(
    page: Any, review_stack: dict[str, Any], client: LocalClient, archive: ContainerClient
) -> None:
    call = record_call(client, archive, pause=False)
    request = {"requestedBy": "dpo@contoso.example", "reason": "GDPR art. 17 request #2026-118"}
    answer = client.api("POST", "participants/erasure", {"participant": call["caller"], **request}).json()
    (erased,) = answer["calls"]
    assert erased["outcome"] == "erased", answer
    assert erased["erased"], "the caller's own file of each chunk"
    seen = Seen(page)
    open_page(page, review_stack, f"#/call/{call['callId']}")
    assert page.locator("tr[data-chunk] .erased").count() == len(erased["erased"]), "one line per erased file"
    gone = page.locator("tr[data-chunk='0'] .erased")
    assert gone.get_attribute("data-erased") == erased["tombstones"][0]
    assert re.search(r"only \(wav\) erased on request on .+ by dpo@contoso\.example: GDPR", gone.text_content())
    assert gone.locator("a.download").text_content().endswith(".tombstone.json")
    assert page.locator("[data-player='0'] audio").count() == 1, "the recording's media still plays"

    assert client.api("POST", f"calls/{call['callId']}/erasure", request).status_code == 200
    seen.responses.clear()
    page.reload()  # the same call again, now erased whole
    page.wait_for_function("() => document.body.dataset.ready !== undefined")
    assert page.locator("#status").is_hidden(), page.locator("#status").text_content()
    section = page.locator("section.recording")
    assert section.locator(".badge.erased").count() == 1
    note = section.locator("p.erased").text_content()
    assert re.search(r"Every file of this recording was erased on request on .+ by dpo@contoso\.example", note)
    assert section.locator("a[data-file='tombstone.json']").count() == 1
    assert page.locator("[data-player] audio, [data-player] video").count() == 0, "no player for erased media"
    assert section.locator("ul.problems").count() == 0
    assert [r.url for r in seen.responses if r.status >= 400] == []


def test_a_channel_of_the_unmixed_wav_can_be_chosen(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    seen = Seen(page)
    open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
    player = page.locator("[data-player='0']")
    player.get_by_label("Channel to listen to").select_option("1")
    media = player.locator("audio")
    wait_for(lambda: "channel=1" in media.evaluate("m => m.src"), "the player to switch to channel 1")
    media.evaluate("m => new Promise(done => m.readyState >= 1 ? done() : m.addEventListener('loadedmetadata', done))")
    mono = [r for r in seen.media() if "channel=1" in r.url]
    assert mono
    assert all(r.status == 206 for r in mono)
    assert media.evaluate("m => m.duration") > 10


def test_an_incomplete_recording_shows_what_is_missing(
    page: Any, review_stack: dict[str, Any], client: LocalClient, shots: Path
) -> None:
    event = client.emulator("POST", "recordings/synthetic", {"channel": "mixed", "durationSeconds": 6, "chunks": 2})
    chunks = event["data"]["recordingStorageInfo"]["recordingChunks"]
    event["data"]["recordingStorageInfo"]["recordingChunks"] = [c for c in chunks if c["index"] == 1]
    assert post_event(review_stack, event).status_code in (200, 202)
    server_call_id = re.search(r"/serverCallId/([^/]+)/", event["subject"]).group(1)  # type: ignore[union-attr]

    def chunk_archived() -> dict[str, Any] | None:
        call = client.call(server_call_id)
        found = [c for r in recordings(call) for c in r.get("chunks", []) if c.get("state") == "archived"]
        return call if found else None

    call = wait_for(chunk_archived, "chunk 1 to be archived", timeout=60)
    open_page(page, review_stack, f"#/call/{call['callId']}")
    missing = page.locator(".recording .missing").text_content()
    assert "chunk 0 not announced" in missing
    assert page.locator(".recording .badge.incomplete").count() == 1
    open_page(page, review_stack, f"#/day/{day_of(call)}")
    assert page.locator(f"tr[data-call='{call['callId']}'] .badge.incomplete").count() == 1
    assert page.locator("tbody tr .badge.complete").count() >= 1, "the recorded call is listed beside it"
    page.screenshot(path=str(shots / "review-day.png"))


def test_an_mp4_recording_plays_in_a_video_element_fed_by_ranges(
    page: Any, review_stack: dict[str, Any], client: LocalClient
) -> None:
    body = {"format": "mp4", "channel": "mixed", "durationSeconds": 4, "chunks": 1, "deliver": True}
    event = client.emulator("POST", "recordings/synthetic", body)
    server_call_id = re.search(r"/serverCallId/([^/]+)/", event["subject"]).group(1)  # type: ignore[union-attr]

    def archived() -> dict[str, Any] | None:
        call = client.call(server_call_id)
        return call if recordings(call) and recordings(call)[0].get("state") == "archived" else None

    call = wait_for(archived, "the MP4 recording to be archived", timeout=60)
    seen = Seen(page)
    open_page(page, review_stack, f"#/call/{call['callId']}")
    video = page.locator("[data-player='0'] video")
    video.evaluate("m => new Promise(done => m.readyState >= 1 ? done() : m.addEventListener('loadedmetadata', done))")
    assert video.evaluate("m => m.videoWidth") > 0
    assert video.evaluate("m => m.duration") > 3
    answers = seen.media()
    assert answers
    assert all(r.status == 206 for r in answers)
    assert all(r.headers["content-type"] == "video/mp4" for r in answers)


def test_no_request_leaves_the_stack(page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]) -> None:
    seen = Seen(page)
    open_page(page, review_stack, f"#/day/{day_of(recorded_call)}")
    page.locator(f"tr[data-call='{recorded_call['callId']}'] a").click()
    page.wait_for_function(f"() => document.body.dataset.ready === '/call/{recorded_call['callId']}'")
    page.locator("[data-player='0'] button.primary").click()
    page.wait_for_timeout(500)
    page.locator("[data-player='0'] audio").evaluate("m => { m.pause(); m.currentTime = m.duration / 2; }")
    page.wait_for_timeout(500)
    origin = urlsplit(review_stack["functionsUrl"])
    outside = [r.url for r in seen.requests if urlsplit(r.url).netloc != origin.netloc]
    assert len(seen.requests) > 5
    assert not outside


def test_the_page_works_from_the_keyboard(
    page: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    open_page(page, review_stack, f"#/day/{day_of(recorded_call)}")
    link = f"#/call/{recorded_call['callId']}"
    tab_to(page, f"document.activeElement.getAttribute('href') === '{link}'")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.body.dataset.ready === '/call/{recorded_call['callId']}'")
    tab_to(page, "document.activeElement.getAttribute('aria-label') === 'Play chunk 0'")
    page.keyboard.press("Enter")
    media = page.locator("[data-player='0'] audio")
    wait_for(lambda: media.evaluate("m => !m.paused && m.currentTime > 0"), "playback to start", timeout=20)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Position in chunk 0"
    before = media.evaluate("m => m.currentTime")
    page.keyboard.press("End")
    wait_for(lambda: media.evaluate("m => m.currentTime") > before + 5, "the seek bar to move playback by keyboard")


def tab_to(page: Any, condition: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"Tab never reached the element where {condition}")
