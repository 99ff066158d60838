/**
 * The manual cannot drift from the package: every TypeScript block of README.md and docs/ type-checks as a user's
 * program against the built package (dist/, which `npm test` builds first), and every relative link of the Markdown
 * files resolves to a file, and its #anchor to a heading there.
 *
 * A block is a whole program file unless its first line is the fragment marker (`// fragment: …`, the rest saying
 * what it continues): a fragment is checked appended to the nearest whole block before it in the same file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { PROGRAM_DIR, typeCheckPrograms } from "../support/typecheck";

const ROOT = path.resolve(__dirname, "..", "..");
const FRAGMENT = /^\/\/ fragment: \S/;
/** Files whose TypeScript blocks are checked. */
const MANUAL = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
/** Files whose links are checked: the manual and every other Markdown file of the repository's root. */
const LINKED = [...MANUAL, ...fs.readdirSync(ROOT).filter((f) => f.endsWith(".md") && f !== "README.md")];

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** The ```ts blocks of a Markdown text, in order. */
function typeScriptBlocks(markdown: string): string[] {
    return [...markdown.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** The programs to check for a file's blocks: whole blocks, each with the fragments that follow it appended. */
function programsOf(blocks: string[]): { programs: string[]; orphans: number } {
    const programs: string[] = [];
    let orphans = 0;
    for (const block of blocks) {
        if (!FRAGMENT.test(block)) programs.push(block);
        else if (programs.length === 0) orphans++;
        else programs[programs.length - 1] += `\n${block}`;
    }
    return { programs, orphans };
}

/** A Markdown text without its fenced blocks and inline code, where neither links nor headings count. */
function prose(markdown: string): string {
    return markdown.replace(/^```[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, …. */
function anchorsOf(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    for (const [, heading] of markdown.replace(/^```[\s\S]*?^```$/gm, "").matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
        const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
        const n = seen.get(slug) ?? 0;
        seen.set(slug, n + 1);
        anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    return anchors;
}

/** Every relative link of a Markdown file that does not resolve, as "file: target (why)". */
function brokenLinks(file: string, markdown: string, readFile: (f: string) => string | undefined): string[] {
    const broken: string[] = [];
    for (const [, target] of prose(markdown).matchAll(/\]\(([^)\s]+)(?: +"[^"]*")?\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [where, anchor] = target.split("#", 2);
        const linked = where === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), where));
        const text = readFile(linked.replace(/\/$/, ""));
        if (text === undefined) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor !== undefined && !anchorsOf(text).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
    }
    return broken;
}

describe("the manual (README.md, docs/)", () => {
    it("finds the anchors GitHub makes and the links that do not resolve", () => {
        const files: Record<string, string> = {
            "a.md": "# Quick start\n## `keyManager` and the AWS key\n## Quick start\n```sh\n# not a heading\n```\n[a](b.md#missing) [b](#quick-start-1) [c](https://example.com/x) `[d](nowhere.md)`",
            "b.md": "# B",
        };
        expect([...anchorsOf(files["a.md"])]).to.deep.equal(["quick-start", "keymanager-and-the-aws-key", "quick-start-1"]);
        expect(brokenLinks("a.md", `${files["a.md"]} [e](c.md) [f](b.md#b)`, (f) => files[f])).to.deep.equal([
            "a.md: b.md#missing (no such heading)",
            "a.md: c.md (no such file)",
        ]);
    });

    it("puts a fragment after the whole block before it, and counts a fragment with none before it", () => {
        expect(programsOf(["// fragment: x\na;", "b;", "// fragment: after b\nc;", "d;"])).to.deep.equal({ programs: ["b;\n// fragment: after b\nc;", "d;"], orphans: 1 });
    });

    it("type-checks every TypeScript block as a user's program against the built package, in one program", function () {
        this.timeout(120_000);
        const files: Record<string, string> = {};
        for (const file of MANUAL) {
            const { programs, orphans } = programsOf(typeScriptBlocks(read(file)));
            expect(orphans, `${file}: fragments with no whole block before them`).to.equal(0);
            // `export {}` keeps each block a module of its own, whatever it declares.
            programs.forEach((text, i) => (files[path.join(PROGRAM_DIR, `docs-${file.replace(/\W/g, "-")}-${i + 1}.ts`)] = `${text}\nexport {};\n`));
        }
        expect(Object.keys(files).length, "blocks in README.md").to.be.greaterThan(1);
        // A block that must fail, in the same program: the check sees the package's types, not `any`.
        const canary = path.join(PROGRAM_DIR, "docs-canary.ts");
        files[canary] = 'import { DatabaseKmsKey } from "pulumi-timestream-kms";\nnew DatabaseKmsKey("k", { databaseName: 1, kmsKeyId: "alias/k" });\n';

        const diagnostics = typeCheckPrograms(files);
        expect(diagnostics.filter((d) => !d.startsWith("examples/docs-canary.ts:"))).to.deep.equal([]);
        expect(diagnostics).to.have.length(1);
        expect(diagnostics[0]).to.match(/^examples\/docs-canary\.ts: Type 'number' is not assignable/);
    });

    it("has no relative link to a missing file or heading", () => {
        const text = (f: string) => (fs.existsSync(path.join(ROOT, f)) ? (fs.statSync(path.join(ROOT, f)).isDirectory() ? "" : read(f)) : undefined);
        expect(LINKED.flatMap((file) => brokenLinks(file, read(file), text))).to.deep.equal([]);
    });
});
