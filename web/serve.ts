/**
 * A minimal static file server for the built page (127.0.0.1 only).
 *
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  bin: "application/octet-stream",
  ovsw: "application/octet-stream",
  png: "image/png",
};

/** A running server: its base URL and how to stop it. */
export interface StaticServer {
  /** e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves the files of `dir` (no directory listing; `/` is `index.html`) on 127.0.0.1.
 *
 * @example (needs `--allow-net=127.0.0.1`, so not run as a doc test)
 * ```ts ignore
 * import { serveStatic } from "./serve.ts";
 * const server = serveStatic("web/dist", 0);
 * console.log(await (await fetch(server.url)).text()); // the page
 * await server.close();
 * ```
 */
export function serveStatic(dir: string, port = 8000): StaticServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const rel = path === "/" ? "index.html" : path.slice(1);
    if (rel.split("/").some((p) => p === ".." || p === "")) {
      return new Response("bad path", { status: 400 });
    }
    try {
      const body = await Deno.readFile(`${dir}/${rel}`);
      const type = TYPES[rel.split(".").pop() ?? ""] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    close: () => server.shutdown(),
  };
}
