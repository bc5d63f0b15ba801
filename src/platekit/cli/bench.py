"""``platekit bench``: per-stage latency, throughput, accuracy, model zoo and a generic-OCR baseline."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import typer

DEFAULT_DATA = os.path.join("..", "shared", "data", "ccpd2019_base")


def bench_cmd(
    data: Path = typer.Argument(Path(DEFAULT_DATA), help="CCPD scene folder; its by-text val split is used."),
    limit: int = typer.Option(0, "--limit", help="Use only the first N val images (0: all)."),
    threads: str = typer.Option("1,2", "--threads", help="Comma-separated onnxruntime thread counts."),
    region: str = typer.Option("cn", "--region", help="Recognizer region."),
    detector: str | None = typer.Option(None, "--detector", help="Shipped detector name or .onnx path."),
    recognizer: str | None = typer.Option(None, "--recognizer", help="Shipped recognizer name or .onnx path."),
    zoo: list[Path] = typer.Option([], "--zoo", help="Extra .onnx models for the zoo table (repeatable)."),
    zoo_limit: int = typer.Option(0, "--zoo-limit", help="Val images per zoo model (0: all)."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Measure RapidOCR if installed."),
    baseline_limit: int = typer.Option(0, "--baseline-limit", help="Val images for RapidOCR (0: same as run)."),
    write: Path | None = typer.Option(None, "--write", metavar="PATH",
                                      help="Also update the tables in this markdown file, e.g. docs/benchmarks.md "
                                           "(default: print only)."),
    json_out: Path | None = typer.Option(None, "--json", help="Write all numbers as JSON here."),
    failures: Path | None = typer.Option(None, "--failures", help="Write misread val images (JSONL) here."),
    refine_below: float | None = typer.Option(None, "--refine-below", help="Reader refine_below (default: Reader's)."),
    verify_low: float | None = typer.Option(None, "--verify-low", help="Reader verify_low (default: Reader's)."),
    detect_size: int | None = typer.Option(None, "--detect-size", min=64, max=4096,
                                           help="Reader detect_size: the detector's first-look canvas (default: "
                                                "the detector's)."),
    no_colour: bool = typer.Option(False, "--no-colour", help="Reader colour=False: no plate-colour classifier "
                                   "(the reading path before session 20)."),
) -> None:
    """Benchmark `platekit read` on the CCPD by-text validation scenes."""

    from platekit.errors import PlatekitError
    from platekit.evaluation import bench as B
    from platekit.inference.reader import Reader
    from platekit.inference.session import shipped_models

    if not data.is_dir():
        raise PlatekitError(f"{data}: data folder not found (CCPD scenes, e.g. {DEFAULT_DATA})")
    records = B.val_records(data)
    if limit:
        records = records[:limit]
    try:
        thread_list = [int(t) for t in threads.split(",") if t.strip()]
    except ValueError:
        raise PlatekitError(f"--threads {threads!r}: give comma-separated integers, e.g. 1,2") from None
    cmd = "platekit " + " ".join(sys.argv[1:])
    machine = B.machine()
    typer.echo(f"{len(records)} val images from {data}\nCPU: {B.machine_line(machine)}")

    rkw = {k: v for k, v in (("refine_below", refine_below), ("verify_low", verify_low), ("detect_size", detect_size))
           if v is not None}
    if no_colour:
        rkw["colour"] = False
    summaries, fails = [], []
    for t in thread_list:
        reader = Reader(region=region, detector=detector, recognizer=recognizer, threads=t, **rkw)
        st = B.run_reader(reader, records, t, failures=fails if t == thread_list[0] else None)
        summaries.append(st.summary())
        typer.echo(f"threads={t}: end-to-end p50 {summaries[-1]['total_p50']:.2f} ms, "
                   f"exact {summaries[-1]['exact']:.4f}", err=True)
    stages = B.stage_table(summaries)
    typer.echo("\nPer-stage latency (ms) on the val scenes\n" + stages)

    zoo_paths = [str(p) for kind in ("detector", "recognizer") for p in shipped_models(kind).values()]
    zoo_paths += [str(p) for p in zoo]
    rows = []
    for p in zoo_paths:
        typer.echo(f"zoo: {p}", err=True)
        rows.append(B.zoo_row(p, records, zoo_limit))
    zoo_md = B.zoo_table(rows)
    typer.echo("\nModel zoo\n" + zoo_md)

    base = None
    if baseline:
        recs_b = records[:baseline_limit] if baseline_limit else records
        typer.echo(f"baseline: RapidOCR on {len(recs_b)} images ...", err=True)
        # platekit reads each image right before RapidOCR: the ratio is taken under the same load
        base = B.run_rapidocr(recs_b, threads=thread_list[0],
                              reader=Reader(region=region, detector=detector, recognizer=recognizer,
                                            threads=thread_list[0], **rkw))
    ours = base.pop("ours") if base is not None else summaries[0]
    base_md = B.baseline_text(base, ours, baseline)
    typer.echo("\nGeneric-OCR baseline\n" + base_md)

    meta = (f"Command: `{cmd}`  \nDate: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
            f"{len(records)} images  \nCPU: {B.machine_line(machine)}")
    if write is not None:
        if not write.parent.is_dir():
            raise PlatekitError(f"--write {write}: folder {write.parent} does not exist")
        B.write_section(write, "meta", meta)
        B.write_section(write, "stages", stages)
        B.write_section(write, "zoo", zoo_md)
        B.write_section(write, "baseline", base_md)
        typer.echo(f"\nwrote {write}")
    if json_out is not None:
        json_out.write_text(json.dumps({"command": cmd, "machine": machine, "runs": summaries, "zoo": rows, "baseline": base,
                                        "baseline_platekit": ours}, indent=1, default=str), encoding="utf-8")
    if failures is not None:
        failures.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in fails), encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("bench")(bench_cmd)
