/** Type-checks TypeScript as `pulumi up` compiles a user's program: the example program, and the blocks of the docs. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
/** The example program's directory: its tsconfig.json is the one a user's project would have. */
export const PROGRAM_DIR = path.join(ROOT, "examples");

/**
 * Type-checks `files` (absolute paths) as one program, the way `pulumi up` does: @pulumi/pulumi's cmd/run puts the
 * program directory's tsconfig.json compilerOptions (no "extends") over its own defaults, ES2020 and nodenext, and
 * type-checks with ts-node. A file given a text is checked as if it held that text, so a snippet of the docs placed
 * in examples/ resolves `pulumi-timestream-kms` (the built package) as a user's program would. Returns every
 * diagnostic as "file: message", files relative to the repository root.
 */
export function typeCheckPrograms(files: Record<string, string | undefined>): string[] {
    const tsconfig = path.join(PROGRAM_DIR, "tsconfig.json");
    const own = fs.existsSync(tsconfig) ? ts.parseConfigFileTextToJson(tsconfig, fs.readFileSync(tsconfig, "utf8")).config.compilerOptions : {};
    const json = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", ...own, noEmit: true };
    const { options, errors } = ts.convertCompilerOptionsFromJson(json, PROGRAM_DIR);
    const host = ts.createCompilerHost(options);
    const given = (f: string) => files[f];
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => given(f) !== undefined || fileExists.call(host, f);
    host.readFile = (f) => given(f) ?? readFile.call(host, f);
    host.getSourceFile = (f, ...rest) => {
        const text = given(f);
        return text === undefined ? getSourceFile.call(host, f, ...rest) : ts.createSourceFile(f, text, ts.ScriptTarget.ES2020);
    };
    const program = ts.createProgram(Object.keys(files), options, host);
    return [...errors, ...ts.getPreEmitDiagnostics(program)].map(
        (d) => `${d.file ? path.relative(ROOT, d.file.fileName) : "tsconfig"}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
}
