#!/usr/bin/env python3
"""Check that each stage of src/ includes only its own and lower stages.

Why: the folders of src/ show the pipeline (base, the package reader,
plans, PDF, documents, the register, the web desk, the command line), and
that picture is only true while no lower stage reaches up into a higher
one.  This runs as ctest `layering` so a wrong include fails CI, not review.
"""
import os
import re
import sys

ORDER = ["base", "package", "plan", "pdf", "doc", "register", "web", "cli"]


def main():
    src = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "src")
    bad = 0
    seen = 0
    for stage in sorted(os.listdir(src)):
        path = os.path.join(src, stage)
        if not os.path.isdir(path):
            print(f"src/{stage}: a file outside the stage folders")
            bad += 1
            continue
        if stage not in ORDER:
            print(f"src/{stage}: a folder that is not a known stage {ORDER}")
            bad += 1
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            seen += 1
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    inc = m.group(1)
                    dep = inc.split("/")[0] if "/" in inc else None
                    if dep is None or dep not in ORDER:
                        print(f"src/{stage}/{name}:{lineno}: include \"{inc}\" "
                              "does not name a stage folder")
                        bad += 1
                    elif ORDER.index(dep) > ORDER.index(stage):
                        print(f"src/{stage}/{name}:{lineno}: {stage} includes "
                              f"\"{inc}\" from the higher stage {dep}")
                        bad += 1
    print(f"{seen} files checked, {bad} layering problems")
    return 1 if bad or not seen else 0


if __name__ == "__main__":
    sys.exit(main())
