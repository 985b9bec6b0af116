/**
 * `deno task gamma`: the poster's convergence experiment. Binary weights initialised with
 * Kaiming normal and uniform scaled by each γ, trained vanilla and with AGS; one
 * accuracy-vs-epoch figure per (initialiser, method) (see `--help`).
 *
 * @module
 */
import { helpText, parseCli } from "./args.ts";
import type { INITS, Method } from "@ovsw/train";
import { type CliIo, processIo, runMain } from "./main.ts";
import { renderRuns } from "./report_setup.ts";
import { formatTable, pct } from "./_table.ts";
import type { SweepResult, SweepRun } from "./sweep.ts";
import { sweepTarget, withSweep } from "./sweep_task.ts";
import { GAMMA_TASK, toTrainConfig } from "./tasks.ts";

/** A run's directory name: `<init>-<method>-g<γ>`. */
function runName(init: string, method: string, gamma: number): string {
  return `${init}-${method}-g${gamma.toExponential().replace("+", "")}`;
}

/**
 * The gamma table: one row per γ, one column per (initialiser, method) with the final test
 * top-1 and the silent fraction.
 *
 * @example
 * ```ts
 * import { gammaTable } from "./gamma.ts";
 * console.log(typeof gammaTable); // function
 * ```
 */
export function gammaTable(results: SweepResult[], gammas: number[], groups: string[]): string {
  const head = ["γ", ...groups.map((g) => `${g} top-1 / silent`)];
  const rows = gammas.map((g) => [
    String(g),
    ...groups.map((group) => {
      const r = results.find((x) =>
        `${x.run.config.init} ${x.run.config.method}` === group && x.run.config.gamma === g
      );
      return r ? `${pct(r.summary.test_top1, 1)} / ${pct(r.summary.silent_fraction, 1)}` : "–";
    }),
  ]);
  return formatTable([head, ...rows]) + "\n";
}

/**
 * The `gamma` task: trains every (initialiser, method, γ) into `<out>/<name>/<run>`, renders
 * one report per (initialiser, method) with the accuracy-vs-epoch figure (`gamma.svg`), and
 * prints the table (or `--json`).
 *
 * @example
 * ```ts
 * import { gammaMain } from "./gamma.ts";
 * import { processIo } from "./main.ts";
 * console.log(await gammaMain(["--help"], processIo())); // 0
 * ```
 */
export async function gammaMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const args = await parseCli(GAMMA_TASK, argv);
  if (args.help) {
    io.out(helpText(GAMMA_TASK));
    return 0;
  }
  const base = toTrainConfig({ ...args.values, name: null, init: "default", gamma: 1 });
  const gammas = args.values.gammas as number[];
  const inits = args.values.inits as (typeof INITS)[number][];
  const methods = args.values.methods as Method[];
  const target = sweepTarget("gamma", base, args.values.name as string | null);
  const sweepDir = target.dir;
  const runs: SweepRun[] = [];
  for (const init of inits) {
    for (const method of methods) {
      for (const gamma of gammas) {
        const config = toTrainConfig({ ...args.values, name: null, init, method, gamma });
        runs.push({ name: runName(init, method, gamma), config });
      }
    }
  }
  return await withSweep(io, "gamma", target, runs, async (results) => {
    const figures: Record<string, string> = {};
    const groups: string[] = [];
    for (const init of inits) {
      for (const method of methods) {
        const group = results.filter((r) =>
          r.run.config.init === init && r.run.config.method === method
        );
        const out = `${sweepDir}/report-${init}-${method}`;
        const rep = await renderRuns(group.map((r) => r.dir), out);
        const fig = rep.figures.find((f) => f.name === "gamma");
        figures[`${init} ${method}`] = fig?.path ?? rep.html;
        groups.push(`${init} ${method}`);
      }
    }
    const json = {
      sweep_dir: sweepDir,
      figures,
      runs: results.map((r) => ({
        ...r.summary,
        init: r.run.config.init,
        gamma: r.run.config.gamma,
      })),
    };
    await Deno.writeTextFile(`${sweepDir}/gamma.json`, JSON.stringify(json, null, 2) + "\n");
    const table = gammaTable(results, gammas, groups);
    await Deno.writeTextFile(`${sweepDir}/gamma.txt`, table);
    const list = Object.entries(figures).map(([g, p]) => `figure (${g}): ${p}`).join("\n");
    io.out(args.values.json ? JSON.stringify(json) + "\n" : `${table}\n${list}\n`);
    return 0;
  });
}

if (import.meta.main) await runMain((io) => gammaMain(Deno.args, io));
