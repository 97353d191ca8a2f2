// An ACP test client on the official SDK: spawns `$WISP_BIN acp`, runs one
// scenario, prints every message wisp sent as a JSON line ({"recv": msg}),
// and checks each against the SDK's schema/v1/schema.json ({"schemaError": ...}).
//
// Scenarios: prompts (ACP_PROMPTS separated by "|", permission answers from
// ACP_ANSWERS, optional ACP_MODE set first), cancel (session/cancel after the
// first message chunk), raw (string ids, a garbage line, cwds
// that must be refused: ".", "/", $HOME; each printed as {"badCwd", "error"}).
// With ACP_LOAD set, the prompts scenario loads that session instead of
// starting one (after listing the sessions: {"list": ...}); it prints
// {"session": id} either way. ACP_CAPS="fs,terminal" advertises the client's
// file system and terminals: reads return ACP_BUFFER ("relpath=text") for
// that file (else the disk's), writes are kept and printed ({"clientWrite"}),
// and a terminal "runs" a command by echoing it ({"terminal": method}).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

// The SDK is installed by tests/support/setup under .cache/npm.
const require = createRequire(new URL("../../.cache/npm/package.json", import.meta.url));
const acp = await import(pathToFileURL(require.resolve("@agentclientprotocol/sdk")).href);
const schemaPath = new URL("../../.cache/npm/node_modules/@agentclientprotocol/sdk/schema/v1/schema.json", import.meta.url);
const defs = JSON.parse(readFileSync(schemaPath, "utf8")).$defs;
const out = (v) => process.stdout.write(JSON.stringify(v) + "\n");
let failed = false;

// A small JSON Schema validator: the keywords schema.json uses.
function check(v, s, path, errs) {
  if (s === true || s === undefined) return;
  if (s.$ref) return check(v, defs[s.$ref.replace("#/$defs/", "")], path, errs);
  const type = (x) => (x === null ? "null" : Array.isArray(x) ? "array" : Number.isInteger(x) ? "integer" : typeof x);
  if (s.type) {
    const ts = [].concat(s.type);
    const t = type(v);
    if (!ts.includes(t) && !(t === "integer" && ts.includes("number"))) return errs.push(`${path}: ${t} is not ${ts}`);
  }
  if ("const" in s && v !== s.const) errs.push(`${path}: ${JSON.stringify(v)} is not ${JSON.stringify(s.const)}`);
  if (s.enum && !s.enum.includes(v)) errs.push(`${path}: ${JSON.stringify(v)} not in enum`);
  if (typeof v === "number" && s.minimum !== undefined && v < s.minimum) errs.push(`${path}: below minimum`);
  for (const sub of s.allOf || []) check(v, sub, path, errs);
  const matching = (subs) => subs.filter((sub) => { const e = []; check(v, sub, path, e); return e.length === 0; }).length;
  if (s.anyOf && matching(s.anyOf) === 0) errs.push(`${path}: matches none of anyOf`);
  if (s.oneOf && matching(s.oneOf) !== 1) errs.push(`${path}: matches ${matching(s.oneOf)} of oneOf`);
  if (v && typeof v === "object" && !Array.isArray(v)) {
    for (const r of s.required || []) if (!(r in v)) errs.push(`${path}: missing ${r}`);
    for (const [k, ps] of Object.entries(s.properties || {})) if (k in v) check(v[k], ps, `${path}.${k}`, errs);
  }
  if (Array.isArray(v) && s.items) v.forEach((x, i) => check(x, s.items, `${path}[${i}]`, errs));
}

const def = (method, suffix, side) =>
  Object.entries(defs).find(([n, d]) => d["x-method"] === method && n.endsWith(suffix) && d["x-side"] === side)?.[1];
const sentMethods = new Map();

function validate(msg) {
  const errs = [];
  if (msg.jsonrpc !== "2.0") errs.push("jsonrpc is not 2.0");
  if (msg.method !== undefined) {
    const isReq = "id" in msg;
    const d = def(msg.method, isReq ? "Request" : "Notification", "client");
    if (!d) errs.push(`unknown method ${msg.method}`);
    else check(msg.params, d, "params", errs);
    if (isReq) check(msg.id, defs.RequestId, "id", errs);
  } else if ("error" in msg) {
    check(msg.error, defs.Error, "error", errs);
  } else {
    const method = sentMethods.get(JSON.stringify(msg.id));
    const d = method && def(method, "Response", "agent");
    if (!d) errs.push(`response to an unknown request ${JSON.stringify(msg.id)}`);
    else check(msg.result, d, "result", errs);
  }
  if (errs.length) {
    failed = true;
    out({ schemaError: errs, message: msg });
  }
}

const child = spawn(process.env.WISP_BIN, ["acp"], { stdio: ["pipe", "pipe", "inherit"] });
const listeners = [];
let controller;
const input = new ReadableStream({ start: (c) => { controller = c; } });
let buf = "";
child.stdout.on("data", (chunk) => {
  buf += chunk.toString("utf8");
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    let msg;
    try { msg = JSON.parse(line); } catch { failed = true; out({ notJson: line }); continue; }
    out({ recv: msg });
    validate(msg);
    for (const l of listeners) l(msg);
    controller.enqueue(new TextEncoder().encode(line + "\n"));
  }
});
child.stdout.on("end", () => { try { controller.close(); } catch {} });

