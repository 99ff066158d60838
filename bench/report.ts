/** The Markdown the README includes: every number comes from a {@link BenchResult} of a run. */
import { floorText } from "./floor";
import type { BenchResult, ScaleRow } from "./bench";

/** The whole report: machine line, call table, timing table, cold start, scale table and growth. */
export function markdown(r: BenchResult): string {
    const m = r.machine;
    const lines = [
        "### Benchmark (`npm run bench`)",
        "",
        `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; @pulumi/pulumi ${m.pulumi}; moto ${m.moto}. ` +
            `${r.date.slice(0, 10)}, ${r.quick ? "quick run (BENCH_QUICK=1)" : "full run"}, ${r.elapsedS} s.`,
        "",
        "**AWS calls** per Pulumi command, each in a fresh provider host as the engine starts one per command. " +
            "Floor: issue #4, with at most one DescribeKey per engine call that decides a write (#6, #10), and per key and provider process for refresh.",
        "",
        "| Operation | Engine calls | DescribeDatabase | UpdateDatabase | DescribeKey | Other | Floor | vs floor |",
        "|---|---|--:|--:|--:|--:|---|---|",
        ...r.calls.map(
            (c) =>
                `| ${c.operation} | ${c.engine} | ${c.counts.DescribeDatabase} | ${c.counts.UpdateDatabase} | ${c.counts.DescribeKey} | ${c.counts.other} | ${floorText(c.floor)} | ${c.verdict} |`,
        ),
        "",
        "**Time**, medians: host = the engine's gRPC calls to a warm host; bare SDK = the same AWS calls replayed by a plain SDK script through the same proxy.",
        "",
        "| Operation | AWS calls | Host | Bare SDK | Host / bare |",
        "|---|---|--:|--:|--:|",
        ...r.timing.map(
            (t) =>
                `| ${t.operation} | ${t.awsCalls.join(", ") || "none"} | ${t.hostMs} ms | ${t.bareMs === undefined ? "–" : `${t.bareMs} ms`} | ${t.ratio === undefined ? "–" : `${t.ratio}×`} |`,
        ),
        "",
        `Serialized provider stored in each resource's state: **${r.serializedProviderBytes} bytes**. ` +
            `Host cold start to the first check: **${r.coldStart.providerMs} ms** with this provider, ${r.coldStart.emptyProviderMs} ms with an empty one ` +
            `(**${r.coldStart.ratio}×**); loading \`pulumi-timestream-kms/lifecycle\` itself takes **${r.coldStart.moduleLoadMs} ms** in a fresh node process.`,
        "",
        `**Scale**: N resources sharing one alias, check + create each, through one host with ${r.scale[0]?.parallel} operations in flight ` +
            "(Pulumi's default `--parallel`: 4 × CPUs).",
        "",
        "| Resources | Total | Per resource | AWS calls | DescribeKey | Host peak RSS | vs floor |",
        "|--:|--:|--:|--:|--:|--:|---|",
        ...r.scale.map(
            (s) =>
                `| ${s.resources} | ${(s.totalMs / 1000).toFixed(2)} s | ${s.msPerResource} ms | ${total(s)} | ${s.counts.DescribeKey} | ${s.peakRssMiB ?? "?"} MiB | ${s.verdict} |`,
        ),
        "",
        growth(r.scale),
        "",
    ];
    return lines.join("\n");
}

function total(s: ScaleRow): number {
    return s.counts.DescribeDatabase + s.counts.UpdateDatabase + s.counts.DescribeKey + s.counts.other;
}

/** How time and memory grow from the smallest to the largest run. */
function growth(scale: ScaleRow[]): string {
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
        `total time ${times(small.totalMs, large.totalMs)}, time per resource ${times(small.msPerResource, large.msPerResource)}${memory}.`
    );
}
