#!/usr/bin/env python3
"""The web desk under twenty clerks at once: twenty drafts issued by
twenty parallel requests get twenty answers and twenty consecutive
numbers, each answer showing its own.  Every issue renders the DOCX and
its PDF (LibreOffice) inside the register's transaction, so this is also
the test that issues queue rather than fail while others convert.

Exits 77 (ctest: skipped) when this vanthu has no `serve` command.
"""
import concurrent.futures
import os
import re
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_render import RESULTS, check, parse_args  # noqa: E402
from test_web_http import SKIP, Server, curl, no_serve, session  # noqa: E402


def parallel_issue(vanthu, tmp, env, source):
    """20 drafts issued at once: 20 answers and 20 consecutive numbers.
    The drafts are plan XML files in --data (as the desk and the CLI share
    them), a kế hoạch without a number of its own."""
    root = os.path.join(tmp, 'issue')
    os.mkdir(root)
    srv = Server(vanthu, root, env)
    try:
        sid, token = session(srv)
        plan = open(os.path.join(source, 'plans', 'kim-thanh-2017-ke-hoach-sinh-hoat-to-truong.xml'),
                    encoding='utf-8').read()
        plan = re.sub(r'\s*<number>[^<]*</number>', '', plan)
        ids = ['song-song-%02d' % i for i in range(20)]
        for i in ids:
            with open(os.path.join(srv.data, i + '.xml'), 'w', encoding='utf-8') as f:
                f.write(plan)
        check(curl(srv.url + '/ban-nhap/' + ids[0], cookie=sid).status == 200,
              'a plan file put in --data is a draft of the desk')

        def issue(i):
            return curl(srv.url + '/ban-nhap/%s/cap-so' % i, '-H', 'X-CSRF-Token: ' + token,
                        '--data', 'kem_pdf=1&csrf=' + token, cookie=sid, timeout=1200)

        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(issue, ids))
        took = time.time() - t0
        statuses = [r.status for r in replies]
        check(all(x in (200, 303) for x in statuses),
              '20 parallel issues all answered with a number in %.0f s (%r; first refusal: %s)'
              % (took, statuses, next((re.sub(r'<[^>]+>', ' ', r.text())[-300:] for r in replies
                                       if r.status not in (200, 303)), '')))
        con = sqlite3.connect(srv.register)
        nums = sorted(n for (n,) in con.execute('SELECT number FROM entry'))
        pdfs = con.execute("SELECT count(*) FROM archive_file WHERE path LIKE '%.pdf'").fetchone()[0]
        con.close()
        check(pdfs == 20, 'each issue archived its PDF (kem_pdf): %d PDFs' % pdfs)
        check(len(nums) == 20 and nums == list(range(nums[0], nums[0] + 20)),
              '20 parallel issues: 20 consecutive numbers (%r)' % nums)
        shown = sorted(int(m.group(1)) for r in replies
                       for m in [re.search(r'id="so-ky-hieu">(\d+)/', r.text())] if m)
        check(shown == nums, 'each answer shows its own number (%r)' % shown)
    finally:
        srv.stop()


def main():
    a = parse_args()
    if no_serve(a.vanthu):
        return SKIP
    env = dict(os.environ)
    env.pop('VANTHU_REGISTER', None)
    with tempfile.TemporaryDirectory(prefix='vt-web-parallel-') as tmp:
        parallel_issue(a.vanthu, tmp, env, a.source)
    print('%d passed, %d failed' % (RESULTS['passed'], RESULTS['failed']))
    return 1 if RESULTS['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
