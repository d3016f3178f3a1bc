// Agent conversations against `r1 serve`, with the prefix cache and without it (--cache-ram 0),
// one server after the other in one run: C clients share a long system prompt and each holds a
// T-turn conversation (every turn sends the whole conversation so far, greedy replies); the
// clients take each turn together. Per turn: prompt tokens, tokens prefilled (prompt tokens
// minus those the prefix cache supplied, from /metrics), time to first token p50/p99; then the
// cache's bytes against its budget, and whether both servers gave the same replies.
// Usage: node bench/serve_agents.mjs --r1 BIN --model DIR [--clients 16] [--turns 10]
//        [--system-words 1000] [--max-tokens 32] [--parallel 16] [--cache-ram 2048] [-t THREADS]
import http from "node:http";
import { parseArgs } from "node:util";
import { startServer } from "../tests/serve/serve_process.mjs";

const { values: o } = parseArgs({
  options: {
    r1: { type: "string" }, model: { type: "string" },
    clients: { type: "string", default: "16" }, turns: { type: "string", default: "10" },
    "system-words": { type: "string", default: "1000" },
    "max-tokens": { type: "string", default: "32" }, parallel: { type: "string", default: "16" },
    "cache-ram": { type: "string", default: "2048" }, threads: { type: "string", short: "t", default: "0" },
  },
});
if (!o.r1 || !o.model) {
  console.error("serve_agents: give --r1 BIN --model DIR");
  process.exit(2);
}
const clients = Number(o.clients), turns = Number(o.turns);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 1 });
const words = ["plan", "tool", "check", "answer", "result", "step", "number", "list", "value", "call"];
const system = "You are an agent. " +
  Array.from({ length: Number(o["system-words"]) }, (_, i) => words[(i * 7) % words.length]).join(" ");

function request(url, method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } : {};
    const r = http.request(`${url}${path}`, { method, headers, agent }, resolve);
    r.on("error", reject);
    r.end(body);
  });
}

async function metric(url, name) {
  const r = await request(url, "GET", "/metrics");
  let text = "";
  r.setEncoding("utf8");
  for await (const chunk of r) text += chunk;
  const m = text.match(new RegExp(`^${name} ([0-9.e+]+)$`, "m"));
  return m ? Number(m[1]) : NaN;
}

const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

async function run(cacheRam) {
  const server = await startServer(o.r1, o.model, ["--parallel", o.parallel, "--cache-ram", cacheRam,
    "--max-connections", String(clients + 4), "-t", o.threads]);
  const conversations = Array.from({ length: clients }, () => [{ role: "system", content: system }]);
  const rows = [];
  try {
    for (let t = 0; t < turns; ++t) {
      const hitBefore = await metric(server.url, "r1_prefix_cache_hit_tokens_total");
      const results = await Promise.all(conversations.map(async (messages, c) => {
        messages.push({ role: "user", content: `Client ${c}, turn ${t}: next step?` });
        const start = performance.now();
        const r = await turnWithTtft(server.url, messages, start);
        messages.push({ role: "assistant", content: r.reply });
        return r;
      }));
      const hit = (await metric(server.url, "r1_prefix_cache_hit_tokens_total")) - hitBefore;
      const prompt = results.reduce((s, r) => s + r.promptTokens, 0);
      rows.push({ prompt, prefilled: prompt - hit, ttft: results.map(r => r.ttft) });
    }
    const bytes = await metric(server.url, "r1_prefix_cache_bytes");
    const budget = await metric(server.url, "r1_prefix_cache_budget_bytes");
    return { rows, bytes, budget, replies: conversations.map(m => m.map(x => x.content).join("\u0000")) };
  } finally {
    await server.stop();
  }
}

// One streamed turn: { reply, promptTokens, ttft (ms until the first content arrives) }.
async function turnWithTtft(url, messages, start) {
  const response = await request(url, "POST", "/v1/chat/completions", JSON.stringify({
    messages, max_tokens: Number(o["max-tokens"]), temperature: 0, stream: true,
    stream_options: { include_usage: true }, reasoning_format: "none",
  }));
  response.setEncoding("utf8");
  let buffer = "", reply = "", ttft = null, promptTokens = 0, status = response.statusCode;
  for await (const chunk of response) {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).replace(/^data: /, "");
      buffer = buffer.slice(end + 2);
      if (status !== 200) continue;
      if (data === "[DONE]") continue;
      const event = JSON.parse(data);
      if (event.error) throw new Error(event.error.message);
      const piece = event.choices[0]?.delta?.content;
      if (piece) {
        if (ttft === null) ttft = performance.now() - start;
        reply += piece;
      }
      if (event.usage) promptTokens = event.usage.prompt_tokens;
    }
  }
  if (status !== 200) throw new Error(`HTTP ${status}: ${buffer}`);
  return { reply, promptTokens, ttft: ttft ?? performance.now() - start };
}

const cached = await run(o["cache-ram"]);
const uncached = await run("0");
console.log(`${clients} clients x ${turns} turns, system prompt ${o["system-words"]} words, ` +
            `replies of ${o["max-tokens"]} tokens (greedy)`);
console.log("| turn | prompt tokens (all clients) | prefilled, cache | prefilled, --cache-ram 0 | " +
            "first token p50 / p99, cache | first token p50 / p99, --cache-ram 0 |");
console.log("|---:|---:|---:|---:|---:|---:|");
for (let t = 0; t < turns; ++t) {
  const a = cached.rows[t], b = uncached.rows[t];
  console.log(`| ${t + 1} | ${a.prompt} | ${a.prefilled} | ${b.prefilled} | ` +
              `${percentile(a.ttft, 0.5).toFixed(0)} / ${percentile(a.ttft, 0.99).toFixed(0)} ms | ` +
              `${percentile(b.ttft, 0.5).toFixed(0)} / ${percentile(b.ttft, 0.99).toFixed(0)} ms |`);
}
console.log(`prefix cache: ${(cached.bytes / 2 ** 20).toFixed(1)} MB held of a ` +
            `${(cached.budget / 2 ** 20).toFixed(0)} MB budget`);
const same = cached.replies.every((r, i) => r === uncached.replies[i]);
console.log(`same replies with and without the cache: ${same ? "yes" : "NO"}`);
agent.destroy();
process.exit(same ? 0 : 1);
