import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/", "node_modules/", ".compat/", "mutation/out/", "bench/results/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // The serialized provider shim loads the package by name at call time, on purpose.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-non-null-assertion": "off",
        },
    },
    { files: ["**/*.js", "**/*.mjs"], languageOptions: { globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" } } },
);
