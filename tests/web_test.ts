/**
 * The browser page in headless Chromium (WebGPU through SwiftShader): it loads the shipped
 * vgg-small-28 export, classifies its embedded test images, and its accuracy and per-image
 * predictions must equal `@ovsw/infer`'s in Deno. Saves a screenshot (to `$OVSW_WEB_SCREENSHOT`
 * if set). Needs Debian's `chromium` (or `$CHROME_PATH`): missing, the test fails saying so.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert";
import puppeteer from "puppeteer-core";
import type { BnnModel } from "@ovsw/infer";
import { loadModelFile } from "@ovsw/infer/deno";
import { buildSite } from "../web/build.ts";
import { serveStatic } from "../web/serve.ts";
import { decodeTestImages } from "../web/test_images.ts";

const CHROME_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
];

async function findChromium(): Promise<string> {
  const env = Deno.env.get("CHROME_PATH");
  for (const p of env ? [env] : CHROME_CANDIDATES) {
    if (await Deno.stat(p).then((s) => s.isFile, () => false)) return p;
  }
  throw new Error(
    `no Chromium found (looked for ${env ?? CHROME_CANDIDATES.join(", ")}): install Debian's ` +
      "chromium package (apt-get install chromium) or set CHROME_PATH",
  );
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-webgpu-adapter=swiftshader",
  "--disable-gpu-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

Deno.test({
  name: "web: the page classifies its test images like @ovsw/infer in Deno",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const executablePath = await findChromium();
    const dir = await Deno.makeTempDir();
    const profile = await Deno.makeTempDir();
    const server = { close: async () => {} };
    let browser: Awaited<ReturnType<typeof puppeteer.launch>> | null = null;
    try {
      await buildSite(`${dir}/site`);
      const s = serveStatic(`${dir}/site`, 0);
      server.close = s.close;
      browser = await puppeteer.launch({
        executablePath,
        args: [...FLAGS, `--user-data-dir=${profile}`],
        headless: true,
      });
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 720 });
      const logs: string[] = [];
      page.on("console", (m) => logs.push(m.text()));
      await page.goto(s.url);
      // Page-side code as strings: this file is type-checked without the DOM library.
      await page.waitForFunction('["done", "error"].includes(document.body.dataset.state)', {
        timeout: 300_000,
      });
      const state = JSON.parse(
        await page.evaluate(`JSON.stringify({ state: document.body.dataset.state,
          error: globalThis.ovswError ?? null, result: globalThis.ovswResult ?? null })`) as string,
      );
      assertEquals(state.state, "done", `page failed: ${state.error} ${logs.join(" | ")}`);
      const result = state.result as { count: number; accuracy: number; predictions: number[] };
      // Draw a trouser-like shape on the pad and classify it: the drawing path works too.
      const pad = (await page.$("#pad"))!;
      const box = (await pad.boundingBox())!;
      for (const x0 of [0.38, 0.62]) {
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.12);
        await page.mouse.down();
        for (let k = 1; k <= 12; k++) {
          const f = k / 12;
          const x = 0.5 + (x0 - 0.5) * f;
          await page.mouse.move(box.x + box.width * x, box.y + box.height * (0.12 + 0.76 * f));
        }
        await page.mouse.up();
      }
      await page.evaluate('document.getElementById("latency").textContent = ""');
      await page.click("#classify");
      await page.waitForFunction('document.getElementById("latency").textContent.includes("ms")');
      const shot = Deno.env.get("OVSW_WEB_SCREENSHOT") ?? `${dir}/web-screenshot.png`;
      await page.screenshot({ path: shot as `${string}.png` });
      assert((await Deno.stat(shot)).size > 1000, "screenshot written");

      const images = decodeTestImages(await Deno.readFile(`${dir}/site/test_images.bin`));
      const model: BnnModel = await loadModelFile(`${dir}/site/model.ovsw`);
      try {
        const { predictions } = await model.classify(images.pixels, images.count);
        const correct = predictions.filter((p, i) => p === images.labels[i]).length;
        assertEquals(result.count, images.count);
        assertEquals(result.predictions, [...predictions], "per-image top-1 equals Deno's");
        assertEquals(result.accuracy, correct / images.count, "accuracy equals Deno's");
      } finally {
        model.dispose();
      }
    } finally {
      await browser?.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
