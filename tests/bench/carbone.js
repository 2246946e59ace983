// The PDF peer: render the same letters to PDF with Carbone, as its
// documentation shows (carbone.set with factories and startFactory, then
// carbone.render(template, data, {convertTo: 'pdf'}, cb) per letter), from
// the same template content in Carbone's own {d.field} syntax and the same
// data.  Carbone converts through LibreOffice too: FACTORIES converter
// processes, as many as vanthu gets -j workers, started inside the timed
// run as vanthu's are.  At the end the factories are stopped and waited
// for, so their peak RSS reaches the parent's rusage.
//
// Carbone writes plain PDF, not PDF/A: its convertTo {formatName: 'pdf',
// formatOptions: {SelectPdfVersion: 2}} is accepted, but 3.8.2 does not
// hand PDF filter options to LibreOffice (converter.py sends only CSV's
// option string), so PDF/A-2b is not to be had from it.
//
// usage: node carbone.js TEMPLATE.docx LETTERS.json OUTDIR FACTORIES
"use strict";
const fs = require("fs");
const path = require("path");
const carbone = require("carbone");

const [tplPath, dataPath, outDir, factories] = process.argv.slice(2);
const letters = JSON.parse(fs.readFileSync(dataPath, "utf8"));
const nfac = parseInt(factories, 10);
fs.mkdirSync(outDir, { recursive: true });
const t0 = process.hrtime.bigint();
carbone.set({ factories: nfac, startFactory: true });

// Carbone queues renders for its factories; keep two per factory in
// flight so that every factory is busy without holding every letter.
let next = 0;
let done = 0;
function renderOne() {
  if (next >= letters.length) return;
  const letter = letters[next++];
  carbone.render(tplPath, letter.data, { convertTo: "pdf" }, (err, result) => {
    if (err) {
      console.error("carbone: " + letter.file + ": " + err);
      process.exit(1);
    }
    const out = path.join(outDir, letter.file.replace(/\.docx$/, ".pdf"));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, result);
    if (++done === letters.length) finish();
    else renderOne();
  });
}

function finish() {
  const t1 = process.hrtime.bigint();
  // carbone has no public stop; its converter module's exit() kills the
  // factories and calls back once they are gone.
  require("carbone/lib/converter").exit(() => {
    console.log((Number(t1 - t0) / 1e9).toFixed(4));
  });
}

for (let i = 0; i < 2 * nfac; i++) renderOne();
