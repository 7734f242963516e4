"""``make bench``: the archive path against its bottlenecks and the naive copy, and the app's cold start."""
