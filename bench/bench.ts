/**
 * `npm run bench`: what DatabaseKmsKey costs, measured against moto through a
 * counting proxy and the real Pulumi dynamic-provider host. A benchmark, not a
 * test: it reports, it does not assert. Writes bench/results/latest.json and
 * latest.md (quick.json and quick.md for BENCH_QUICK=1, which shrinks every loop for a smoke run; the folder is
 * gitignored) and prints the table. `npm run bench -- --write-tables` also puts the table of a full run into
 * BENCHMARK.md, on purpose only, so that a plain run leaves the tree clean.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, Lab, mapLimit, openLab, ResourceState, runMain, startHost, TracedCall, withHost } from "../lab/lab";
import { countCalls, Counts, Floor, FLOORS, timesResources, verdict } from "./floor";
import { markdown } from "./report";
import type { BenchResult, CallRow, ColdStart, FleetRow, ScaleRow, Spread, TimingRow } from "./types";
import { callSet, Replay, scheduled } from "./replay";
import type { Key } from "../lab/fixtures";
import { ownerFor, ProviderHost, Props, urnOf } from "../lab/host";
import { RecordedCall, TIMESTREAM_QUOTAS } from "../lab/proxy";
import { ORIGINAL_KEY_TAG, OWNER_TAG } from "../provider/ownership";

const QUICK = process.env.BENCH_QUICK === "1";
const SCALE = QUICK ? [10, 20, 50] : [50, 200, 1000];
const TIMING_ROUNDS = QUICK ? 5 : 30;
const COLD_ROUNDS = QUICK ? 3 : 9;
const SCALE_ROUNDS = QUICK ? 2 : 3;
// Sixty write calls (two per adoption) at Timestream's one a second: a floor of a minute.
const FLEET = QUICK ? 10 : 30;
// Pulumi's default `--parallel` is 4 × GOMAXPROCS (the CPU count), or PULUMI_PARALLEL when set: see defaultParallel()
// in pulumi/pulumi pkg/cmd/pulumi/operations/up.go and pulumi/pulumi#14989. CLIs before that change were unbounded
// (math.MaxInt32, pulumi/pulumi#2123).
const PARALLEL = Number(process.env.PULUMI_PARALLEL) || 4 * os.availableParallelism();
// Loads fixtures into moto a few requests at a time; they are not measured.
const FIXTURE_PARALLEL = 8;
const RESULTS = path.join(__dirname, "results");
const WRITE_TABLES = process.argv.includes("--write-tables");

/** The keys every section uses: A (with an alias), B, and C (the databases' original key). */
interface Keys {
    readonly a: Key;
    readonly b: Key;
    readonly c: Key;
    readonly alias: string;
}

