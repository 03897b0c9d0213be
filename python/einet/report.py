"""Write <run>/figures/<name>.png and a self-contained <run>/report.html.

    python3 -m einet.report RUN_DIR
"""
from __future__ import annotations

import argparse
import html
import io
import json
import os
import sys
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are rendered in batch, often without a display

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import plot  # noqa: E402
from .load import Run, load  # noqa: E402

__all__ = ["write_report", "main"]

DPI = 110

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { margin-bottom: .2rem; } .sub { color: #666; margin-top: 0; }
.status { padding: .6rem 1rem; border-radius: 6px; margin: 1rem 0; border: 1px solid; }
.status-complete { background: #eaf6ec; border-color: #7bbf87; }
.status-failed { background: #fdecea; border-color: #c0392b; color: #8b1e14; font-weight: 600; }
.status-running, .status-unknown { background: #fff6e0; border-color: #e0a800; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
td, th { border-bottom: 1px solid #ddd; padding: .25rem .8rem; text-align: left; }
td.num { font-variant-numeric: tabular-nums; text-align: right; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 14px; }
pre { background: #f6f6f6; padding: 1rem; overflow-x: auto; font-size: 13px; }
"""


def _esc(text) -> str:
    """Escape for element content (quotes stay readable; attributes use html.escape)."""
    return html.escape(str(text), quote=False)


def _atomic_write(path: Path, data: bytes) -> None:
    """Readers never see a half-written file: write name.tmp, then rename over name."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _flatten(d: dict, prefix: str = ""):
    """Nested objects become dotted keys: {"W_final": {"EE": 1}} -> ("W_final.EE", 1)."""
    for key, value in d.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _table(d: dict, skip=()) -> str:
    rows = []
    for key, value in _flatten(d):
        if key in skip:
            continue
        cls = ' class="num"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        rows.append(f"<tr><th>{_esc(key)}</th><td{cls}>{_esc(_fmt(value))}</td></tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>" if rows else "<p>(none)</p>"


def _render(run: Run, fig_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Saves every applicable figure; returns (name, caption) made and (name, reason) skipped."""
    made, skipped = [], []
    for name, fn in plot.figures_for(run):
        target = fig_dir / f"{name}.png"
        try:
            obj = fn(run)
            fig = obj if isinstance(obj, Figure) else obj.figure
            buf = io.BytesIO()
            try:
                fig.savefig(buf, format="png", dpi=DPI)
            finally:
                plt.close(fig)
        except Exception as e:  # a figure that cannot be made is listed, never fatal to the report
            skipped.append((name, f"{type(e).__name__}: {e}"))
            target.unlink(missing_ok=True)  # a stale image from an earlier report would mislead
            continue
        _atomic_write(target, buf.getvalue())
        made.append((name, (fn.__doc__ or name).strip().splitlines()[0]))
    return made, skipped


def _status_block(manifest: dict) -> str:
    status = str(manifest.get("status", "unknown"))
    kind = status if status in ("complete", "failed", "running") else "unknown"
    text = f"status: {_esc(status)}"
    if manifest.get("reason"):
        text += f" — {_esc(manifest['reason'])}"
    if status == "running":
        text += " (not finished, or interrupted: results may be partial)"
    return f'<div class="status status-{kind}">{text}</div>'


def write_report(run_dir: str | os.PathLike) -> Path:
    """Makes every applicable figure as figures/<name>.png and writes report.html; returns its path."""
    run = load(run_dir)
    fig_dir = run.path / "figures"
    fig_dir.mkdir(exist_ok=True)
    made, skipped = _render(run, fig_dir)

    exp = run.config.get("experiment", {})
    source = ", ".join(p for p in (f"paper {exp['paper']}" if exp.get("paper") else "", exp.get("figure", "")) if p)
    title = run.name + (f" — {source}" if source else "")
    parts = [
        f"<h1>{_esc(title)}</h1>",
        f'<p class="sub">study: {_esc(run.study or "unknown")} · {_esc(run.path)}</p>',
    ]
    if exp.get("description"):
        parts.append(f"<p>{_esc(exp['description'])}</p>")
    parts += [_status_block(run.manifest), "<h2>Summary</h2>", _table(run.summary), "<h2>Figures</h2>"]
    for name, caption in made:
        parts.append(f'<figure><img src="figures/{name}.png" alt="{html.escape(name)}">'
                     f"<figcaption><b>{_esc(name)}</b>: {_esc(caption)}</figcaption></figure>")
    if not made:
        parts.append("<p>(no figures)</p>")
    if skipped:
        items = "".join(f"<li><b>{_esc(n)}</b>: {_esc(r)}</li>" for n, r in skipped)
        parts.append(f'<h3>Figures not made</h3><ul class="skipped">{items}</ul>')
    parts += ["<h2>Run</h2>", _table(run.manifest, skip=("status", "reason", "files")),
              "<h2>Configuration (config.toml)</h2>", f"<pre>{_esc(run.config_text)}</pre>"]

    page = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_esc(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
    out = run.path / "report.html"
    _atomic_write(out, page.encode("utf-8"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m einet.report", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="run directory written by `einet run`")
    args = parser.parse_args(argv)
    try:
        path = write_report(args.run_dir)
    except (OSError, json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        print(f"einet.report: cannot write report for {args.run_dir}: {e}", file=sys.stderr)
        return 4
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
