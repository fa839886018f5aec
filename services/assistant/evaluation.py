"""make eval: the assistant measured on eval/assistant/questions.yaml (or another set):
top-1 and top-3 accuracy per language, and how well it declines what it cannot answer.

    python -m services.assistant.evaluation [FILE] [--failures]"""
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from .domain import default_assistant

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SET = ROOT / "eval" / "assistant" / "questions.yaml"
LABELS = {"vi": "Vietnamese", "vi-plain": "Vietnamese, no diacritics", "hmn": "Hmong",
          "tai": "Thái", "decline": "out of scope"}


def ranked(answer: dict) -> list[str]:
    """The procedures the answer put first, second, third."""
    first = [answer["procedure"]["code"]] if answer["procedure"] else []
    return (first + [a["code"] for a in answer["alternatives"]])[:3]


def evaluate(path: Path) -> tuple[dict, list[dict]]:
    assistant = default_assistant()
    cases = yaml.safe_load(path.read_text("utf-8"))
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    failures = []
    for case in cases:
        answer = assistant.answer(case["q"])
        row = rows[case["lang"]]
        row["n"] += 1
        row["declined"] += answer["declined"]
        codes = ranked(answer)
        if case["expect"] == "decline":
            ok = answer["declined"]
            row["top1"] += ok
            row["top3"] += ok
        else:
            ok = not answer["declined"] and codes[:1] == [case["expect"]]
            row["top1"] += ok
            row["top3"] += case["expect"] in codes
        if not ok:
            failures.append({**case, "got": "decline" if answer["declined"] else codes[0],
                             "confidence": answer["confidence"], "top3": codes})
    return rows, failures


def report(rows: dict) -> str:
    lines = [f"{'questions':<28}{'n':>5}{'top-1':>9}{'top-3':>9}",
             "-" * 51]
    for lang in LABELS:
        row = rows.get(lang)
        if not row or lang == "decline":
            continue
        lines.append(f"{LABELS[lang]:<28}{row['n']:>5}{row['top1'] / row['n']:>9.1%}"
                     f"{row['top3'] / row['n']:>9.1%}")
    answerable = [r for lang, r in rows.items() if lang != "decline"]
    wrongly = sum(r["declined"] for r in answerable)
    out = rows.get("decline")
    if out:
        declined = out["declined"]
        precision = declined / (declined + wrongly) if declined + wrongly else 1.0
        lines += ["-" * 51,
                  f"out-of-scope declined (target >= 90%): {declined}/{out['n']} "
                  f"= {declined / out['n']:.1%}",
                  f"decline precision (declines that were out of scope): {precision:.1%}",
                  f"answerable questions declined: {wrongly}/{sum(r['n'] for r in answerable)}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [DEFAULT_SET]
    rows, failures = evaluate(paths[0])
    print(f"assistant evaluation on {paths[0]}")
    print(report(rows))
    if "--failures" in argv:
        for f in failures:
            print(f"  [{f['lang']}] {f['q']!r}: expected {f['expect']}, got {f['got']} "
                  f"(confidence {f['confidence']}, top-3 {f['top3']})")


if __name__ == "__main__":
    main()
