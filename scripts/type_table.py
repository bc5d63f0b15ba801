"""Per-type table of the shipped cn reader through the Reader (issue 14): exact text, colour and type per Chinese type.

Synthetic crops of every Chinese type (``PlateSynth``, two-row plates stitched as the Reader stitches them), read as a
user reads crops (``Reader(crops=True)``: text prior, second look, threshold 0.5; an unsure plate counts as not read);
the colour and type columns are over the plates read at the threshold (what a user is shown): the share whose
``Plate.colour`` is the drawn type's, whose colour is another one (None, not sure, is neither), and whose ``Plate.type``
is the drawn one. A crop has no corners, so a two-row plate cannot be told from its one-row twin by its shape (its type
column counts ``cn-yellow``), and its crop reaches the colour classifier already stitched, not as the Reader's scene
path shows it (the plain rectified plate).

    python scripts/type_table.py --n 1000 --difficulty 1.0 --seed 777 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time

from platekit import Reader
from platekit.core.formats import CN_TYPE_INFO
from platekit.synth.generator import PlateSynth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--difficulty", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--types", default=",".join(CN_TYPE_INFO))
    ap.add_argument("--recognizer", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    reader = Reader(region="cn", crops=True, color="rgb", recognizer=args.recognizer)
    rows = {}
    print(f"| type | n | exact | read | colour right / wrong (of read) | type right (of read) | "
          f"(difficulty {args.difficulty}, seed {args.seed}) |")
    print("|---|---|---|---|---|---|---|")
    for name in args.types.split(","):
        info = CN_TYPE_INFO[name]
        want_type = "cn-yellow" if info.rows == 2 else name
        gen = PlateSynth([name], size=(144, 48), difficulty=args.difficulty, seed=args.seed)
        exact = read = colour = wrong = typ = 0
        t0 = time.time()
        for i in range(args.n):
            img, text, _ = gen.sample_at(i)
            plates = reader.read(img)
            p = plates[0] if plates else None
            if p is None:
                continue
            read += 1
            exact += p.text == text
            colour += p.colour == info.plate_colour
            wrong += p.colour is not None and p.colour != info.plate_colour
            typ += p.type == want_type
        rows[name] = {"n": args.n, "exact": exact, "read": read, "colour": colour, "colour_wrong": wrong, "type": typ,
                      "type_counted_as": want_type}
        r = max(read, 1)
        print(f"| {name} | {args.n} | {100 * exact / args.n:.1f} % | {read} | {100 * colour / r:.1f} / {100 * wrong / r:.1f} % | "
              f"{100 * typ / r:.1f} % | {time.time() - t0:.0f} s |", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"difficulty": args.difficulty, "seed": args.seed, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