async function main(): Promise<void> {
    // Checked before the run: BENCHMARK.md shows full runs only.
    if (WRITE_TABLES && QUICK) {
        console.error("bench: --write-tables needs a full run; unset BENCH_QUICK");
        process.exitCode = 2;
        return;
    }
    const started = performance.now();
    const lab = await openLab();
    const [a, b, c] = [await lab.fx.createKey(), await lab.fx.createKey(), await lab.fx.createKey()];
    const keys: Keys = { a, b, c, alias: (await lab.fx.createAlias(a)).name };
    const note = (what: string) => console.error(`bench: ${what} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

    note("AWS calls per operation");
    const calls = await callsPerOperation(lab, keys);
    note("host vs its floor and a bare SDK script, timing");
    const timing = await hostVersusBaselines(lab, keys);
    note("cold start");
    const coldStart = await coldStarts(lab, keys);
    // Rounds outside, sizes inside: each round measures every size under the same conditions.
    const runs: ScaleRun[][] = [];
    for (let round = 0; round < SCALE_ROUNDS; round++) {
        const sizes: ScaleRun[] = [];
        for (const n of SCALE) {
            note(`scale, round ${round + 1} of ${SCALE_ROUNDS}, ${n} resources`);
            sizes.push(await scaleRun(lab, keys, n));
        }
        runs.push(sizes);
    }
    const scale = SCALE.map((_, i) => scaleRow(runs.map((sizes) => sizes[i])));
    const scaleGrowth = spread(runs.map((sizes) => sizes[sizes.length - 1].msPerResource / sizes[0].msPerResource));
    note(`fleet of ${FLEET} under Timestream's quotas`);
    const fleet = await fleetRun(lab, keys, FLEET);
    const result: BenchResult = {
        machine: machine(lab),
        date: new Date().toISOString(),
        quick: QUICK,
        elapsedS: Math.round((performance.now() - started) / 100) / 10,
        calls: [...calls, ...scale.map(scaleCallRow)],
        providerModuleBytes: Buffer.byteLength(lab.provider),
        timing,
        coldStart,
        scale,
        scaleGrowth,
        fleet,
    };
    const table = markdown(result);
    fs.mkdirSync(RESULTS, { recursive: true });
    // A quick smoke run must not replace the full run's results, which BENCHMARK.md shows.
    const base = QUICK ? "quick" : "latest";
    fs.writeFileSync(path.join(RESULTS, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`);
    fs.writeFileSync(path.join(RESULTS, `${base}.md`), table);
    if (WRITE_TABLES) {
        const wrote = spawnSync(process.execPath, [path.join(__dirname, "..", "scripts", "write-section.js"), "BENCHMARK.md", "bench"], { input: table, stdio: ["pipe", "inherit", "inherit"] });
        if (wrote.status !== 0) process.exitCode = 1;
    }
    console.log(table);
    console.log(`Written to ${path.relative(process.cwd(), RESULTS)}/${base}.json and ${base}.md${WRITE_TABLES ? " and BENCHMARK.md" : ""} in ${result.elapsedS} s.`);
}

/** The inputs a program would send for the resource `name`; `extra` adds inputs such as `recordOwnership`. */
function inputsFor(lab: Lab, name: string, databaseName: string, kmsKeyId: string, onDelete = "retain", extra: Props = {}): Props {
    return { __provider: lab.provider, databaseName, kmsKeyId, onDelete, owner: ownerFor(name), ...extra };
}

/**
 * (a) Each operation as one Pulumi command runs it: a fresh host, so no
 * DescribeKey answer is cached yet. The state each one starts from is made by
 * earlier commands, whose calls are not counted in the row.
 */
async function callsPerOperation(lab: Lab, keys: Keys): Promise<CallRow[]> {
    const rows: CallRow[] = [];
    /** Runs one command in a fresh host and records its calls as a row; returns what the command returns. */
    const command = async <T>(operation: string, floor: Floor, run: (engine: Engine) => Promise<T>): Promise<T> =>
        withHost(lab, async (host) => {
            const engine = new Engine(host, lab.proxy);
            const result = await run(engine);
            const counts = countCalls(engine.trace.flatMap((t) => t.aws));
            rows.push({ operation, engine: engine.trace.map((t) => t.method).join(" + "), counts, floor, verdict: verdict(counts, floor) });
            return result;
        });
    const up = (engine: Engine, state: ResourceState | undefined, inputs: Props) => engine.up(state?.name ?? "calls", state, inputs).then((r) => r.state);

    const first = (await lab.fx.createDatabase(keys.c.arn)).DatabaseName;
    let state = await command("create, key differs", FLOORS.createKeyDiffers, (e) => up(e, undefined, inputsFor(lab, "calls", first, keys.a.id)));
    const second = (await lab.fx.createDatabase(keys.a.arn)).DatabaseName;
    const retained = await command("create, key already set", FLOORS.createKeyAlreadySet, (e) =>
        e.up("calls-2", undefined, inputsFor(lab, "calls-2", second, keys.a.id)).then((r) => r.state),
    );
    // A create killed after its key write left its claim and the key on the database; the engine creates it again.
    const killed = await lab.fx.createDatabase(keys.a.arn);
    await lab.fx.tag(killed.Arn!, [
        { Key: OWNER_TAG, Value: ownerFor("calls-5") },
        { Key: ORIGINAL_KEY_TAG, Value: keys.c.arn },
    ]);
    await command("create again after a kill, its claim found", FLOORS.createAfterKill, (e) =>
        e.up("calls-5", undefined, inputsFor(lab, "calls-5", killed.DatabaseName, keys.a.id)).then((r) => r.state),
    );
    await command("diff, nothing changed", FLOORS.noChange, (e) => up(e, state, inputsFor(lab, "calls", first, keys.a.id)));
    await command("diff, same key given as its alias", FLOORS.sameKeyAsAlias, (e) => up(e, state, inputsFor(lab, "calls", first, keys.alias)));
    state = (await command("read (refresh)", FLOORS.read, (e) => e.refresh(state))).state!;
    state = await command("update, key differs", FLOORS.updateKeyDiffers, (e) => up(e, state, inputsFor(lab, "calls", first, keys.b.id)));
    state = await command("update, onDelete only, kmsKeyId a key ID", FLOORS.updateInputOnly, (e) => up(e, state, inputsFor(lab, "calls", first, keys.b.id, "restore")));
    // The same key given as its alias, then onDelete changed alone: diff and update each resolve the alias afresh.
    const aliased = await withHost(lab, (host) => new Engine(host).up("calls-2", retained, inputsFor(lab, "calls-2", second, keys.alias)));
    await command("update, onDelete only, kmsKeyId an alias", FLOORS.updateInputOnlyAlias, (e) =>
        e.up("calls-2", aliased.state, inputsFor(lab, "calls-2", second, keys.alias, "restore")).then((r) => r.state),
    );
    await command("delete, retain", FLOORS.deleteRetain, (e) => e.destroy(retained));
    await command("delete, restore", FLOORS.deleteRestore, (e) => e.destroy(state));

    // The same commands with the claim turned off cost what they cost before it existed.
    const unclaimed = { recordOwnership: false };
    const third = (await lab.fx.createDatabase(keys.c.arn)).DatabaseName;
    const fourth = (await lab.fx.createDatabase(keys.c.arn)).DatabaseName;
    const off = await command("create, key differs, recordOwnership: false", FLOORS.createKeyDiffersUnclaimed, (e) =>
        e.up("calls-3", undefined, inputsFor(lab, "calls-3", third, keys.a.id, "restore", unclaimed)).then((r) => r.state),
    );
    const offRetained = await withHost(lab, (host) => new Engine(host).up("calls-4", undefined, inputsFor(lab, "calls-4", fourth, keys.a.id, "retain", unclaimed)));
    await command("delete, retain, recordOwnership: false", FLOORS.deleteRetainUnclaimed, (e) => e.destroy(offRetained.state));
    await command("delete, restore, recordOwnership: false", FLOORS.deleteRestoreUnclaimed, (e) => e.destroy(off));

    // moto's default key is unknown to KMS DescribeKey; on AWS the default key (alias/aws/timestream) is describable.
    // Two resources adopt databases made on it, then someone puts the databases back on it out of band.
    const onDefaultKey = [await lab.fx.createDatabase(), await lab.fx.createDatabase()];
    const adopted = await withHost(lab, (host) =>
        Promise.all(onDefaultKey.map((db, i) => new Engine(host).up(`default-${i}`, undefined, inputsFor(lab, `default-${i}`, db.DatabaseName, keys.a.id)))),
    );
    for (const db of onDefaultKey) await lab.fx.setDatabaseKey(db.DatabaseName, db.KmsKeyId!);
    await command("read ×2 databases on a key KMS cannot describe (moto's default key)", timesResources(FLOORS.read, 2, true), async (e) => {
        for (const { state: s } of adopted) await e.refresh(s);
    });
    return rows;
}

/** The scale runs as call rows: N resources sharing one alias. */
function scaleCallRow(row: ScaleRow): CallRow {
    return { operation: `create ×${row.resources}, one shared alias`, engine: `(check + create) ×${row.resources}`, counts: row.counts, floor: row.floor, verdict: row.verdict };
}

/**
 * (c) Each operation through one warm host, timed from the engine's side of
 * the gRPC calls; the host's floor (the same gRPC calls to the same host, now
 * to a provider that only makes the AWS calls ours made) right before or right
 * after it; then a bare SDK script making those AWS calls. Round 0 warms caches and is dropped.
 */
async function hostVersusBaselines(lab: Lab, keys: Keys): Promise<TimingRow[]> {
    const replay = Replay.write(lab.project, lab.proxy.endpoint, lab.region);
    const samples = new Map<string, { host: number[]; floor: number[]; bare: number[]; aws: string[] }>();
    /** The engine calls each operation made in the round before, for a floor that runs first. */
    const before = new Map<string, TracedCall[]>();
    const time = async (run: () => Promise<unknown>) => {
        const t0 = performance.now();
        await run();
        return performance.now() - t0;
    };
    const host = await startHost(lab);
    const engine = new Engine(host, lab.proxy);
    const floorOf = (traced: TracedCall[]) =>
        sameCalls(lab, traced.flatMap((t) => t.calls), "the host's floor", () =>
            time(async () => {
                for (const call of traced) await replay.onHost(host, call);
            }),
        );
    const timed = async <T>(operation: string, round: number, run: () => Promise<T>): Promise<T> => {
        // Whichever runs first finds the host idle and pays about a millisecond for it: even rounds but round 0 run
        // the floor first, with the same operation's calls from the round before (another database, the same calls).
        const previous = round > 0 && round % 2 === 0 ? before.get(operation) : undefined;
        let floorMs = previous === undefined ? undefined : await floorOf(previous);
        engine.trace.length = 0;
        let result: T | undefined;
        const hostMs = await time(async () => (result = await run()));
        const traced = [...engine.trace];
        before.set(operation, traced);
        const made = traced.flatMap((t) => t.calls);
        // A floor that ran first timed the calls of the round before: they must be this round's calls too.
        const operations = (trace: TracedCall[]) => trace.flatMap((t) => t.aws).sort().join();
        if (previous !== undefined && operations(previous) !== operations(traced)) {
            throw new Error(`${operation}: the floor ran first with the round before's calls, but this round made others`);
        }
        floorMs ??= await floorOf(traced);
        const bareMs = await sameCalls(lab, made, "the bare SDK script", () => time(() => replay.bare(scheduled(made))));
        if (round > 0) {
            const s = samples.get(operation) ?? { host: [], floor: [], bare: [], aws: made.map((c) => c.operation) };
            s.host.push(hostMs);
            s.floor.push(floorMs);
            s.bare.push(bareMs);
            samples.set(operation, s);
        }
        return result as T;
    };
    try {
        for (let round = 0; round <= TIMING_ROUNDS; round++) {
            const db = (await lab.fx.createDatabase(keys.c.arn)).DatabaseName;
            const name = `timing-${round}`;
            let { state } = await timed("check + create, key differs", round, () => engine.up(name, undefined, inputsFor(lab, name, db, keys.a.id, "restore")));
            ({ state } = await timed("check + diff, nothing changed", round, () => engine.up(name, state, inputsFor(lab, name, db, keys.a.id, "restore"))));
            state = (await timed("read (refresh)", round, () => engine.refresh(state))).state!;
            ({ state } = await timed("check + diff + update, key differs", round, () => engine.up(name, state, inputsFor(lab, name, db, keys.b.id, "restore"))));
            await timed("delete, restore", round, () => engine.destroy(state));
        }
    } finally {
        await host.stop();
    }
    // Each baseline runs next to the host in the same round, so the ratios are taken per round.
    const per = (ours: number[], base: number[]) => spread(ours.map((h, i) => h / base[i]));
    return [...samples].map(([operation, s]) => {
        const floor = { operation, awsCalls: s.aws, hostMs: spread(s.host), floorMs: spread(s.floor), overFloor: per(s.host, s.floor) };
        return s.aws.length === 0 ? floor : { ...floor, bareMs: spread(s.bare), overBare: per(s.host, s.bare) };
    });
}

/** Runs a baseline and fails the bench unless it made the same AWS calls as the provider: else it measures nothing. */
async function sameCalls<T>(lab: Lab, made: readonly RecordedCall[], baseline: string, run: () => Promise<T>): Promise<T> {
    const from = lab.proxy.calls.length;
    const result = await run();
    const got = lab.proxy.calls.slice(from);
    if (callSet(got) !== callSet(made)) throw new Error(`${baseline} made ${callSet(got)}, not the provider's ${callSet(made)}`);
    return result;
}

/**
 * (d) Spawn to first successful check, with this provider and with an empty
 * one, alternating; the check names the key the state already has, so it makes
 * no AWS call and the time is the host's and the module's. Then the module's
 * own load time, measured inside a fresh node process in the project.
 */
async function coldStarts(lab: Lab, keys: Keys): Promise<ColdStart> {
    const emptyProvider = "exports.handler = () => ({ check: async (olds, news) => ({ inputs: news }) });";
    const news = (provider: string) => ({ __provider: provider, databaseName: "cold-start", kmsKeyId: keys.a.id, owner: ownerFor("cold-start") });
    const ours: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < COLD_ROUNDS; round++) {
        ours.push(await spawnToFirstCheck(lab, news(lab.provider)));
        baseline.push(await spawnToFirstCheck(lab, news(emptyProvider)));
    }
    const script = 'const t = process.hrtime.bigint(); require("pulumi-timestream-kms/lifecycle"); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';
    const loads = Array.from({ length: COLD_ROUNDS }, () => {
        const run = spawnSync(process.execPath, ["-e", script], { cwd: lab.project, encoding: "utf8", timeout: 60_000 });
        if (run.status !== 0) throw new Error(`loading the provider module failed: ${run.stderr}`);
        return Number(run.stdout);
    });
    return { providerMs: spread(ours), emptyProviderMs: spread(baseline), ratio: spread(ours.map((o, i) => o / baseline[i])), moduleLoadMs: spread(loads) };
}

