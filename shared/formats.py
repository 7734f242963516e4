"""The recording formats the app archives: each one's name (as ACS and the recording options spell it), the
extension of its blobs and the content type it is stored and served with. The one table of them."""

from __future__ import annotations

from dataclasses import dataclass

OCTET_STREAM = "application/octet-stream"
JSON = "application/json"


@dataclass(frozen=True, kw_only=True)
class MediaFormat:
    name: str
    extension: str
    content_type: str


FORMATS = {
    f.name: f
    for f in (
        MediaFormat(name="wav", extension="wav", content_type="audio/wav"),
        MediaFormat(name="mp3", extension="mp3", content_type="audio/mpeg"),
        MediaFormat(name="mp4", extension="mp4", content_type="video/mp4"),
    )
}
"""By name, lowercase."""
WAV = FORMATS["wav"]
"""The format of the per-participant files split out of an unmixed WAV, and of the review page's channels."""

_BY_EXTENSION = {f.extension: f.content_type for f in FORMATS.values()} | {"json": JSON}


def media_format(name: str) -> MediaFormat | None:
    """The format named ``name`` (any case); None for a format the app does not know."""
    return FORMATS.get(name.lower())


def content_type(name: str) -> str:
    """The content type of the media of format ``name`` (any case)."""
    found = media_format(name)
    return found.content_type if found is not None else OCTET_STREAM


def content_type_of_blob(blob_name: str) -> str:
    """The content type of an archived blob from its extension (media, or a JSON document)."""
    return _BY_EXTENSION.get(blob_name.rsplit(".", 1)[-1], OCTET_STREAM)
