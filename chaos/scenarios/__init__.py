"""One module per scenario; each exposes ``NAME`` and ``run(size: Size, keep: bool) -> Result``."""
