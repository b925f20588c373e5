"""deptnews package."""
