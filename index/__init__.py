"""Chunk -> embeddings + FAISS + BM25 + chunk store; search; answers."""
