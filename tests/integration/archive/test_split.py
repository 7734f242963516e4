"""One mono WAV per participant on the session Azurite, from the emulator's unmixed WAV (a distinct tone per
voice): each file holds exactly its channel's samples, so each holds its own speaker."""

from __future__ import annotations

import array
import hashlib
import io
import math
import tracemalloc
import wave
from datetime import UTC, datetime

from azure.storage.blob import ContainerClient

from local.emulator.media import MediaSpec, WavMedia, voice_frequency
from shared import layout
from shared.archive.copy_options import ArchiveOptions
from shared.archive.split import split_participants
from shared.messages import ChunkRef
from shared.pcmwav import read_layout

VOICES = (4, 0, 2)  # the voice heard on channels 0, 1 and 2
PEOPLE = ("4:+14255550100", "8:acs:contoso_agent-7", "4:+18005550199")
OPTIONS = ArchiveOptions(streaming_threshold_bytes=0, block_size_bytes=8192, concurrency=2)


def chunk_ref() -> ChunkRef:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return ChunkRef(server_call_id="aHR0cHM6Ly9leGFtcGxlL2NhbGw=", recording_id="rec-1", index=0, format="wav",
                    recording_start=start)  # fmt: skip


def samples(data: bytes) -> array.array[int]:
    found = array.array("h")
    found.frombytes(data)
    return found


def dominant_voice(pcm: array.array[int], rate: int) -> int:
    """The emulator voice whose tone is strongest in ``pcm`` (Goertzel power at each voice's frequency)."""

    def power(freq: int) -> float:
        coeff, s1, s2 = 2 * math.cos(2 * math.pi * freq / rate), 0.0, 0.0
        for x in pcm[:rate]:
            s1, s2 = x + coeff * s1 - s2, s1
        return s1 * s1 + s2 * s2 - coeff * s1 * s2

    return max(range(5), key=lambda voice: power(voice_frequency(voice)))


def test_each_participant_file_holds_exactly_its_channel_and_so_its_own_speaker(container: ContainerClient) -> None:
    media = WavMedia(MediaSpec("wav", 3, 1500, VOICES, seed="split"))
    source = media.read(0, media.size)
    ref = chunk_ref()
    pieces = (source[offset : offset + 1001] for offset in range(0, len(source), 1001))  # frames split over reads
    participants = [{"participantId": person, "channel": channel} for channel, person in enumerate(PEOPLE)]
    files = split_participants(container, ref, participants, pieces, len(source), OPTIONS)

    interleaved = samples(source[44:])
    assert [f["participantId"] for f in files] == list(PEOPLE)
    for entry in files:
        stored = container.download_blob(entry["blobPath"]).readall()
        assert (len(stored), hashlib.sha256(stored).hexdigest()) == (entry["size"], entry["sha256"])
        prefix = ref.paths.media.rsplit("/", 1)[0]
        assert entry["blobPath"] == layout.participant_path(prefix, 0, entry["participantId"])
        with wave.open(io.BytesIO(stored)) as mono:
            assert (mono.getnchannels(), mono.getsampwidth(), mono.getframerate()) == (1, 2, 16000)
            pcm = samples(mono.readframes(mono.getnframes()))
        assert pcm == interleaved[entry["channel"] :: 3], "the file holds its channel's samples, in order"
        assert dominant_voice(pcm, 16000) == VOICES[entry["channel"]], "and so its speaker's tone"
    assert entry["blobPath"].endswith("/chunk-0000.4_+18005550199.wav")
    assert "chunk-0000.8_acs_contoso~5Fagent-7.wav" in files[1]["blobPath"]


def test_a_wav_whose_data_size_is_unsized_is_split_to_the_end_of_the_chunk(container: ContainerClient) -> None:
    media = WavMedia(MediaSpec("wav", 2, 300, (0, 1), seed="unsized"))
    source = bytearray(media.read(0, media.size))
    assert source[36:40] == b"data"
    source[40:44] = bytes(4)  # a streaming writer's "unsized"
    people = [{"participantId": "4:+1", "channel": 0}]
    files = split_participants(container, chunk_ref(), people, iter([bytes(source)]), len(source), OPTIONS)
    stored = container.download_blob(files[0]["blobPath"]).readall()
    assert samples(stored[44:]) == samples(bytes(source[44:]))[0::2]


def test_a_participant_without_a_channel_of_the_wav_gets_no_file_and_a_non_wav_none(container: ContainerClient) -> None:
    media = WavMedia(MediaSpec("wav", 2, 200, (0, 1), seed="two"))
    source = media.read(0, media.size)
    people = [{"participantId": "4:+1", "channel": 0}, {"participantId": "4:+2", "channel": 5}, {"participantId": "x"}]
    files = split_participants(container, chunk_ref(), people, iter([source]), len(source), OPTIONS)
    assert [f["participantId"] for f in files] == ["4:+1"]
    assert split_participants(container, chunk_ref(), people, iter([b"ID3" + bytes(100)]), 103, OPTIONS) == ()
    assert read_layout(source, len(source)).channels == 2


def test_a_large_chunk_is_split_holding_a_few_blocks_not_the_chunk(container: ContainerClient) -> None:
    media = WavMedia(MediaSpec("wav", 3, 270_000, (0, 1, 2), seed="big"))  # about 26 MB
    options = ArchiveOptions(streaming_threshold_bytes=0, block_size_bytes=512 * 1024, concurrency=2)
    block = options.block_size_bytes
    pieces = (media.read(offset, block) for offset in range(0, media.size, block))
    participants = [{"participantId": f"4:+{n}", "channel": n} for n in range(3)]
    tracemalloc.start()
    try:
        files = split_participants(container, chunk_ref(), participants, pieces, media.size, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(f["size"] for f in files) == media.size - 44 + 3 * 44
    assert peak < 8 * block, f"peak {peak:,} bytes while splitting {media.size:,}"


def test_a_participant_whose_id_would_not_fit_a_blob_name_gets_a_short_name_the_entry_maps_back(
    container: ContainerClient,
) -> None:
    media = WavMedia(MediaSpec("wav", 2, 500, (0, 1), seed="long-id"))
    source = media.read(0, media.size)
    long_id = "8:acs:" + "a" * 1100
    participants = [{"participantId": long_id, "channel": 0}, {"participantId": PEOPLE[0], "channel": 1}]
    files = split_participants(container, chunk_ref(), participants, iter([source]), len(source), OPTIONS)
    by_id = {f["participantId"]: f["blobPath"] for f in files}
    assert len(by_id[long_id]) <= layout.MAX_BLOB_NAME
    assert by_id[long_id].split("/")[-1].startswith("chunk-0000.=")
    assert by_id[PEOPLE[0]].endswith(".4_+14255550100.wav")
    assert {b.name for b in container.list_blobs()} == set(by_id.values())
