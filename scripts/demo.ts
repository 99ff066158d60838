/**
 * `npm run demo`: the whole DatabaseKmsKey lifecycle, offline, through the real
 * Pulumi dynamic-provider host, against moto (or the emulator at
 * AWS_ENDPOINT_URL). Prints what Pulumi would show at each step, the AWS calls
 * the provider made (counted by a proxy) against the floor, and the database's
 * key afterwards; ends with the outputs the last `pulumi up` left, as a
 * program exports them, and what "at floor" means.
 */
import { Engine, openLab, ResourceState, runMain, Shown, TracedCall, withHost } from "../lab/lab";
import { countCalls, Floor, FLOORS, floorText, verdict } from "../bench/floor";
import { Key, uniqueName } from "../lab/fixtures";
import { ownerFor, Props } from "../lab/host";

/** What Pulumi shows for a step; "refused" is a step that fails with the provider's error. */
type Step = Shown | "refused";

const SHOWN: Record<Step, string> = {
    create: "+ create",
    same: "  same (nothing to do)",
    update: "~ update",
    replace: "+-replace",
    delete: "- delete",
    refused: "x error",
};

interface Outcome {
    readonly shown: Step;
    readonly note?: string;
}

/** Prints one step and checks it did what the walk expects; returns false when it did not. */
type StepRunner = (title: string, expect: { shown: Step; key: string }, floor: Floor, run: (engine: Engine) => Promise<Outcome>) => Promise<boolean>;

