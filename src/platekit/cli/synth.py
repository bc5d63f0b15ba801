"""``platekit synth``: write synthetic plate crops (+ labels.csv) or detector scenes (+ labels.jsonl)."""

from __future__ import annotations

import time

import typer

from platekit.errors import PlatekitError


def _size(s: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in s.lower().split("x"))
    except ValueError:
        raise PlatekitError(f"--size must look like 144x48, got {s!r}") from None
    return w, h


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out: str = typer.Option(..., "--out", help="Output directory."),
        plate_type: str = typer.Option("cn-blue", "--type", "--format", help="Plate type(s), comma-separated: "
                                       "cn-blue,cn-green,cn-green-large,cn-yellow,cn-yellow-2row, cn-learner, cn-trailer, cn-police, cn-embassy, "
                                       "cn-consulate, cn-hk, cn-macau, cn-emergency, ru, ru-*, and the Latin eu-de, eu-fr-it, eu-es, eu-nl, "
                                       "eu-pl, eu-hr-rs, uk, us, br, br-old, latin-generic (--format: the old name of "
                                       "--type; repeat a type to weight it)."),
        n: int = typer.Option(1000, "--n", help="Number of crops (or scenes with --scene)."),
        seed: int = typer.Option(0, "--seed", help="Random seed; the output is a pure function of it."),
        size: str = typer.Option(None, "--size", help="WxH of each crop (default 144x48) or scene (640x480)."),
        difficulty: float = typer.Option(0.5, "--difficulty", help="0 = clean .. 1 = hard degradations."),
        crop_margin: float = typer.Option(0.06, "--crop-margin", help="Margin of the rectified crop."),
        bbox_share: float = typer.Option(0.0, "--bbox-share", help="Share of crops cut as an axis-aligned box "
                                         "(what a box-only detector gives) instead of rectified by corners."),
        binarize: float = typer.Option(0.0, "--binarize", help="Share of crops thresholded to black and white "
                                       "(the look of older plate pipelines' stored crops), 0..1."),
        crop_jitter: float = typer.Option(0.0, "--crop-jitter", help="Per-side random change of the crop's extent "
                                          "(fraction of the plate size, 0..0.5): loose and tight crops."),
        workers: int = typer.Option(1, "--workers", help="Processes writing crops."),
        ext: str = typer.Option("png", "--ext", help="png (lossless, exact) or jpg."),
        no_stitch_rows: bool = typer.Option(False, "--no-stitch-rows", help="Two-row plates (cn-yellow-2row) "
                                            "squeezed into the crop instead of their rows side by side (what the "
                                            "Reader gives a one-line reader)."),
        scene: bool = typer.Option(False, "--scene", help="Write detector scenes + labels.jsonl instead."),
        backgrounds: str = typer.Option(None, "--backgrounds", help="Scene mode: folder of real background "
                                        "images (a detection labels.jsonl there is used to blur real plates)."),
        plate_width: str = typer.Option("0.08,0.4", "--plate-width", help="Scene mode: MIN,MAX plate width as a "
                                        "share of the scene width (uniform, 0.01 to 0.99)."),
        on_plates: bool = typer.Option(False, "--on-plates", help="Scene mode: every scene on a real background "
                                       "from --backgrounds (needs its labels.jsonl), each synthetic plate where a "
                                       "real plate was (on cars, not on walls)."),
        crop_tries: int = typer.Option(1, "--crop-tries", min=1, max=100, help="Scene mode with --on-plates: draw "
                                       "the background crop up to N times until it holds a whole plate box, then "
                                       "use the whole image (1: one draw; a crop without a box places plates "
                                       "anywhere)."),
    ):
        """Generate synthetic plates: crops for a recognizer or scenes for a detector."""
        formats = tuple(f.strip() for f in plate_type.split(",") if f.strip())
        t0 = time.perf_counter()
        if scene and (binarize or crop_jitter):
            raise PlatekitError("--binarize and --crop-jitter apply to crops, not to --scene")
        if scene:
            from platekit.synth.scene import write_scenes

            try:
                pw = tuple(float(v) for v in plate_width.split(","))
            except ValueError:
                raise PlatekitError(f"--plate-width must look like 0.03,0.2, got {plate_width!r}") from None
            if len(pw) != 2 or not 0.01 <= pw[0] <= pw[1] <= 0.99:  # below 1 % of the width a plate has no pixels
                raise PlatekitError(f"--plate-width must be MIN,MAX with 0.01 <= MIN <= MAX <= 0.99, got {plate_width!r}")
            path = write_scenes(out, formats, n, seed, _size(size or "640x480"), difficulty, backgrounds,
                                plate_width=pw, on_plates=on_plates, crop_tries=crop_tries)
            what = "scenes"
        else:
            from platekit.synth.generator import write_dataset

            path = write_dataset(out, formats, n, seed, _size(size or "144x48"), difficulty, crop_margin,
                                 workers, ext, bbox_share, binarize=binarize, crop_jitter=crop_jitter,
                                 stitch_rows=not no_stitch_rows)
            what = "crops"
        dt = time.perf_counter() - t0
        typer.echo(f"wrote {n} {what} to {path} in {dt:.1f} s ({n / dt:.0f} {what}/s)")