async function spawnToFirstCheck(lab: Lab, inputs: Props): Promise<number> {
    const t0 = performance.now();
    const host = await startHost(lab);
    try {
        const { failures } = await host.check(urnOf("cold-start"), inputs, inputs);
        if (failures.length > 0) throw new Error(`cold-start check failed: ${JSON.stringify(failures)}`);
        return performance.now() - t0;
    } finally {
        await host.stop();
    }
}

/**
 * (e) N new resources sharing one alias through one host, each check then
 * create, at most PARALLEL in flight. Peak memory is the host's VmHWM.
 */
/** One scale run of `n` resources. */
interface ScaleRun {
    readonly resources: number;
    readonly totalMs: number;
    readonly msPerResource: number;
    readonly counts: Counts;
    readonly floor: Floor;
    readonly verdict: string;
    readonly baselineRssMiB?: number;
    readonly peakRssMiB?: number;
}

/** The rounds of one size: times as spreads; calls and memory from the round that did worst. */
function scaleRow(rounds: ScaleRun[]): ScaleRow {
    const worst = rounds.find((r) => r.verdict !== "at floor") ?? rounds[0];
    const most = (values: (number | undefined)[]) => (values.every((v) => v !== undefined) ? Math.max(...(values as number[])) : undefined);
    return {
        resources: worst.resources,
        parallel: PARALLEL,
        totalMs: spread(rounds.map((r) => r.totalMs)),
        msPerResource: spread(rounds.map((r) => r.msPerResource)),
        counts: worst.counts,
        floor: worst.floor,
        verdict: worst.verdict,
        baselineRssMiB: most(rounds.map((r) => r.baselineRssMiB)),
        peakRssMiB: most(rounds.map((r) => r.peakRssMiB)),
    };
}

