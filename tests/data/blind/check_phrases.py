#!/usr/bin/env python3
"""Check question rows against the report texts: every evidence and answer phrase must occur verbatim.

    python3 check.py out/FILE.jsonl [more files...]

Matching is case-insensitive after normalising quotes, dashes, '**' and whitespace (as the scorer does).
"""
import json, re, sys, pathlib

HERE = pathlib.Path(__file__).parent
TOKENS = {  # council token used in "councils" -> text file
    "Bedford Borough": "bedford-borough-cpc-action-plan-2024.txt",
    "Bromsgrove": "bromsgrove-redditch-cpc-feedback-2018.txt",
    "Cambridge": "cambridge-city-cpc-feedback-2017.md",
    "Central Bedfordshire": "central-bedfordshire-cpc-feedback-2017.md",
    "Lambeth": "lambeth-cpc-feedback-2016.md",
}
KINDS = {"fact", "aggregate", "signpost", "absent", "structured", "conversation"}


def norm(text):
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("**", "")
    text = re.sub(r"<sup>.*?</sup>", "", text)
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


TEXTS = {k: norm((HERE.parent / "text" / v).read_text()) for k, v in TOKENS.items()}


def problems(row):
    out = []
    for f in ("id", "kind", "question", "councils", "evidence"):
        if f not in row:
            out.append(f"missing field {f}")
    if out:
        return out
    if row["kind"] not in {"fact", "aggregate", "signpost", "absent"}:
        out.append(f"kind must be fact/aggregate/signpost/absent, not {row['kind']}")
    for c in row["councils"]:
        if c not in TOKENS:
            out.append(f"council {c!r} is not one of {list(TOKENS)}")
    if "history" in row and not (isinstance(row["history"], list) and row["history"] and all(isinstance(h, str) for h in row["history"])):
        out.append("history must be a non-empty list of strings")
    if row["kind"] == "absent":
        if row["councils"] or row["evidence"] or row.get("answer"):
            out.append("absent rows have empty councils and evidence and no answer")
        return out
    if not row["councils"]:
        out.append("answerable rows name at least one council")
    if not row["evidence"]:
        out.append("answerable rows need evidence phrases")
    texts = [TEXTS[c] for c in row["councils"] if c in TEXTS]
    for p in row["evidence"]:
        if len(norm(p)) < 4:
            out.append(f"evidence phrase too short: {p!r}")
        if not any(norm(p) in t for t in texts):
            out.append(f"evidence phrase not in the named councils' texts: {p!r}")
    if row["kind"] == "aggregate":
        for c in row["councils"]:
            if c in TEXTS and not any(norm(p) in TEXTS[c] for p in row["evidence"]):
                out.append(f"no evidence phrase occurs in {c}'s text")
    for p in row.get("answer") or []:
        if len(norm(p)) < 2:
            out.append(f"answer phrase too short: {p!r}")
        if not any(norm(p) in t for t in texts) and p not in TOKENS:
            out.append(f"answer phrase not in the named councils' texts: {p!r}")
    return out


def main():
    bad = total = 0
    ids = set()
    for name in sys.argv[1:]:
        for n, line in enumerate(open(name), 1):
            if not line.strip():
                continue
            total += 1
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{name}:{n}: not JSON: {exc}"); bad += 1; continue
            errs = problems(row)
            if row.get("id") in ids:
                errs.append(f"duplicate id {row.get('id')}")
            ids.add(row.get("id"))
            if errs:
                bad += 1
                for e in errs:
                    print(f"{name}:{n} ({row.get('id')}): {e}")
    print(f"{total} rows, {bad} with problems")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
