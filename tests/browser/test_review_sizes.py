"""The review page on a phone (390x844) and on a desktop (1280x900): nothing cut off or scrolled sideways, a readable
timeline, short ids that copy whole, times in UTC or the reader's zone, words instead of codes, whole downloads.

With ``REVIEW_SCREENSHOTS=1`` the phone screenshots are written into ``docs/`` beside the desktop ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from azure.storage.blob import BlobServiceClient

from local.client import LocalClient, recordings, wait_for
from tests.browser.conftest import ANSWERED, page_url

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
ZONE = "America/New_York"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return DOCS if os.environ.get("REVIEW_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("screenshots")


def new_page(browser: Any, size: str, **options: Any) -> Any:
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone, **options)
    return context.new_page()


@pytest.fixture(params=sorted(SIZES))
def sized(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[str, Any]]:
    page = new_page(browser, request.param, timezone_id=ZONE)
    try:
        yield request.param, page
    finally:
        page.context.close()


def open_page(page: Any, info: dict[str, Any], fragment: str) -> None:
    if page.url.startswith("http"):
        page.evaluate("() => { delete document.body.dataset.ready; }")
    page.goto(page_url(info, fragment))
    page.wait_for_function("() => document.body.dataset.ready !== undefined")
    assert page.locator("#status").is_hidden(), page.locator("#status").text_content()


def fits(page: Any) -> None:
    """Nothing wider than the screen, and the page opened at its left edge."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth, window.scrollX]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px screen"
    assert widths[2] == 0, "opened scrolled sideways"


def inside(page: Any, locator: Any) -> None:
    """The element shows, whole, within the screen's width."""
    box = locator.bounding_box()
    assert box is not None, "not shown"
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= page.viewport_size["width"] + 0.5


def test_the_day_list_shows_each_calls_verdict_and_open_link_on_the_screen(
    sized: tuple[str, Any], review_stack: dict[str, Any], recorded_call: dict[str, Any], shots: Path
) -> None:
    size, page = sized
    open_page(page, review_stack, f"#/day/{recorded_call['createdAt'][:10]}")
    fits(page)
    row = page.locator(f"tr[data-call='{recorded_call['callId']}']")
    inside(page, row.locator(".verdicts .badge.complete"))
    inside(page, row.locator("td.open a"))
    assert recorded_call["callId"] not in row.inner_text(), "the id is shortened"
    if size == "phone":
        page.screenshot(path=str(shots / "review-day-mobile.png"), full_page=True)


def test_the_call_page_fits_and_its_timeline_text_keeps_a_readable_size(
    sized: tuple[str, Any], review_stack: dict[str, Any], recorded_call: dict[str, Any], shots: Path
) -> None:
    size, page = sized
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
    fits(page)
    labels = page.locator(".timeline svg text.lane-label")
    assert labels.count() >= 2, "a lane for the call and one for the recording"
    heights = [labels.nth(i).bounding_box()["height"] for i in range(labels.count())]
    assert min(heights) >= 10, f"lane labels drawn {min(heights):.1f} px tall"
    words = page.locator("main").inner_text().split()
    assert not [word for word in words if len(word) > 40], "no id shown whole"
    inside(page, page.locator("section.recording .badge.complete").first)
    assert not errors, errors
    if size == "phone":
        assert page.locator(".timeline details").get_attribute("open") is not None, "events listed on a phone"
        page.screenshot(path=str(shots / "review-call-mobile.png"), full_page=True)


