#!/usr/bin/env python3
"""Reads a frame of `mksim show` the way a person looks at it: what colour is where.

usage: check_frame.py FRAME.png LEGEND.json

Prints a JSON summary per CPU: the colour most of its frame (border) has, the colour most
of its inside has, and what share of the inside has it; the picture's size; and how many
pixels have each kernel's colour anywhere. The legend only says where each CPU is drawn;
the colours come from the pixels.
"""
import collections
import json
import sys

from PIL import Image


def hexcolour(p):
    return "#%02x%02x%02x" % p[:3]


def main():
    img = Image.open(sys.argv[1]).convert("RGB")
    legend = json.load(open(sys.argv[2]))
    px = img.load()
    cpus = []
    for c in legend["cpus"]:
        x, y, w, h = c["x"], c["y"], c["w"], c["h"]
        border = collections.Counter(hexcolour(px[x + i, y]) for i in range(w))       # top edge
        border.update(hexcolour(px[x, y + j]) for j in range(h))                      # left edge
        inside = collections.Counter(hexcolour(px[x + i, y + j])
                                     for i in range(w // 4, w - 8) for j in range(h // 2, h - 8))
        colour, count = inside.most_common(1)[0]
        cpus.append({"cpu": c["cpu"], "border": border.most_common(1)[0][0],
                     "fill": colour, "fill_share": round(count / sum(inside.values()), 3)})
    everywhere = collections.Counter(hexcolour(p) for p in img.getdata())
    print(json.dumps({"size": list(img.size), "cpus": cpus,
                      "kernel_pixels": {k["name"]: everywhere[k["colour"]] for k in legend["kernels"]}}))


if __name__ == "__main__":
    main()
