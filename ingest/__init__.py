"""Files -> Report (metadata, pages, sections) -> Chunk."""
