"""The review page's own parts: byte ranges, one channel of an interleaved WAV, pauses on the media's time axis,
the archived facts of a recording, and the page's static files (``static/``)."""
