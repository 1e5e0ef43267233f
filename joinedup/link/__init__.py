"""Entity resolution: records about the same person become one person with a stable id."""
