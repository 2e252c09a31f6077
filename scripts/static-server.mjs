// A small static file server on 127.0.0.1 for the demo (`npm run demo`) and the browser tests:
// URL prefixes map to folders of the repository, with the content types browsers insist on
// (application/wasm for streaming compilation, text/javascript for modules).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
};

/**
 * Serves `routes` (URL prefix → folder; the longest matching prefix wins, `/` for a folder's
 * index.html) and `generated` (exact path → () => bytes, for files made on the fly).
 * `crossOriginIsolated`: every response carries COOP same-origin and COEP require-corp, which a
 * page needs for SharedArrayBuffer (simdnet/threads).
 * Resolves to { url, port, close() } once listening; port 0 picks a free port.
 */
export async function startStaticServer({
  routes, generated = {}, host = '127.0.0.1', port = 0, log = () => {}, crossOriginIsolated = false,
}) {
  const isolation = crossOriginIsolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const reply = (status, body, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...isolation });
      response.end(request.method === 'HEAD' ? undefined : body);
      log(`${status} ${request.method} ${path}`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'only GET and HEAD\n');
    try {
      if (Object.hasOwn(generated, path)) return reply(200, await generated[path](), TYPES[extname(path)] ?? 'application/octet-stream');
      const prefix = prefixes.find((p) => path.startsWith(p));
      if (prefix === undefined) return reply(404, `not found: ${path}\n`);
      const folder = resolve(routes[prefix]);
      let file = resolve(folder, `.${sep}${path.slice(prefix.length)}`);
      if (file !== folder && !file.startsWith(folder + sep)) return reply(403, 'outside the served folder\n');
      if ((await stat(file).catch(() => undefined))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file).catch(() => undefined);
      if (body === undefined) return reply(404, `not found: ${path}\n`);
      return reply(200, body, TYPES[extname(file)] ?? 'application/octet-stream');
    } catch (error) {
      return reply(500, `${error?.message ?? error}\n`);
    }
  });
  await new Promise((done, fail) => server.once('error', fail).listen(port, host, done));
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}
