/** The Markdown BENCHMARK.md holds: every number comes from a {@link BenchResult} of a run. */
import { COUNTED, floorText } from "./floor";
import type { BenchResult, FleetRow, ScaleRow, Spread } from "./types";

/** "9.33 ms (8.9–10.1)": the median, then the interquartile range, or min–max for fewer than 5 rounds. */
function spreadText(x: Spread, unit: string): string {
    const [low, high] = x.rounds >= 5 ? [x.q1, x.q3] : [x.min, x.max];
    return `${x.median}${unit} (${low}–${high})`;
}

/** A ratio with its spread; a spread that includes 1 is no measurable difference, and says so. */
function ratioText(x: Spread): string {
    const [low, high] = x.rounds >= 5 ? [x.q1, x.q3] : [x.min, x.max];
    return `${spreadText(x, "×")}${low <= 1 && high >= 1 ? ", no clear difference" : ""}`;
}

/** The whole report: machine line, call table, timing table, cold start, scale table and growth. */
export function markdown(r: BenchResult): string {
    const m = r.machine;
    const lines = [
        "### Benchmark (`npm run bench`)",
        "",
        `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; @pulumi/pulumi ${m.pulumi}; moto ${m.moto}. ` +
            `${r.date.slice(0, 10)}, ${r.quick ? "quick run (BENCH_QUICK=1)" : "full run"}, ${r.elapsedS} s. ` +
            "Times are medians over rounds, with the interquartile range in parentheses (min–max where fewer than 5 rounds); " +
            "ratios are taken within each round, between measurements made back to back.",
        "",
        "**AWS calls** per Pulumi command, each in a fresh provider host as the engine starts one per command. " +
            "Floor: issue #4, with at most one DescribeKey per engine call that decides a write (#6, #10), and per key and provider process for refresh; " +
            "the ownership claim's tag calls (#17): ListTagsForResource before every write, TagResource when adopting, UntagResource when deleting; " +
                "the claim read back with ListTagsForResource after TagResource, and at most one DescribeKey of the original key a claim found without a state records (#23).",
        "",
        `| Operation | Engine calls | ${COUNTED.join(" | ")} | Other | Floor | vs floor |`,
        `|---|---|${COUNTED.map(() => "--:|").join("")}--:|---|---|`,
        ...r.calls.map((c) => `| ${c.operation} | ${c.engine} | ${COUNTED.map((op) => c.counts[op]).join(" | ")} | ${c.counts.other} | ${floorText(c.floor)} | ${c.verdict} |`),
        "",
        `**Time**, ${r.timing[0]?.hostMs.rounds} rounds: host = the engine's gRPC calls to a warm host; host floor = the same gRPC calls ` +
            "through the same host to a provider that only makes the AWS calls ours made (what the host and those calls cost, whatever the provider); " +
            "bare SDK = the same AWS calls sent by a plain SDK script, in the order the provider sent them. All three go through the same proxy. " +
            "The floor runs right after the host in odd rounds and right before it in even ones (with the round before's calls), since whichever runs first finds the host idle; the bare script runs last.",
        "",
        "| Operation | AWS calls | Host | Host floor | Host / floor | Bare SDK | Host / bare |",
        "|---|---|--:|--:|--:|--:|--:|",
        ...r.timing.map(
            (t) =>
                `| ${t.operation} | ${t.awsCalls.join(", ") || "none"} | ${spreadText(t.hostMs, " ms")} | ${spreadText(t.floorMs, " ms")} | ${ratioText(t.overFloor)} | ` +
                `${t.bareMs === undefined ? "–" : spreadText(t.bareMs, " ms")} | ${t.overBare === undefined ? "–" : ratioText(t.overBare)} |`,
        ),
        "",
        `Provider module stored in each resource's state: **${r.providerModuleBytes} bytes**. ` +
            `Host cold start to the first check, ${r.coldStart.providerMs.rounds} rounds: **${spreadText(r.coldStart.providerMs, " ms")}** with this provider, ` +
            `${spreadText(r.coldStart.emptyProviderMs, " ms")} with an empty one (**${ratioText(r.coldStart.ratio)}**); loading ` +
            `\`pulumi-timestream-kms/lifecycle\` itself takes **${spreadText(r.coldStart.moduleLoadMs, " ms")}** in a fresh node process.`,
        "",
        `**Scale**: N resources sharing one alias, check + create each, through one host with ${r.scale[0]?.parallel} operations in flight ` +
            `(Pulumi's default \`--parallel\`: 4 × CPUs), ${r.scale[0]?.totalMs.rounds} rounds; calls and memory from the round that did worst.`,
        "",
        "| Resources | Total | Per resource | AWS calls | DescribeKey | Host peak RSS | vs floor |",
        "|--:|--:|--:|--:|--:|--:|---|",
        ...r.scale.map(
            (s) =>
                `| ${s.resources} | ${spreadText(s.totalMs, " ms")} | ${spreadText(s.msPerResource, " ms")} | ${total(s)} | ${s.counts.DescribeKey} | ${s.peakRssMiB ?? "?"} MiB | ${s.verdict} |`,
        ),
        "",
        growth(r.scale, r.scaleGrowth),
        "",
        fleetText(r.fleet),
        "",
    ];
    return lines.join("\n");
}