function writeLine(text) {
  try {
    const m = JSON.parse(text);
    if (m.method && "id" in m) sentMethods.set(JSON.stringify(m.id), m.method);
  } catch {}
  child.stdin.write(text + "\n");
}
const output = new WritableStream({
  write(chunk) {
    for (const line of new TextDecoder().decode(chunk).split("\n")) if (line.trim()) writeLine(line);
  },
});

const answers = (process.env.ACP_ANSWERS || "").split(",").filter(Boolean);
const prompts = (process.env.ACP_PROMPTS || "go").split("|");
const text = (t) => [{ type: "text", text: t }];

async function sdkScenario(name) {
  let chunkSeen;
  const firstChunk = new Promise((r) => { chunkSeen = r; });
  const app = acp.client({ name: "wisp-test" })
    .onRequest(acp.methods.client.session.requestPermission, () => {
      const a = answers.shift() || "cancelled";
      return a === "cancelled" ? { outcome: { outcome: "cancelled" } } : { outcome: { outcome: "selected", optionId: a } };
    })
    .onRequest(acp.methods.client.fs.readTextFile, (cx) => {
      const [rel, text] = (process.env.ACP_BUFFER || "=").split("=");
      if (rel && cx.params.path.endsWith("/" + rel)) return { content: text.replaceAll("\\n", "\n") };
      return { content: readFileSync(cx.params.path, "utf8") };
    })
    .onRequest(acp.methods.client.fs.writeTextFile, (cx) => {
      out({ clientWrite: { path: cx.params.path, content: cx.params.content } });
      return {};
    })
    .onRequest(acp.methods.client.terminal.create, (cx) => {
      out({ terminal: "create", params: cx.params });
      return { terminalId: "term-1" };
    })
    .onRequest(acp.methods.client.terminal.waitForExit, () => { out({ terminal: "wait_for_exit" }); return { exitCode: 3 }; })
    .onRequest(acp.methods.client.terminal.output, () => {
      out({ terminal: "output" });
      return { output: "from the editor's terminal\n", truncated: false, exitStatus: { exitCode: 3 } };
    })
    .onRequest(acp.methods.client.terminal.kill, () => { out({ terminal: "kill" }); return {}; })
    .onRequest(acp.methods.client.terminal.release, () => { out({ terminal: "release" }); return {}; })
    .onNotification(acp.methods.client.session.update, (cx) => {
      if (cx.params.update.sessionUpdate === "agent_message_chunk") chunkSeen();
    });
  await app.connectWith(acp.ndJsonStream(output, input), async (cx) => {
    const caps = (process.env.ACP_CAPS || "").split(",");
    const clientCapabilities = {
      fs: { readTextFile: caps.includes("fs"), writeTextFile: caps.includes("fs") },
      terminal: caps.includes("terminal"),
    };
    await cx.request(acp.methods.agent.initialize, { protocolVersion: 1, clientCapabilities });
    // ACP_MCP: the session's mcpServers, as JSON.
    const mcpServers = JSON.parse(process.env.ACP_MCP || "[]");
    let s;
    if (process.env.ACP_LOAD) {
      out({ list: await cx.request(acp.methods.agent.session.list, { cwd: process.cwd() }) });
      const sessionId = process.env.ACP_LOAD;
      s = { sessionId, ...(await cx.request(acp.methods.agent.session.load, { sessionId, cwd: process.cwd(), mcpServers })) };
    } else {
      s = await cx.request(acp.methods.agent.session.new, { cwd: process.cwd(), mcpServers });
    }
    out({ session: s.sessionId });
    if (process.env.ACP_MODE) {
      await cx.request(acp.methods.agent.session.setMode, { sessionId: s.sessionId, modeId: process.env.ACP_MODE });
    }
    if (name === "cancel") {
      const p = cx.request(acp.methods.agent.session.prompt, { sessionId: s.sessionId, prompt: text(prompts[0]) });
      await firstChunk;
      await cx.notify(acp.methods.agent.session.cancel, { sessionId: s.sessionId });
      out({ stop: (await p).stopReason });
      return;
    }
    for (const p of prompts) {
      const r = await cx.request(acp.methods.agent.session.prompt, { sessionId: s.sessionId, prompt: text(p) });
      out({ stop: r.stopReason });
    }
  });
}

// Without the SDK: what real clients do that the SDK never would.
async function rawScenario() {
  const reply = (id) => new Promise((r) => listeners.push((m) => { if (m.id === id && !m.method) r(m); }));
  const call = async (id, method, params) => { const w = reply(id); writeLine(JSON.stringify({ jsonrpc: "2.0", id, method, params })); return w; };
  await call("init-1", "initialize", { protocolVersion: 1 });
  const garbage = new Promise((r) => listeners.push((m) => { if (m.error && m.id === null) r(m); }));
  child.stdin.write("this is not json\n");
  await garbage;
  for (const [i, cwd] of [".", "/", process.env.HOME].entries()) {
    const e = await call(`bad-cwd-${i}`, "session/new", { cwd, mcpServers: [] });
    out({ badCwd: cwd, error: e.error ?? null });
  }
  const s = await call("new-1", "session/new", { cwd: process.cwd(), mcpServers: [] });
  const r = await call("prompt-1", "session/prompt", { sessionId: s.result.sessionId, prompt: text(prompts[0]) });
  out({ stop: r.result?.stopReason });
}

const scenario = process.argv[2] || "prompts";
try {
  await (scenario === "raw" ? rawScenario() : sdkScenario(scenario));
} catch (e) {
  failed = true;
  out({ clientError: String(e?.message || e) });
}
child.stdin.end();
await new Promise((r) => child.on("exit", r));
process.exit(failed ? 1 : 0);
