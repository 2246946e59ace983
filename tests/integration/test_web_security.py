#!/usr/bin/env python3
"""The desk's locks in a real browser: runs tests/web/security.mjs
(playwright-core driving Debian's chromium) against a real `vanthu serve`
listening off loopback: login, wrong password, cookie flags, a chuyên
viên refused issuing and voiding, a form posted from another origin and
a forged CSRF token changing nothing.  Screenshots of every page go to
BUILD/web-screens/.

Exits 77 (ctest: skipped) when this vanthu has no `serve` command; fails
with what to do when node, playwright-core or chromium is missing
(./scripts/setup installs all three).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_render import parse_args  # noqa: E402
from test_web_http import SKIP, no_serve  # noqa: E402


def main():
    a = parse_args()
    if no_serve(a.vanthu):
        return SKIP
    web = os.path.join(a.source, 'tests', 'web')
    missing = [what for what, ok in [
        ('node', shutil.which('node')),
        ('tests/web/node_modules/playwright-core (npm ci in tests/web)',
         os.path.isdir(os.path.join(web, 'node_modules', 'playwright-core'))),
        ('/usr/bin/chromium', os.path.exists(os.environ.get('VT_CHROMIUM', '/usr/bin/chromium')))] if not ok]
    if missing:
        print('missing: %s; ./scripts/setup installs them' % ', '.join(missing))
        return 1
    shots = os.path.join(a.build, 'web-screens')
    r = subprocess.run(['node', os.path.join(web, 'security.mjs'), '--vanthu', a.vanthu,
                        '--source', a.source, '--build', a.build, '--shots', shots], timeout=600)
    return r.returncode


if __name__ == '__main__':
    sys.exit(main())
