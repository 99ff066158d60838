#!/usr/bin/env node
// Reads Stryker's JSON report (the mutation-testing-report-schema format) and fails when any mutated file scores
// under the minimum: Stryker's own thresholds apply to the whole run only.
// Usage: node mutation/check.js [REPORT] [MINIMUM]   (defaults: mutation/out/report/mutation.json, 85)
// Score as Stryker counts it: (killed + timed out) / (killed + timed out + survived + not covered).
const fs = require("node:fs");
const path = require("node:path");

const reportFile = process.argv[2] ?? path.join(__dirname, "out", "report", "mutation.json");
const minimum = Number(process.argv[3] ?? 85);
let report;
try {
    report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
} catch (error) {
    console.error(`mutation-check: cannot read the report ${reportFile}: ${error.message}`);
    process.exit(1);
}

const DETECTED = ["Killed", "Timeout"];
const UNDETECTED = ["Survived", "NoCoverage"];
const rows = [];
const total = { detected: 0, undetected: 0 };
for (const [file, { mutants }] of Object.entries(report.files ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const detected = mutants.filter((m) => DETECTED.includes(m.status)).length;
    const undetected = mutants.filter((m) => UNDETECTED.includes(m.status)).length;
    total.detected += detected;
    total.undetected += undetected;
    const score = detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected);
    rows.push({ file, score, detected, undetected, survived: mutants.filter((m) => m.status === "Survived").length });
}
if (rows.length === 0) {
    console.error(`mutation-check: ${reportFile} lists no mutated file`);
    process.exit(1);
}
console.log(`| File | Mutation score | Killed or timed out | Survived | Not covered |`);
console.log(`| --- | --: | --: | --: | --: |`);
for (const r of rows) console.log(`| ${r.file} | ${r.score.toFixed(2)}% | ${r.detected} | ${r.survived} | ${r.undetected - r.survived} |`);
const overall = (100 * total.detected) / Math.max(1, total.detected + total.undetected);
console.log(`| all files | ${overall.toFixed(2)}% | ${total.detected} | | |`);
const below = rows.filter((r) => r.score < minimum);
if (below.length > 0) {
    console.error(`mutation-check: under ${minimum}% per file: ${below.map((r) => `${r.file} (${r.score.toFixed(2)}%)`).join(", ")}`);
    process.exit(1);
}
console.log(`mutation-check: every file at ${minimum}% or more`);
