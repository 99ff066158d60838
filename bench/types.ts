/** What a bench run measures: the shapes bench.ts fills in, report.ts prints, and results/*.json hold. */
import type { Counts, Floor } from "./floor";

/** One row of the call table. */
export interface CallRow {
    readonly operation: string;
    /** The engine's gRPC calls, e.g. "check + create". */
    readonly engine: string;
    readonly counts: Counts;
    readonly floor: Floor;
    readonly verdict: string;
}

/** A repeated measurement: its median, quartiles and extremes over the rounds. */
export interface Spread {
    readonly median: number;
    readonly q1: number;
    readonly q3: number;
    readonly min: number;
    readonly max: number;
    readonly rounds: number;
}

/** Host time vs its floor and vs a bare SDK script, in ms; each ratio is taken within each round. */
export interface TimingRow {
    readonly operation: string;
    readonly awsCalls: string[];
    readonly hostMs: Spread;
    /** The same gRPC calls through the same host to a provider that only makes the same AWS calls. */
    readonly floorMs: Spread;
    readonly overFloor: Spread;
    /** The same AWS calls sent by a bare SDK script; undefined when the operation makes no AWS call. */
    readonly bareMs?: Spread;
    readonly overBare?: Spread;
}

export interface ColdStart {
    readonly providerMs: Spread;
    readonly emptyProviderMs: Spread;
    /** This provider / the empty one, taken within each round (the two run back to back). */
    readonly ratio: Spread;
    readonly moduleLoadMs: Spread;
}

export interface ScaleRow {
    readonly resources: number;
    readonly parallel: number;
    readonly totalMs: Spread;
    readonly msPerResource: Spread;
    readonly counts: Counts;
    readonly floor: Floor;
    readonly verdict: string;
    /** Host VmHWM after loading the provider, before the resources. */
    readonly baselineRssMiB?: number;
    /** Host VmHWM after all resources. */
    readonly peakRssMiB?: number;
}

/** N creates through one host under Timestream's documented quotas, enforced by the lab proxy. */
export interface FleetRow {
    readonly resources: number;
    readonly parallel: number;
    readonly writesPerSecond: number;
    readonly readsPerSecond: number;
    /** Creates that failed; must be 0. */
    readonly failures: number;
    readonly totalMs: number;
    /** Timestream calls AWS accepted (the proxy forwarded), by kind; and the answers it throttled. */
    readonly acceptedWrites: number;
    readonly acceptedReads: number;
    readonly throttled: number;
    /** The larger of accepted writes / write rate and accepted reads / read rate: no client can finish sooner. */
    readonly floorMs: number;
    /** Write calls one adoption makes (the claim's TagResource and UpdateDatabase). */
    readonly writesPerResource: number;
}

export interface BenchResult {
    readonly machine: Record<string, string | number>;
    readonly date: string;
    readonly quick: boolean;
    readonly elapsedS: number;
    readonly calls: CallRow[];
    readonly providerModuleBytes: number;
    readonly timing: TimingRow[];
    readonly coldStart: ColdStart;
    readonly scale: ScaleRow[];
    /** Time per resource of the largest run / the smallest, taken within each round. */
    readonly scaleGrowth?: Spread;
    readonly fleet: FleetRow;
}