def test_a_timeline_drawn_narrow_is_drawn_again_at_the_new_width(
    browser: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    page = new_page(browser, "desktop")
    try:
        open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
        assert page.locator(".timeline svg").get_attribute("width") == str(
            page.evaluate("() => Math.floor(document.querySelector('.timeline .chart').clientWidth)")
        )
        page.set_viewport_size(SIZES["phone"])
        wait_for(lambda: int(page.locator(".timeline svg").get_attribute("width") or 0) < 390, "a narrow timeline")
        fits(page)
    finally:
        page.context.close()


def test_a_shortened_id_is_copied_whole(
    browser: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    page = new_page(browser, "phone", permissions=["clipboard-read", "clipboard-write"])
    try:
        open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
        shown = page.locator("dd .id code").first.inner_text()
        assert shown == "…" + recorded_call["callId"][-12:]
        page.get_by_label("Copy callId").click()
        wait_for(lambda: page.get_by_label("Copy callId").inner_text() == "Copied", "the copy to be done")
        assert page.evaluate("() => navigator.clipboard.readText()") == recorded_call["callId"]
    finally:
        page.context.close()


def test_times_read_to_the_second_in_utc_or_in_the_readers_zone(
    browser: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    created = datetime.fromisoformat(recorded_call["createdAt"])
    page = new_page(browser, "desktop", timezone_id=ZONE)
    try:
        open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
        started = page.locator("dt:text-is('Started') + dd")
        assert started.inner_text() == created.strftime("%Y-%m-%d %H:%M:%S UTC")
        page.locator("#times").select_option("local")
        page.wait_for_function("() => document.body.dataset.ready !== undefined")
        local = created.astimezone(ZoneInfo(ZONE))
        wait_for(lambda: started.inner_text().startswith(local.strftime("%Y-%m-%d %H:%M:%S ")), "local times")
        assert started.inner_text().split()[-1] in ("EST", "EDT", "GMT-5", "GMT-4")
        page.reload()
        page.wait_for_function("() => document.body.dataset.ready !== undefined")
        assert page.locator("#times").input_value() == "local", "the choice is kept"
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", page.locator("main").inner_text()), "no fractions of a second"
    finally:
        page.context.close()


def test_phone_numbers_and_end_reasons_read_as_words(
    browser: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any]
) -> None:
    page = new_page(browser, "phone")
    try:
        open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
        digits = recorded_call["caller"][3:]
        assert page.locator("h2").inner_text() == (
            f"Call +1 {digits[1:4]} {digits[4:7]} {digits[7:]} → +1 {ANSWERED[4:7]} {ANSWERED[7:10]} {ANSWERED[10:]}"
        )
        main = page.locator("main").inner_text()
        assert "4:+" not in main, "no raw phone ids"
        ended = page.locator("dt:text-is('Ended') + dd").inner_text()
        assert ended, "the call's end is shown"
        assert "DiagCode" not in ended
        assert not re.search(r"\d+/\d+", ended), ended
        assert "the recording session ended" in page.locator("table.chunks").inner_text()
    finally:
        page.context.close()


def test_a_live_recording_reads_recording_and_a_hang_up_while_paused_reads_stopped(
    browser: Any, review_stack: dict[str, Any], client: LocalClient
) -> None:
    server_call_id = str(client.place_call("4:+14255550123", ANSWERED, ())["serverCallId"])
    wait_for(lambda: client.recording_state(server_call_id) == "active", "the recording to become active", timeout=60)
    call_id = client.call(server_call_id)["callId"]  # type: ignore[index]
    page = new_page(browser, "phone")
    try:
        open_page(page, review_stack, f"#/call/{call_id}")
        assert page.locator("section.recording .badge.recording").count() == 1
        assert page.locator(".badge.incomplete").count() == 0, "a live recording is not incomplete"
        client.recording(server_call_id, "pause")
        wait_for(lambda: client.recording_state(server_call_id) == "paused", "the recording to pause")
        time.sleep(1)
        client.hang_up(server_call_id)
        wait_for(lambda: client.recording_state(server_call_id) == "archived", "the recording archived", timeout=120)
        page.reload()  # the same fragment: a new document reads the call again
        page.wait_for_function("() => document.body.dataset.ready !== undefined")
        states = page.locator(".timeline svg rect.seg").evaluate_all("rects => rects.map(r => r.dataset.state)")
        recording_lane = states[states.index("paused") :]
        assert recording_lane[:2] == ["paused", "stopped"], f"hung up while paused: {states}"
    finally:
        page.context.close()


def test_a_chunk_a_participant_file_and_the_manifest_download_whole(
    browser: Any, review_stack: dict[str, Any], recorded_call: dict[str, Any], tmp_path: Path
) -> None:
    page = new_page(browser, "phone", accept_downloads=True)
    try:
        open_page(page, review_stack, f"#/call/{recorded_call['callId']}")
        chunk = recordings(recorded_call)[0]["chunks"][0]
        assert chunk["size"] > 1024 * 1024, "large enough to come in several pieces"
        media = save(page, "tr[data-chunk='0'] a[data-file='chunk-0000.wav']", tmp_path)
        assert hashlib.sha256(media).hexdigest() == chunk["sha256"]
        manifest = save(page, "section.recording a[data-file='manifest.json']", tmp_path)
        service = BlobServiceClient.from_connection_string(review_stack["storageConnectionString"])
        stored = service.get_container_client("recordings").download_blob(
            chunk["blobPath"].rsplit("/", 1)[0] + "/manifest.json"
        )
        assert manifest == stored.readall()
        entry = json.loads(manifest)["chunks"][0]
        person = entry["participantFiles"][0]
        name = person["blobPath"].rsplit("/", 1)[1]
        assert (
            hashlib.sha256(save(page, f"tr[data-chunk='0'] a[data-file='{name}']", tmp_path)).hexdigest()
            == person["sha256"]
        )
    finally:
        page.context.close()


def save(page: Any, selector: str, folder: Path) -> bytes:
    with page.expect_download() as started:
        page.locator(selector).click()
    target = folder / started.value.suggested_filename
    started.value.save_as(target)
    return target.read_bytes()
