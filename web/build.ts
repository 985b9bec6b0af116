/**
 * Builds the static page into a directory: `app.js` (bundled by `deno bundle` from
 * `web/app.ts` and `@ovsw/infer`), `index.html`, the shipped `model.ovsw` and
 * `test_images.bin` (the first test images of the embedded Fashion-MNIST subset).
 *
 * `deno task web:build [--out web/dist] [--model web/model.ovsw] [--images 100] [--serve]`
 *
 * @module
 */
import { loadData } from "@ovsw/data";
import { encodeTestImages } from "./test_images.ts";
import { serveStatic } from "./serve.ts";

/** Options of {@link buildSite}. */
export interface BuildOptions {
  /** The export to ship (default: `web/model.ovsw`). */
  model?: string;
  /** How many embedded test images the page carries (default 100). */
  images?: number;
}

const here = (p: string) => new URL(p, import.meta.url).pathname;

/**
 * Builds the page into `out`.
 *
 * @example (runs `deno bundle`, so it needs `--allow-run`: not run as a doc test)
 * ```ts ignore
 * import { buildSite } from "./build.ts";
 * await buildSite(await Deno.makeTempDir());
 * ```
 */
export async function buildSite(out: string, options: BuildOptions = {}): Promise<void> {
  await Deno.mkdir(out, { recursive: true });
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "--minify", "-o", `${out}/app.js`, here("./app.ts")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!bundle.success) {
    throw new Error(`deno bundle web/app.ts failed:\n${new TextDecoder().decode(bundle.stderr)}`);
  }
  await Deno.copyFile(here("./index.html"), `${out}/index.html`);
  const model = options.model ?? here("./model.ovsw");
  try {
    await Deno.copyFile(model, `${out}/model.ovsw`);
  } catch (e) {
    throw new Error(`cannot copy the model ${model}: ${(e as Error).message}`);
  }
  const data = await loadData({ trainLimit: 1, testLimit: options.images ?? 100 });
  const t = data.test;
  await Deno.writeFile(
    `${out}/test_images.bin`,
    encodeTestImages({
      count: t.count,
      shape: [t.channels, t.height, t.width],
      labels: t.labels,
      pixels: t.images,
    }),
  );
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = Deno.args.indexOf(`--${name}`);
    return i >= 0 ? Deno.args[i + 1] : undefined;
  };
  const out = arg("out") ?? here("./dist");
  await buildSite(out, { model: arg("model"), images: Number(arg("images") ?? 100) });
  console.log(`built ${out}`);
  if (Deno.args.includes("--serve")) {
    const server = serveStatic(out, Number(arg("port") ?? 8000));
    console.log(`serving ${out} at ${server.url} (Ctrl-C stops)`);
  }
}
