// Load test for `r1 serve`: N concurrent streaming clients send R chat requests each; reports
// throughput, latency and time-to-first-token percentiles and generated tokens/s, then the same
// for one client alone. Exits 1 if any request failed.
// Usage: node bench/serve_load.mjs (--url http://HOST:PORT | --r1 BIN --model DIR [--parallel P])
//        [--clients 64] [--requests 20] [--max-tokens 32] [--api-key KEY]
import http from "node:http";
import { parseArgs } from "node:util";
import { startServer } from "../tests/serve/serve_process.mjs";

const { values: o } = parseArgs({
  options: {
    url: { type: "string" }, r1: { type: "string" }, model: { type: "string" },
    parallel: { type: "string", default: "8" }, clients: { type: "string", default: "64" },
    requests: { type: "string", default: "20" }, "max-tokens": { type: "string", default: "32" },
    "api-key": { type: "string", default: "" },
  },
});
if (!o.url && !(o.r1 && o.model)) {
  console.error("serve_load: give --url of a running server, or --r1 BIN --model DIR to start one");
  process.exit(2);
}

// One keep-alive connection per client at most, as a client's connection pool would.
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(o.clients) });

// POSTs body and resolves to the response; the body is read by the caller.
function post(url, path, body) {
  const headers = { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) };
  if (o["api-key"]) headers.Authorization = `Bearer ${o["api-key"]}`;
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${path}`, { method: "POST", headers, agent }, resolve);
    request.on("error", reject);
    request.end(body);
  });
}

// One streamed request: its latency, time to first token and generated tokens, or its error.
async function streamedRequest(url, client, i) {
  const start = performance.now();
  const response = await post(url, "/v1/chat/completions", JSON.stringify({
    messages: [{ role: "user", content: `Client ${client}, request ${i}: count to ten.` }],
    max_tokens: Number(o["max-tokens"]), stream: true, stream_options: { include_usage: true },
  }));
  response.setEncoding("utf8");
  if (response.statusCode !== 200) {
    let text = "";
    for await (const chunk of response) text += chunk;
    return { error: `HTTP ${response.statusCode}: ${text}` };
  }
  let buffer = "", ttft = null, tokens = 0, done = false;
  for await (const chunk of response) {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).replace(/^data: /, "");
      buffer = buffer.slice(end + 2);
      if (data === "[DONE]") { done = true; continue; }
      const event = JSON.parse(data);
      if (event.error) return { error: event.error.message };
      const delta = event.choices[0]?.delta ?? {};
      if (ttft === null && (delta.content || delta.reasoning_content))
        ttft = performance.now() - start;
      if (event.usage) tokens = event.usage.completion_tokens;
    }
  }
  if (!done) return { error: "the stream ended without [DONE]" };
  return { latency: performance.now() - start, ttft: ttft ?? 0, tokens };
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;

async function run(url, clients, requests) {
  const results = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; i < requests; ++i)
      results.push(await streamedRequest(url, c, i).catch(e => ({ error: String(e) })));
  }));
  const wall = (performance.now() - start) / 1000;
  const ok = results.filter(r => !r.error);
  const errors = results.filter(r => r.error);
  const latency = ok.map(r => r.latency).sort((a, b) => a - b);
  const ttft = ok.map(r => r.ttft).sort((a, b) => a - b);
  const tokens = ok.reduce((sum, r) => sum + r.tokens, 0);
  console.log(`${clients} client(s) x ${requests} requests: ${results.length} requests, ` +
              `${errors.length} errors, ${wall.toFixed(2)} s, ${(ok.length / wall).toFixed(2)} req/s`);
  console.log(`  latency p50 ${percentile(latency, 0.5).toFixed(0)} ms, ` +
              `p99 ${percentile(latency, 0.99).toFixed(0)} ms; time to first token ` +
              `p50 ${percentile(ttft, 0.5).toFixed(0)} ms, p99 ${percentile(ttft, 0.99).toFixed(0)} ms`);
  console.log(`  ${tokens} tokens generated, ${(tokens / wall).toFixed(1)} tokens/s aggregate`);
  for (const e of errors.slice(0, 5)) console.log(`  error: ${e.error}`);
  return errors.length;
}

const server = o.url ? null : await startServer(o.r1, o.model, [
  "--parallel", o.parallel, "--max-connections", o.clients,
  "--max-connections-per-ip", String(Math.max(64, Number(o.clients))),
  ...(o["api-key"] ? ["--api-key", o["api-key"]] : [])]);
const url = o.url ?? server.url;
let errors = 0;
try {
  errors += await run(url, Number(o.clients), Number(o.requests));
  errors += await run(url, 1, Number(o.requests));
} finally {
  if (server) await server.stop();
}
agent.destroy();
process.exit(errors ? 1 : 0);
