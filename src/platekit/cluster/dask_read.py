"""Read a large image collection on a Dask cluster: one JSONL file of records per partition.

The inputs are split into partitions of ``partition_size`` paths; each partition is one Dask task that
reads its images with a Reader kept per worker process and writes ``out_dir/part-NNNNN.jsonl`` (the
records of ``platekit read --format jsonl``, in input order) through a temporary file, so that a
finished part is never half written. A rerun with the same inputs and partition size skips the parts
already written (resume after a crash or a pre-emption). The workers must see the images and
``out_dir`` at the same paths as the client (a shared file system).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

_readers: dict = {}  # one Reader per worker process and reader configuration


@dataclass(frozen=True)
class PartResult:
    part: str
    images: int
    errors: int
    skipped: bool = False


def _reader(reader_kw: dict):
    key = json.dumps(reader_kw, sort_keys=True)
    if key not in _readers:
        import cv2

        from platekit.inference.reader import Reader

        cv2.setNumThreads(int(reader_kw.get("threads", 1)))
        _readers[key] = Reader(**reader_kw)
    return _readers[key]


def read_part(paths: Sequence[str], index: int, out_dir: str, reader_kw: dict) -> PartResult:
    """Read one partition on a worker -> ``out_dir/part-{index:05d}.jsonl`` (skipped if already there)."""
    from platekit.cli.read import expand_inputs, read_one
    from platekit.core.results import json_line

    out = os.path.join(out_dir, f"part-{index:05d}.jsonl")
    if os.path.exists(out):
        return PartResult(out, 0, 0, skipped=True)
    reader = _reader(reader_kw)
    n = errors = 0
    tmp = f"{out}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        for path, err in expand_inputs([p for p in paths if p]):
            for rec in read_one(path, err, reader):
                errors += "error" in rec
                f.write(json_line(rec) + "\n")
            n += 1
    os.replace(tmp, out)
    return PartResult(out, n, errors)


def _list_paths(inputs: Sequence[str]) -> list[str]:
    """Files as given, directories expanded (as ``platekit read`` does), ``@list.txt``: one path a line."""
    from platekit.cli.read import expand_inputs

    paths: list[str] = []
    for item in inputs:
        if item.startswith("@"):
            with open(item[1:], encoding="utf-8") as f:
                paths += [line.strip() for line in f if line.strip()]
        else:
            paths += [p for p, _ in expand_inputs([item])]
    return paths


def read_on_cluster(inputs: Sequence[str], out_dir: str, reader_kw: dict, scheduler: str | None = None,
                    local_workers: int = 2, partition_size: int = 1000) -> Iterator[PartResult]:
    """Read ``inputs`` on the Dask cluster at ``scheduler`` (or a local cluster of ``local_workers``
    processes); yields each partition's result as it finishes."""
    import dask
    import dask.bag as db
    from distributed import Client, LocalCluster, as_completed

    from platekit.inference.reader import Reader

    Reader(**reader_kw)  # bad model paths fail here, before any task is sent
    paths = _list_paths(inputs)
    os.makedirs(out_dir, exist_ok=True)
    out_dir = os.path.abspath(out_dir)
    bag = db.from_sequence(paths, partition_size=max(1, partition_size)) if paths else None
    parts = bag.to_delayed() if bag is not None else []
    log.info(f"{len(paths)} inputs in {len(parts)} partitions of up to {partition_size}")
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            log.info(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers at {client.scheduler.address}")
            tasks = [dask.delayed(read_part)(part, i, out_dir, reader_kw) for i, part in enumerate(parts)]
            for fut in as_completed(client.compute(tasks)):
                yield fut.result()
    finally:
        if cluster is not None:
            cluster.close()
