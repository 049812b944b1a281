"""Files -> Report (metadata, pages, sections) -> Chunk."""

# Bump when reading, cleaning, sections or chunking change: an index built by another
# version re-reads every file (embeddings still come from the cache).
PARSER_VERSION = "4"  # 4: action-plan rows cite as their recommendation