async function scaleRun(lab: Lab, keys: Keys, n: number): Promise<ScaleRun> {
    const databases = await mapLimit(Array.from({ length: n }), FIXTURE_PARALLEL, async () => (await lab.fx.createDatabase(keys.c.arn)).DatabaseName);
    const host = await startHost(lab);
    try {
        // Loads the provider (no AWS call: the key is unchanged) so the baseline includes the module.
        const probe = inputsFor(lab, "scale-probe", "scale-probe", keys.alias);
        await host.check(urnOf("scale-probe"), probe, probe);
        const baselineRssMiB = peakRssMiB(host);
        const engine = new Engine(host);
        const from = lab.proxy.calls.length;
        const t0 = performance.now();
        await mapLimit(databases, PARALLEL, (db, i) => engine.up(`scale-${n}-${i}`, undefined, inputsFor(lab, `scale-${n}-${i}`, db, keys.alias)));
        const totalMs = performance.now() - t0;
        const counts = countCalls(lab.proxy.calls.slice(from).map((c) => c.operation));
        const floor = timesResources(FLOORS.createKeyDiffers, n);
        return {
            resources: n,
            totalMs,
            msPerResource: totalMs / n,
            counts,
            floor,
            verdict: verdict(counts, floor),
            baselineRssMiB,
            peakRssMiB: peakRssMiB(host),
        };
    } finally {
        await host.stop();
    }
}

