#!/usr/bin/env node
// Replaces the generated section NAME of FILE (between <!-- NAME:start --> and <!-- NAME:end -->) with standard input,
// so the tables BENCHMARK.md and COMPATIBILITY.md show are the ones the last run wrote, never typed in.
// Usage: some-command | node scripts/write-section.js FILE NAME   (FILE relative to the repository root)
const fs = require("node:fs");
const path = require("node:path");

const [file, name] = process.argv.slice(2);
if (!file || !name) {
    console.error("usage: some-command | node scripts/write-section.js FILE NAME");
    process.exit(2);
}
const target = path.join(__dirname, "..", file);
const start = `<!-- ${name}:start -->`;
const end = `<!-- ${name}:end -->`;
const text = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
const from = text.indexOf(start);
const to = text.indexOf(end);
if (from < 0 || to < from) {
    console.error(`write-section: ${file} has no ${start} … ${end} section`);
    process.exit(1);
}
const body = fs.readFileSync(0, "utf8").trim();
fs.writeFileSync(target, `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`);
