import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    // test/fixtures/ holds data kept byte for byte, such as the provider module a state stores.
    { ignores: ["dist/", "node_modules/", ".compat/", "mutation/out/", "bench/results/", "test/fixtures/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Tests, the lab and the bench load built and generated modules by path at run time, on purpose.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-non-null-assertion": "off",
        },
    },
    { files: ["**/*.js", "**/*.mjs"], languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" } } },
);
