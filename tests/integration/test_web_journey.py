#!/usr/bin/env python3
"""integration_web_journey: the clerk's journeys in a real browser.

Runs tests/web/journey.mjs (Playwright driving Debian's chromium against a
real `vanthu serve`): type a kế hoạch, preview, issue, download and check
the DOCX and PDF, find it in Sổ văn bản đi, void it; a giấy mời batch from
an uploaded school list with its zip.  Screenshots go to
BUILD/web-screens/.  Skips (exit 0, a SKIP line) only when node or
chromium is not installed at all; scripts/setup installs both, so in CI it
runs.
"""
import argparse
import os
import shutil
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vanthu', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--build', required=True)
    a = ap.parse_args()
    web = os.path.join(a.source, 'tests', 'web')
    node = shutil.which('node')
    chromium = os.environ.get('VT_CHROMIUM', '/usr/bin/chromium')
    if not node or not os.path.exists(chromium):
        print('SKIP: %s not installed (./scripts/setup installs nodejs and chromium)'
              % ('node' if not node else chromium))
        return 0
    if not os.path.isdir(os.path.join(web, 'node_modules', 'playwright-core')):
        # the pinned package from the lock file, as scripts/setup does
        r = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error'], cwd=web)
        if r.returncode != 0:
            print('FAIL: npm ci in tests/web could not install playwright-core')
            return 1
    shots = os.path.join(a.build, 'web-screens')
    r = subprocess.run([node, os.path.join(web, 'journey.mjs'), '--vanthu', os.path.abspath(a.vanthu),
                        '--source', os.path.abspath(a.source), '--build', os.path.abspath(a.build),
                        '--shots', shots], timeout=1200)
    return r.returncode


if __name__ == '__main__':
    sys.exit(main())
