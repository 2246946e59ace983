// The peer: render the same letters with docxtemplater + pizzip, as their
// documentation shows (one PizZip and one Docxtemplater per document,
// DEFLATE output), from the same template content in docxtemplater's own
// {tag} syntax and the same data.  Prints the seconds taken.
//
// usage: node docxtemplater.js TEMPLATE.docx LETTERS.json OUTDIR
"use strict";
const fs = require("fs");
const path = require("path");
const PizZip = require("pizzip");
const Docxtemplater = require("docxtemplater");

const [tplPath, dataPath, outDir] = process.argv.slice(2);
const content = fs.readFileSync(tplPath);
const letters = JSON.parse(fs.readFileSync(dataPath, "utf8"));
fs.mkdirSync(outDir, { recursive: true });
const t0 = process.hrtime.bigint();
for (const letter of letters) {
  const zip = new PizZip(content);
  const doc = new Docxtemplater(zip, { paragraphLoop: true, linebreaks: true });
  doc.render(letter.data);
  const buf = doc.getZip().generate({ type: "nodebuffer", compression: "DEFLATE" });
  fs.writeFileSync(path.join(outDir, letter.file), buf);
}
const t1 = process.hrtime.bigint();
console.log((Number(t1 - t0) / 1e9).toFixed(4));
