"""Command-line tools that work on the archive alone, apart from the Functions app."""
