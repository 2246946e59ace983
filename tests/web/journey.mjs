// journey.mjs - the clerk's jobs in a real browser (Debian chromium through
// playwright-core) against a real `vanthu serve`, its register and data
// folder: type a kế hoạch as text (a slip in the body is marked on its
// line), save it, see its PDF preview, issue it, download the DOCX and
// the PDF and check them with the real tools, find it in Sổ văn bản đi
// and void it with a reason; then a batch of giấy mời from a school list
// uploaded as CSV, its progress, and its zip with the manifest.  A
// screenshot of every page goes to --shots (build/web-screens/).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  check, fill, finish, launchBrowser, newPage, parseArgs, screenshot, startServe, tempDir,
} from './lib.mjs';

const args = parseArgs();
const source = path.resolve(args.source || '.');
const shots = path.resolve(args.shots);
const work = tempDir('journey');
// the OOXML schema validator beside the source folder (../shared/ooxml/)
const VALIDATE = path.join(source, '..', 'shared', 'ooxml', 'validate.sh');

// The OOXML schema check, or a printed skip when ../shared is not beside
// the source folder (as the Python integration tests do).
function schema(file, what) {
  if (!fs.existsSync(VALIDATE)) {
    console.log(`skip  ${what} against the OOXML schema: no validator at ../shared/ooxml/validate.sh beside the source folder`);
    return;
  }
  const t = run(VALIDATE, [file]);
  check(t.code === 0, `${what} passes the OOXML schema (${t.out.trim().slice(-200)})`);
}

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

// A download, saved under work/ as name.
async function download(page, selector, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const file = path.join(work, name);
  await dl.saveAs(file);
  return file;
}

const SUBJECT = 'Tổ chức hội thi giáo viên dạy giỏi cấp huyện năm học 2026-2027';
const BODY_SLIP = [
  'I. Mục đích, yêu cầu',
  '1. Mục đích',
  '- Phát hiện, bồi dưỡng giáo viên dạy giỏi.',
  '3.1. Yêu cầu',
  '- Hội thi nghiêm túc, đúng quy chế.',
].join('\n');
const BODY = [
  'I. Mục đích, yêu cầu',
  '1. Mục đích',
  '- Phát hiện, bồi dưỡng giáo viên dạy giỏi.',
  '2. Yêu cầu',
  '- Hội thi nghiêm túc, đúng quy chế.',
  'II. Tổ chức thực hiện',
  '- Các trường cử giáo viên dự thi theo hướng dẫn.',
].join('\n');