/**
 * (f) N new resources through one host with Pulumi's default parallelism, against the proxy throttling Timestream at
 * its documented quotas (writes 1 a second, reads 5 a second, per account and region): how many fail (must be none)
 * and how close the total comes to the limits' floor.
 */
async function fleetRun(lab: Lab, keys: Keys, n: number): Promise<FleetRow> {
    const databases = await mapLimit(Array.from({ length: n }), FIXTURE_PARALLEL, async () => (await lab.fx.createDatabase(keys.c.arn)).DatabaseName);
    const host = await startHost(lab);
    const from = lab.proxy.calls.length;
    try {
        lab.proxy.limitRates(TIMESTREAM_QUOTAS);
        const engine = new Engine(host);
        const t0 = performance.now();
        const results = await mapLimit(databases, PARALLEL, (db, i) =>
            engine.up(`fleet-${i}`, undefined, inputsFor(lab, `fleet-${i}`, db, keys.a.id)).then(
                () => true,
                (error: Error) => (console.error(`bench: fleet-${i}: ${error.message}`), false),
            ),
        );
        const totalMs = performance.now() - t0;
        const timestream = lab.proxy.calls.slice(from).filter((c) => c.service === "timestream");
        const accepted = timestream.filter((c) => !c.throttled);
        const acceptedWrites = accepted.filter((c) => c.operation === "UpdateDatabase" || c.operation === "TagResource").length;
        const acceptedReads = accepted.length - acceptedWrites;
        const floorMs = 1000 * Math.max(acceptedWrites / TIMESTREAM_QUOTAS.writesPerSecond, acceptedReads / TIMESTREAM_QUOTAS.readsPerSecond);
        return {
            resources: n,
            parallel: PARALLEL,
            ...TIMESTREAM_QUOTAS,
            failures: results.filter((ok) => !ok).length,
            totalMs: round2(totalMs),
            acceptedWrites,
            acceptedReads,
            throttled: timestream.length - accepted.length,
            floorMs: round2(floorMs),
            writesPerResource: round2(acceptedWrites / n),
        };
    } finally {
        lab.proxy.limitRates(undefined);
        await host.stop();
    }
}

