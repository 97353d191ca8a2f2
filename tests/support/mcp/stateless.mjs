// A server of the stateless MCP revision (2026-07-28) only, built with the
// official TypeScript SDK v2: it refuses `initialize` and answers
// `server/discover`. `node stateless.mjs` serves stdio; `node stateless.mjs
// http` serves Streamable HTTP on 127.0.0.1 (a free port, printed as
// `listening on PORT`). With MARK set, a cancelled `slow` call writes the
// time (ms since the epoch) to that file, so a test sees when it arrived.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The packages live in .cache/npm (tests/support/setup installs them).
const require = createRequire(new URL('../../../.cache/npm/package.json', import.meta.url));
const load = name => import(pathToFileURL(require.resolve(name)).href);
const { createMcpHandler, McpServer } = await load('@modelcontextprotocol/server');
const { serveStdio } = await load('@modelcontextprotocol/server/stdio');
const z = await load('zod/v4');

const TINY_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function build() {
  const server = new McpServer({ name: 'stateless-test', version: '1.0.0' }, { capabilities: { tools: {}, prompts: {} } });
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: `The sum of ${a} and ${b} is ${a + b}.` }] })
  );
  server.registerTool(
    'pixel',
    { description: 'Returns a one-pixel image', inputSchema: z.object({}) },
    async () => ({ content: [{ type: 'image', mimeType: 'image/png', data: TINY_PNG }] })
  );
  server.registerTool(
    'slow',
    { description: 'Counts to `steps`, a second a step, reporting progress', inputSchema: z.object({ steps: z.number() }) },
    async ({ steps }, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      // When the cancellation arrived, in ms since the epoch.
      ctx.mcpReq.signal.addEventListener('abort', () => {
        if (process.env.MARK) writeFileSync(process.env.MARK, String(Date.now()));
      });
      for (let i = 1; i <= steps; i++) {
        await new Promise(r => setTimeout(r, 1000));
        if (ctx.mcpReq.signal.aborted) return { content: [{ type: 'text', text: 'cancelled' }] };
        if (token !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}` }
          });
        }
      }
      return { content: [{ type: 'text', text: `counted to ${steps}` }] };
    }
  );
  server.registerPrompt(
    'greet',
    { description: 'Greets someone by name', argsSchema: z.object({ name: z.string() }) },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }] })
  );
  return server;
}

if (process.argv[2] === 'http') {
  const handler = createMcpHandler(build, { legacy: 'reject' });
  const srv = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const ctrl = new AbortController();
    res.on('close', () => ctrl.abort());
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      signal: ctrl.signal
    });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return res.end();
    try {
      for await (const chunk of response.body) res.write(chunk);
    } catch {}
    res.end();
  });
  srv.listen(0, '127.0.0.1', () => console.log(`listening on ${srv.address().port}`));
} else {
  serveStdio(build, { legacy: 'reject' });
}
