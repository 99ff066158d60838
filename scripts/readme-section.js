#!/usr/bin/env node
// Replaces the README's generated section NAME (between <!-- NAME:start --> and <!-- NAME:end -->) with standard input,
// so the tables the README shows are the ones the last run wrote, never typed in.
// Usage: some-command | node scripts/readme-section.js NAME
const fs = require("node:fs");
const path = require("node:path");

const name = process.argv[2];
const readme = path.join(__dirname, "..", "README.md");
const start = `<!-- ${name}:start -->`;
const end = `<!-- ${name}:end -->`;
const text = fs.readFileSync(readme, "utf8");
const from = text.indexOf(start);
const to = text.indexOf(end);
if (!name || from < 0 || to < from) {
    console.error(`readme-section: README.md has no ${start} … ${end} section`);
    process.exit(1);
}
const body = fs.readFileSync(0, "utf8").trim();
fs.writeFileSync(readme, `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`);
