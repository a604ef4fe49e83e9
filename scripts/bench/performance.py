"""What the benchmark reports of scripts/bench.sh share: the machine, BenchmarkDotNet's times, and writing one
section of docs/performance.md (replaced in place, or appended)."""
import glob
import os
import re
import subprocess

PATH = "docs/performance.md"


def machine():
    """The CPU model and the number of cores."""
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    return model, cpu


def github_report(results, benchmark=""):
    """The Markdown table BenchmarkDotNet's GitHub exporter wrote into the `results` folder (for the class whose name
    contains `benchmark`, when a project has several)."""
    return open(glob.glob(os.path.join(results, f"*{benchmark}*-report-github.md"))[0]).read()


def micros(text):
    """A BenchmarkDotNet time ("1,234.5 ns", "6.7 μs") in microseconds."""
    value, unit = text.replace(",", "").split()
    return float(value) * {"ns": 0.001, "us": 1.0, "μs": 1.0, "ms": 1000.0}[unit]


def write_section(heading, section):
    """Replaces the section starting with `## {heading}` (up to the next `## `) with `section`, or appends it."""
    text = open(PATH).read() if os.path.exists(PATH) else "# Performance\n\nMeasured numbers, each with the command that produced it. Benchmarks are not tests: they run on demand.\n"
    pattern = re.compile(r"## " + re.escape(heading) + r".*?(?=\n## |\Z)", re.S)
    text = pattern.sub(lambda _: section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    open(PATH, "w").write(text)
