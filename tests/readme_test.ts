/**
 * The README and docs/ show code that works: every ```ts block in README.md and docs/*.md
 * type-checks, and the README's training loop (the block after `<!-- example:training-loop -->`)
 * runs verbatim on a few embedded images (`IMAGES=64`).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MARKER = "<!-- example:training-loop -->";

/** The Markdown files whose TypeScript blocks must compile. */
async function markdownFiles(): Promise<string[]> {
  const files = ["README.md"];
  for await (const e of Deno.readDir(join(ROOT, "docs"))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(join("docs", e.name));
  }
  return files.sort();
}

/** The first ```ts block after `marker` in `markdown`. */
function blockAfter(markdown: string, marker: string): string {
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker} marker`);
  const m = /```ts\n([\s\S]*?)```/.exec(markdown.slice(at));
  if (!m) throw new Error(`README.md has no \`\`\`ts block after ${marker}`);
  return m[1];
}

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, env }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("blockAfter finds the block after the marker", () => {
  const md = "```ts\nfirst\n```\n<!-- m -->\ntext\n```ts\nsecond\n```\n";
  if (blockAfter(md, "<!-- m -->") !== "second\n") throw new Error("wrong block");
});

Deno.test("every ts block in README.md and docs/*.md type-checks", async () => {
  const files = await markdownFiles();
  const { code, text } = await deno(["check", "--quiet", "--doc-only", ...files]);
  if (code !== 0) throw new Error(`deno check --doc-only ${files.join(" ")}:\n${text}`);
});

Deno.test("the README's training loop runs verbatim", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const code = blockAfter(readme, MARKER);
  for (const needed of ["trainStep(", "evaluate(", "FlipCollector", "ags(", "adam(", "clipBy"]) {
    if (!code.includes(needed)) throw new Error(`the README example no longer uses ${needed}`);
  }
  // Inside the repository, so the root deno.json's workspace resolves the @ovsw/* imports.
  const file = await Deno.makeTempFile({
    dir: join(ROOT, "tests"),
    prefix: ".readme_example_",
    suffix: ".ts",
  });
  try {
    await Deno.writeTextFile(file, code);
    const { code: exit, text } = await deno(
      ["run", "--quiet", "--allow-read", "--allow-env", file],
      { IMAGES: "64" },
    );
    if (exit !== 0) throw new Error(`the README example exited with ${exit}:\n${text}`);
    if (!/epoch 2: top-1 [\d.]+%, silent [\d.]+%/.test(text)) {
      throw new Error(`the README example printed no epoch-2 line:\n${text}`);
    }
  } finally {
    await Deno.remove(file);
  }
});
