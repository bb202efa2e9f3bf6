#!/usr/bin/env python3
"""Renders an mksim report in headless Chromium and checks it the way a reader would see it.

usage: check_report.py REPORT.html SCREENSHOT.png

Prints a JSON summary: the rendered DOM's charts per section (kind, series and their point
counts, legend names, axis titles), whether the page refers to anything outside itself, and
how many pixels of the screenshot have each series color. Exit 1 with a message when
Chromium cannot render the page.
"""
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

from PIL import Image

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--no-first-run", "--disable-extensions", "--allow-file-access-from-files"]


class Charts(HTMLParser):
    """Collects every <svg class="chart"> with the section it sits in."""

    def __init__(self):
        super().__init__()
        self.section = None
        self.charts = []
        self.chart = None
        self.text_into = None
        self.sections = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
            self.sections.append(self.section)
        elif tag == "svg" and "chart" in (a.get("class") or ""):
            self.chart = {"section": self.section, "kind": a.get("data-kind"), "series": [], "bars": [],
                          "title": "", "axis_titles": [], "legend": [], "ticks": 0}
            self.charts.append(self.chart)
        elif self.chart is not None:
            cls = a.get("class") or ""
            if tag == "g" and cls == "series":
                self.chart["series"].append({"name": a.get("data-name"), "points": int(a.get("data-points", "0"))})
            elif tag == "g" and cls == "bar":
                self.chart["bars"].append({"name": a.get("data-name"), "value": float(a.get("data-value", "nan"))})
            elif tag == "text" and self.text_into != "legend":
                self.text_into = {"chart-title": "title", "axis-title x": "axis", "axis-title y": "axis"}.get(cls)
                if cls.startswith("tick"):
                    self.chart["ticks"] += 1
            elif tag == "g" and cls == "legend":
                self.text_into = "legend"

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        if tag == "text" and self.text_into != "legend":
            self.text_into = None
        if tag == "g":
            self.text_into = None

    def handle_data(self, data):
        if self.chart is None or self.text_into is None:
            return
        if self.text_into == "title":
            self.chart["title"] += data
        elif self.text_into == "axis":
            self.chart["axis_titles"].append(data)
        elif self.text_into == "legend":
            self.chart["legend"].append(data)


def main():
    report, shot = sys.argv[1], sys.argv[2]
    url = "file://" + report
    dom = subprocess.run(["chromium", *CHROMIUM_FLAGS, "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    if dom.returncode != 0 or "<svg" not in dom.stdout:
        sys.exit(f"chromium --dump-dom failed ({dom.returncode}): {dom.stderr[-2000:]}")
    parser = Charts()
    parser.feed(dom.stdout)
    raw = open(report, encoding="utf-8").read()
    # Anything the page would fetch: scripts, images, stylesheets, fonts, frames.
    external = re.findall(r'(?:src|href)\s*=\s*"(?!#)[^"]*"|url\(|@import|<script|<link|<iframe|<img', raw)
    shot_run = subprocess.run(["chromium", *CHROMIUM_FLAGS, "--window-size=1200,2600", f"--screenshot={shot}", url],
                              capture_output=True, text=True, timeout=120)
    if shot_run.returncode != 0:
        sys.exit(f"chromium --screenshot failed ({shot_run.returncode}): {shot_run.stderr[-2000:]}")
    image = Image.open(shot).convert("RGB")
    wanted = {"#0072b2": (0x00, 0x72, 0xb2), "#d55e00": (0xd5, 0x5e, 0x00)}
    counts = {k: 0 for k in wanted}
    for n, color in image.getcolors(maxcolors=1 << 24):
        for name, rgb in wanted.items():
            if all(abs(c - w) <= 6 for c, w in zip(color, rgb)):
                counts[name] += n
    print(json.dumps({"sections": parser.sections, "charts": parser.charts, "external": external,
                      "size": image.size, "color_pixels": counts}))


if __name__ == "__main__":
    main()
