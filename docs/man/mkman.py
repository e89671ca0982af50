#!/usr/bin/env python3
"""The man pages, made from the docs (the docs are the source):
portcullis(8) from docs/man/portcullis.8.md, portcullis.yaml(5) from
docs/config.md. Only the Markdown these files use is understood:
headings, paragraphs, lists, tables, code blocks and inline code or bold.
    python3 docs/man/mkman.py OUTDIR        write both pages
    python3 docs/man/mkman.py --check DIR   exit 1 if DIR's pages are stale
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATE = "2026"


def esc(text):
    """Roff-safe text with `code` and **bold** as bold."""
    text = text.replace("\\", "\\e")
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)   # links: their words
    text = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    text = text.replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith(".") or line.startswith("'"):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def render(md, name, section, title):
    out = ['.TH "%s" "%s" "%s" "portcullis" "%s"' % (name.upper(), section, DATE, title)]
    para = []

    def flush():
        if para:
            out.append(".PP")
            out.append(esc(" ".join(para)))
            del para[:]

    rows = []
    code = False
    for raw in md.split("\n"):
        line = raw.rstrip()
        if line.startswith("```"):          # a code block: lines kept as they are
            flush()
            code = not code
            out.append(".EX" if code else ".EE")
            continue
        if code:
            text = line.replace("\\", "\\e")
            out.append(("\\&" + text) if text[:1] in (".", "'") else text)
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            if all(re.fullmatch(r"-+", c.replace(" ", "")) for c in cells):
                continue
            rows.append(cells)
            continue
        if rows:
            flush()
            for cells in rows[1:]:          # the first row names the columns
                out.append(".TP")
                out.append(esc(cells[0]) + (" (default: " + esc(cells[1]) + ")"
                                             if len(cells) > 2 and cells[1] else ""))
                out.append(esc(cells[-1]))
            rows = []
        if line.startswith("# "):
            continue                        # the page's own title
        if line.startswith("#"):
            flush()
            out.append('.SH "%s"' % esc(line.lstrip("#").strip().upper()))
        elif line.startswith("- "):
            flush()
            out.append(".IP \\(bu 2")
            out.append(esc(line[2:]))
        elif line.startswith("  ") and out and out[-2:-1] == [".IP \\(bu 2"]:
            out[-1] += " " + esc(line.strip())
        elif line.strip() == "":
            flush()
        else:
            para.append(line.strip())
    flush()
    return "\n".join(out) + "\n"


def pages():
    with open(os.path.join(TOP, "docs/man/portcullis.8.md")) as f:
        p8 = render(f.read(), "portcullis", "8", "System Manager's Manual")
    with open(os.path.join(TOP, "docs/config.md")) as f:
        cfg = f.read()
    cfg = ("## NAME\n\nportcullis.yaml - the configuration of portcullis(8)\n\n"
           "## DESCRIPTION\n\n" + cfg.split("\n", 1)[1] +
           "\n## SEE ALSO\n\nportcullis(8)\n")
    p5 = render(cfg, "portcullis.yaml", "5", "File Formats Manual")
    return {"portcullis.8": p8, "portcullis.yaml.5": p5}


def main():
    check = sys.argv[1] == "--check"
    outdir = sys.argv[-1]
    stale = 0
    for name, text in pages().items():
        path = os.path.join(outdir, name)
        if check:
            try:
                with open(path) as f:
                    if f.read() != text:
                        stale = 1
            except OSError:
                stale = 1
            continue
        with open(path, "w") as f:
            f.write(text)
    if stale:
        print("man pages are stale: python3 docs/man/mkman.py docs/man", file=sys.stderr)
    return stale


if __name__ == "__main__":
    sys.exit(main())