function total(s: ScaleRow): number {
    return COUNTED.reduce((sum, op) => sum + s.counts[op], s.counts.other);
}

/** How time and memory grow from the smallest to the largest run. */
function growth(scale: ScaleRow[], perResource?: Spread): string {
    const [small, large] = [scale[0], scale[scale.length - 1]];
    if (small === undefined || large === small) return "";
    const times = (x: number, y: number) => `×${(y / x).toFixed(2)}`;
    const memory =
        small.peakRssMiB !== undefined && large.peakRssMiB !== undefined && large.baselineRssMiB !== undefined
            ? `; host peak RSS ${times(small.peakRssMiB, large.peakRssMiB)} ` +
              `(${(((large.peakRssMiB - large.baselineRssMiB) * 1024) / large.resources).toFixed(1)} KiB per resource above the ${large.baselineRssMiB} MiB of a host with the provider loaded)`
            : "";
    return (
        `From ${small.resources} to ${large.resources} resources (${times(small.resources, large.resources)}): ` +
        `total time ${times(small.totalMs.median, large.totalMs.median)}, time per resource ${perResource ? ratioText(perResource) : times(small.msPerResource.median, large.msPerResource.median)}${memory}.`
    );
}

/** The fleet row: failures, the total against the limits' floor, and what a fleet of 100 costs at that pace. */
function fleetText(f: FleetRow): string {
    const ratio = f.totalMs / f.floorMs;
    const hundred = (100 * f.writesPerResource) / f.writesPerSecond;
    return (
        `**Fleet under throttling**: ${f.resources} creates through one host, ${f.parallel} in flight (Pulumi's default \`--parallel\`), against the proxy ` +
        `throttling Timestream at its documented quotas (writes ${f.writesPerSecond} a second, reads ${f.readsPerSecond} a second, per account and region), one run.\n\n` +
        "| Resources | Failures | Total | Accepted writes / reads | Throttled answers | Limits' floor | Total / floor |\n" +
        "|--:|--:|--:|--:|--:|--:|--:|\n" +
        `| ${f.resources} | ${f.failures} | ${(f.totalMs / 1000).toFixed(1)} s | ${f.acceptedWrites} / ${f.acceptedReads} | ${f.throttled} | ` +
        `${(f.floorMs / 1000).toFixed(1)} s | ${ratio.toFixed(2)}× |\n\n` +
        `One adoption makes ${f.writesPerResource} write calls (the claim's TagResource and UpdateDatabase), so at one write a second a fleet of 100 ` +
        `needs at least ${hundred.toFixed(0)} s; at this run's pace, about ${((hundred * ratio) / 60).toFixed(1)} minutes.`
    );
}