/** The host's peak resident set size (VmHWM) in MiB; undefined where /proc is missing. */
function peakRssMiB(host: ProviderHost): number | undefined {
    try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${host.process.pid}/status`, "utf8"))?.[1];
        return kb === undefined ? undefined : round2(Number(kb) / 1024);
    } catch {
        return undefined;
    }
}

function machine(lab: Lab): Record<string, string | number> {
    const moto = lab.startedMoto ? spawnSync("python3", ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8" }).stdout.trim() : "";
    return {
        cpu: os.cpus()[0]?.model ?? "unknown",
        cores: os.availableParallelism(),
        memoryGiB: round2(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()}`,
        node: process.version,
        pulumi: require("@pulumi/pulumi/package.json").version,
        moto: moto || (lab.startedMoto ? "unknown" : `external emulator at ${lab.upstream}`),
    };
}

/** Median, quartiles (linear interpolation between ranks) and extremes of `values`, rounded to 0.01. */
function spread(values: number[]): Spread {
    const sorted = [...values].sort((x, y) => x - y);
    const at = (q: number) => {
        const rank = q * (sorted.length - 1);
        const low = Math.floor(rank);
        return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (rank - low);
    };
    return { median: round2(at(0.5)), q1: round2(at(0.25)), q3: round2(at(0.75)), min: round2(sorted[0]), max: round2(sorted[sorted.length - 1]), rounds: sorted.length };
}

function round2(x: number): number {
    return Math.round(x * 100) / 100;
}

runMain(main);