async function composeIssueVoid(page, server) {
  const url = server.url;
  await page.goto(`${url}/`);
  check(await page.locator('h1').innerText() === 'Bàn văn thư', 'the desk opens on loopback without a login');
  await screenshot(page, shots, '01-trang-dau');

  await page.goto(`${url}/soan`);
  await fill(page, {
    co_quan_chu_quan: 'UBND huyện Kim Thành',
    co_quan: 'Phòng Giáo dục và Đào tạo',
    viet_tat: 'PGDĐT',
    dia_danh: 'Kim Thành',
    trich_yeu: SUBJECT,
    can_cu: 'Căn cứ Thông tư số 22/2019/TT-BGDĐT của Bộ Giáo dục và Đào tạo;',
    noi_nhan: 'Các trường tiểu học\nLãnh đạo phòng',
    luu: 'VT, GDTH',
    chuc_vu: 'Trưởng phòng',
    chuc_vu_2: 'Phó trưởng phòng',
    nguoi_ky: 'Nguyễn Văn An',
  }, '#soan');
  await page.selectOption('#tham_quyen', 'KT.');
  await page.locator('#noi_dung').fill(BODY_SLIP);
  // checked as typed: the slip is marked on its own line (4) of the body
  const slip = page.locator('#loi-noi-dung li', { hasText: 'Dòng 4' });
  await slip.first().waitFor({ timeout: 10000 }).catch(() => {});
  check(await slip.count() === 1, 'a "3.1." with no heading 3 is marked on line 4 as it is typed');
  await slip.first().click();
  const sel = await page.$eval('#noi_dung', (t) => t.value.slice(t.selectionStart, t.selectionEnd));
  check(sel === '3.1. Yêu cầu', 'clicking the message selects that line in the body');
  await screenshot(page, shots, '02-soan-kiem-tra');
  await page.locator('#noi_dung').fill(BODY);
  await page.locator('#trang-thai-kiem-tra', { hasText: 'Không thấy lỗi' }).waitFor({ timeout: 10000 })
    .catch(() => {});
  check(await page.locator('#loi-noi-dung li').count() === 0, 'the corrected body has nothing to mark');
  await screenshot(page, shots, '03-soan');

  await Promise.all([page.waitForURL(/\/ban-nhap\/ke-hoach-[0-9a-f]{12}$/), page.click('#luu-ban-nhap')]);
  const draft = page.url().split('/').pop();
  // the signer's signature and the seal, as the PDF issue's images
  const img = path.join(source, 'tests', 'integration', 'img');
  await page.setInputFiles('#chu_ky', path.join(img, 'ky.png'));
  await page.setInputFiles('#dau', path.join(img, 'dau.png'));
  const preview = page.waitForResponse((r) => r.url().endsWith('/xem-truoc.pdf'), { timeout: 120000 });
  await Promise.all([page.waitForLoadState('load'), page.click('#them-anh')]);
  const planText = fs.readFileSync(path.join(server.data, `${draft}.xml`), 'utf8');
  check(planText.includes(`<image src="${draft}-chu-ky.png"/>`) && planText.includes(`<seal src="${draft}-dau.png"/>`),
        'the signature and seal images are added to the draft\'s <signature>');
  check(fs.existsSync(path.join(server.data, `${draft}.xml`)), `the draft is a plan file in --data (${draft}.xml)`);
  const r = await run(args.vanthu, ['validate', path.join(server.data, `${draft}.xml`)]);
  check(r.code === 0, `the CLI validates the draft the desk saved (${r.out.trim().slice(-200)})`);
  const shown = await preview;
  const src = await page.$eval('#xem-truoc', (f) => f.src);
  // (the frame's response may come through the PDF viewer without its
  // headers: the same URL fetched again shows them)
  check(shown.status() === 200 && src === `${url}/ban-nhap/${draft}/xem-truoc.pdf`,
        `the page loads the preview PDF in a frame (${shown.status()})`);
  const again = await page.request.get(src);
  const body = await again.body();
  const h = again.headers();
  check(body.subarray(0, 5).toString() === '%PDF-' && h['content-type'] === 'application/pdf' &&
        (h['content-disposition'] || '').startsWith('inline'), 'the preview is a PDF, shown inline');
  await page.waitForTimeout(1500); // let the viewer draw it
  await screenshot(page, shots, '04-ban-nhap-xem-truoc');

  page.once('dialog', (d) => d.accept());
  await page.click('#cap-so');
  await page.locator('#so-ky-hieu').waitFor({ timeout: 120000 });
  const kyHieu = await page.locator('#so-ky-hieu').innerText();
  check(kyHieu === '01/KH-PGDĐT', `issued as the register's first kế hoạch: ${kyHieu}`);
  await screenshot(page, shots, '05-da-cap-so');

  const docx = await download(page, '#tai-docx', 'issued.docx');
  const pdfFile = await download(page, '#tai-pdf', 'issued.pdf');
  let t = run('unzip', ['-tq', docx]);
  check(t.code === 0, 'the DOCX downloaded passes unzip -t');
  schema(docx, 'the DOCX downloaded');
  t = run('unzip', ['-Z1', docx]);
  check(t.out.includes('word/media/vt-signature.png') && t.out.includes('word/media/vt-seal.png'),
        'the issued DOCX carries the signature and seal images');
  t = run('unzip', ['-p', docx, 'word/document.xml']);
  check(t.out.includes('01/KH-PGDĐT') && t.out.includes('Phát hiện, bồi dưỡng giáo viên dạy giỏi'),
        'the DOCX has its number and the typed body');
  t = run('pdffonts', [pdfFile]);
  const fonts = t.out.split('\n').slice(2).filter((l) => l.trim());
  check(t.code === 0 && fonts.length > 0 && fonts.every((l) => / yes yes yes /.test(l)) &&
        fonts.every((l) => /Liberation/.test(l)), 'the PDF downloaded embeds only Liberation fonts (pdffonts)');
  t = run('pdftotext', [pdfFile, '-']);
  check(t.out.includes('01/KH-PGDĐT'), 'the PDF carries the number');

  await page.goto(`${url}/so-van-ban-di`);
  await fill(page, { q: 'hoi thi giao vien' }, 'form.loc');
  await Promise.all([page.waitForURL(/q=/), page.click('form.loc button')]);
  const row = page.locator('#so tbody tr', { hasText: '01/KH-PGDĐT' });
  check(await row.count() === 1, 'Sổ văn bản đi finds it by words of its trích yếu without marks');
  await screenshot(page, shots, '06-so-van-ban-di');
  await row.locator('a').click();
  await page.locator('#van-ban').waitFor();
  await fill(page, { ly_do: 'Cấp nhầm, ban hành lại sau' }, 'form[action$="/huy"]');
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForLoadState('load'), page.click('#huy-so')]);
  await page.locator('#da-huy').waitFor();
  check((await page.locator('#da-huy').innerText()).includes('Cấp nhầm, ban hành lại sau'),
        'voided with its reason, shown on the entry');
  await screenshot(page, shots, '07-huy-so');
  t = run(args.vanthu, ['register', 'list', '--register', server.register]);
  check(t.code === 0 && /01\/KH-PGDĐT.*ĐÃ HỦY: Cấp nhầm/.test(t.out), 'the CLI sees the void in the same register');

  await page.goto(`${url}/so-van-ban-di`);
  await Promise.all([page.waitForLoadState('load'), page.click('#kiem-tra-so')]);
  check((await page.locator('#ket-qua').innerText()).includes('2 tệp lưu trữ khớp'),
        'the archive check finds the DOCX and PDF as issued');
  await screenshot(page, shots, '08-kiem-tra-so');
}

