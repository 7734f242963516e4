"""The one formats table: each format's extension and content type, wherever the app names them."""

from __future__ import annotations

from shared import formats, layout
from shared.wire import RecordingKind, kind_from_metadata


def test_every_format_has_its_extension_in_the_layout_and_its_content_type() -> None:
    for name, found in formats.FORMATS.items():
        assert layout.extension(name.upper()) == found.extension
        assert formats.content_type(name.upper()) == found.content_type
        assert formats.content_type_of_blob(f"chunk-0000.{found.extension}") == found.content_type


def test_an_unknown_format_is_served_as_bytes_and_a_document_as_json() -> None:
    assert formats.content_type("ogg") == formats.OCTET_STREAM
    assert formats.content_type_of_blob("chunk-0000.metadata.json") == formats.JSON
    assert formats.content_type_of_blob("chunk-0000.ogg") == formats.OCTET_STREAM


def test_the_metadata_document_names_only_formats_of_the_table() -> None:
    for name in formats.FORMATS:
        document = b'{"recordingInfo": {"format": "%s"}}' % name.upper().encode()
        assert kind_from_metadata(document) == RecordingKind(format=name)
    assert kind_from_metadata(b'{"recordingInfo": {"format": "ogg"}}') == RecordingKind()