async function main(): Promise<void> {
    const started = performance.now();
    const lab = await openLab();
    const keyA = await lab.fx.createKey();
    const keyB = await lab.fx.createKey();
    const alias = await lab.fx.createAlias(keyA, `alias/${uniqueName("demo")}`);
    // The key another team gave the database, which `onDelete: "restore"` puts back at the end. A customer key,
    // because KMS cannot describe moto's default key (AWS can describe its own).
    const keyO = await lab.fx.createKey();
    const db = await lab.fx.createDatabase(keyO.arn, uniqueName("metrics"));
    const label = keyLabeller({ "key A": keyA, "key B": keyB, "key O": keyO });
    const liveKey = async () => label((await lab.fx.liveKey(db.DatabaseName)) ?? "(no database)");

    console.log(`DatabaseKmsKey demo: the real Pulumi dynamic-provider host, ${lab.startedMoto ? "moto started here at" : "emulator at"} ${lab.upstream}, ${lab.region}`);
    console.log("Each step is one Pulumi command, so it starts its own provider host, as the engine does.");
    console.log(`  key A      ${short(keyA)}   (alias ${alias.name})`);
    console.log(`  key B      ${short(keyB)}`);
    console.log(`  key O      ${short(keyO)}   (the database's original key)`);
    console.log(`  database   ${db.DatabaseName}, created with ${await liveKey()}\n`);

    let state: ResourceState | undefined;
    // The outputs of the last `pulumi up`, which the demo prints at the end as `pulumi stack output` would.
    let upOutputs: Props = {};
    let upStep = 0;
    let number = 0;
    let calls = 0;
    const inputs = (kmsKeyId: string, stack?: string): Props => ({
        __provider: lab.provider,
        databaseName: db.DatabaseName,
        kmsKeyId,
        onDelete: "restore",
        owner: ownerFor("demo", stack),
    });
    const step: StepRunner = async (title, expect, floor, run) => {
        console.log(`${++number}. ${title}`);
        const { outcome, trace } = await withHost(lab, async (host) => {
            const engine = new Engine(host, lab.proxy);
            return { outcome: await run(engine), trace: engine.trace };
        });
        const made = trace.flatMap((t) => t.aws);
        calls += made.length;
        const key = await liveKey();
        const ok = outcome.shown === expect.shown && key.startsWith(expect.key);
        console.log(`     Pulumi shows   ${SHOWN[outcome.shown]}${outcome.note ? `: ${outcome.note}` : ""}`);
        console.log(`     AWS calls      ${describeTrace(trace)}   [${verdict(countCalls(made), floor)}: ${floorText(floor)}]`);
        console.log(`     database key   ${key}${ok ? "" : `   UNEXPECTED: expected ${expect.shown} and ${expect.key}`}`);
        return ok;
    };
    const up = (kmsKeyId: string) => async (engine: Engine) => {
        const result = await engine.up("demo", state, inputs(kmsKeyId));
        state = result.state;
        if (state) [upOutputs, upStep] = [state.outputs, number];
        return { shown: result.shown };
    };

    const results = [
        await step("pulumi up: adopt the database with key A (kmsKeyId: its key ID)", { shown: "create", key: "key A" }, FLOORS.createKeyDiffers, up(keyA.id)),
        await step("pulumi up again, nothing changed", { shown: "same", key: "key A" }, FLOORS.noChange, up(keyA.id)),
        await step(
            "pulumi up of another stack (prod) whose program names the same database, with key B",
            { shown: "refused", key: "key A" },
            FLOORS.createRefused,
            async (engine) => {
                const error = await engine.up("demo", undefined, inputs(keyB.id, "prod")).then(() => undefined, (e: Error) => e);
                return error === undefined ? { shown: "create" } : { shown: "refused", note: error.message.replace(/^.*failed: /, "").split(";")[0] };
            },
        ),
        await step(`pulumi up: the same key A, now given as its alias ${alias.name}`, { shown: "same", key: "key A" }, FLOORS.sameKeyAsAlias, up(alias.name)),
        await step("pulumi up: rotate to key B (kmsKeyId: its key ID)", { shown: "update", key: "key B" }, FLOORS.updateKeyDiffers, up(keyB.id)),
    ];

    console.log(`${++number}. out of band: someone puts the database back on key A (straight in AWS, not through Pulumi)`);
    await lab.fx.setDatabaseKey(db.DatabaseName, keyA.arn);
    console.log(`     database key   ${await liveKey()}`);

    results.push(
        await step("pulumi refresh: read the database", { shown: "update", key: "key A" }, FLOORS.read, async (engine) => {
            const before = label(String(state!.outputs.kmsKeyArn));
            const result = await engine.refresh(state!);
            state = result.state;
            return { shown: result.shown, note: `drift, the state said ${before}, AWS says ${label(String(state?.outputs.kmsKeyArn))}` };
        }),
        await step("pulumi up: repair the drift (kmsKeyId is still key B)", { shown: "update", key: "key B" }, FLOORS.updateKeyDiffers, up(keyB.id)),
        await step('pulumi destroy, with onDelete: "restore"', { shown: "delete", key: "key O" }, FLOORS.deleteRestore, async (engine) => {
            const previous = label(String(state!.outputs.previousKmsKeyArn));
            return { shown: await engine.destroy(state!), note: `puts back ${previous}, the key the database had before this resource adopted it` };
        }),
    );

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const failed = results.filter((ok) => !ok).length;
    console.log(`\nOutputs after the last pulumi up (step ${upStep}), as the example program exports them:`);
    for (const name of ["kmsKeyArn", "previousKmsKeyArn", "keyManager", "keyState", "owner"]) {
        const value = upOutputs[name];
        console.log(`  ${name.padEnd(18)} ${value === undefined ? "(unset)" : String(value)}${typeof value === "string" && value.startsWith("arn:") ? `   ${label(value).split(" (")[0]}` : ""}`);
    }
    console.log('"at floor": the step made no more AWS calls than the fewest that operation needs (the floor, bench/floor.ts).');
    console.log(`\nDone in ${seconds} s: ${number} steps, ${calls} AWS calls made by the provider.${failed ? ` ${failed} step(s) did not do what was expected.` : ""}`);
    if (failed) process.exitCode = 1;
}

/** Names a key identifier as "key A (1a2b3c4d)" when it is one of `keys`. */
function keyLabeller(keys: Record<string, Key>): (value: string) => string {
    return (value) => {
        const found = Object.entries(keys).find(([, key]) => value === key.id || value === key.arn);
        return found ? `${found[0]} (${short(found[1])})` : value;
    };
}

function short(key: Key): string {
    return key.id.slice(0, 8);
}

/** e.g. "check: DescribeKey; create: DescribeDatabase, UpdateDatabase". */
function describeTrace(trace: TracedCall[]): string {
    return trace.map((t) => `${t.method}: ${t.aws.join(", ") || "none"}`).join("; ");
}

runMain(main);