async function invitations(page, server) {
  const url = server.url;
  fs.copyFileSync(path.join(source, 'plans/kim-thanh-2018-giay-moi-sinh-hoat-cum-truong.xml'),
                  path.join(server.data, 'giay-moi-cum.xml'));
  const csv = path.join(work, 'danh-sach-truong.csv');
  fs.writeFileSync(csv, [
    'STT,Cụm,Tên trường,Ngày,Buổi,Giờ,Địa điểm,Chủ đề,Cụm trưởng',
    '1,Cụm số 1,TH Lai Vu,14/03/2018,Sáng,7h30,Trường TH Thượng Vũ,Trải nghiệm,Hiệu trưởng TH Thượng Vũ',
    '2,,TH Thượng Vũ,,,,,,',
    '3,,TH Cổ Dũng,,,,,,',
    '4,Cụm số 2,TH Kim Xuyên,15/03/2018,Sáng,7h30,Trường TH Kim Lương,Trải nghiệm,Hiệu trưởng TH Kim Lương',
    '5,,TH Kim Lương,,,,,,',
    '6,Cụm số 3,TH Kim Anh,20/03/2018,Chiều,13h30,Trường TH Ngũ Phúc,STEM,Hiệu trưởng TH Ngũ Phúc',
    '7,,TH Ngũ Phúc,,,,,,',
  ].join('\n') + '\n');
  await page.goto(`${url}/giay-moi`);
  await page.selectOption('#ban_nhap', 'giay-moi-cum');
  await page.setInputFiles('#danh_sach', csv);
  await screenshot(page, shots, '09-giay-moi');
  await Promise.all([page.waitForURL(/\/giay-moi\/dot-[0-9a-f]{12}$/), page.click('#lam-giay-moi')]);
  await page.locator('#tien-do').waitFor();
  check(await page.locator('#tien-do').count() === 1, 'the batch page shows its progress bar');
  await page.locator('#tai-zip').waitFor({ timeout: 120000 });
  check((await page.locator('#tien-do-chu').innerText()).includes('3 giấy mời cho 3 cụm'),
        'the batch made one letter per cluster of the uploaded list');
  const max = await page.$eval('#tien-do', (p) => [p.value, p.max]);
  check(max[0] === 3 && max[1] === 3, 'the progress bar ends full (3/3)');
  await screenshot(page, shots, '10-giay-moi-xong');
  const zip = await download(page, '#tai-zip', 'giay-moi.zip');
  let t = run('unzip', ['-tq', zip]);
  check(t.code === 0, 'the batch zip passes unzip -t');
  t = run('unzip', ['-p', zip, 'manifest.csv']);
  const lines = t.out.trim().split(/\r?\n/);
  check(lines.length === 4 && ['Cụm số 1', 'Cụm số 2', 'Cụm số 3'].every((c) => t.out.includes(c)),
        'its manifest.csv lists the three clusters');
  t = run('unzip', ['-Z1', zip]);
  const letters = t.out.split('\n').filter((n) => n.endsWith('.docx'));
  check(letters.length === 3 && t.out.includes('manifest.json'), 'the zip holds the 3 letters and both manifests');
  const one = path.join(work, 'letter.docx');
  fs.writeFileSync(one, spawnSync('unzip', ['-p', zip, letters[0]]).stdout);
  schema(one, 'a letter of the batch');
}

let server = null;
let browser = null;
let code = 1;
try {
  server = await startServe(args.vanthu);
  browser = await launchBrowser();
  const page = await newPage(browser);
  page.setDefaultTimeout(30000);
  await composeIssueVoid(page, server);
  await invitations(page, server);
  code = finish();
} catch (e) {
  check(false, `the journey ran to its end: ${e.stack || e}`);
  if (server) console.log(server.log());
  code = finish();
} finally {
  if (browser) await browser.close();
  if (server) {
    const ex = await server.stop();
    if (ex && !(ex.code === 0)) {
      console.log(`FAIL  vanthu serve stopped by SIGTERM with ${JSON.stringify(ex)}, not exit 0`);
      code = 1;
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(code);
