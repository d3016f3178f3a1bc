// Slow-client attack on `r1 serve`: N connections send a request head one byte every P ms and
// reconnect as soon as the server drops them (slowloris), from 127.0.0.1 or spread over several
// loopback addresses, while one normal client sends chat requests one after another on fresh
// connections. Reports the normal client's success rate, latency p50/p99 and the statuses seen.
// Usage: node bench/serve_slowloris.mjs (--url http://127.0.0.1:PORT | --r1 BIN --model DIR)
//        [--attackers 64] [--period 2000] [--addresses 1] [--seconds 60] [--max-tokens 4]
import http from "node:http";
import net from "node:net";
import { parseArgs } from "node:util";
import { startServer } from "../tests/serve/serve_process.mjs";

const { values: o } = parseArgs({
  options: {
    url: { type: "string" }, r1: { type: "string" }, model: { type: "string" },
    attackers: { type: "string", default: "64" }, period: { type: "string", default: "2000" },
    addresses: { type: "string", default: "1" }, seconds: { type: "string", default: "60" },
    "max-tokens": { type: "string", default: "4" },
  },
});
if (!o.url && !(o.r1 && o.model)) {
  console.error("serve_slowloris: give --url of a running server, or --r1 BIN --model DIR");
  process.exit(2);
}
const server = o.url ? null : await startServer(o.r1, o.model, []);
const url = new URL(o.url ?? server.url);

const head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100000);
let stopping = false, reconnects = 0;
function attacker(index) {
  const localAddress = `127.0.0.${1 + (index % Number(o.addresses))}`;
  const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress });
  let sent = 0;
  const timer = setInterval(() => socket.write(head[sent++ % head.length]), Number(o.period));
  socket.on("data", () => socket.destroy());  // an answer (408, 503) ends this connection
  socket.on("error", () => {});
  socket.on("close", () => {
    clearInterval(timer);
    if (stopping) return;
    ++reconnects;
    attacker(index);
  });
  socket.write(head[sent++]);
  return socket;
}
const sockets = Array.from({ length: Number(o.attackers) }, (_, i) => attacker(i));
await new Promise(done => setTimeout(done, 3000));  // let the attack settle

const body = JSON.stringify({ messages: [{ role: "user", content: "Hi" }],
                              max_tokens: Number(o["max-tokens"]) });
function request() {
  const start = performance.now();
  return new Promise(resolve => {
    const r = http.request(url, {
      method: "POST", path: "/v1/chat/completions", agent: false,
      headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
    }, response => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode, ms: performance.now() - start }));
    });
    r.setTimeout(120000, () => r.destroy(new Error("timeout")));
    r.on("error", e => resolve({ status: e.code ?? e.message, ms: performance.now() - start }));
    r.end(body);
  });
}
const results = [];
const end = performance.now() + Number(o.seconds) * 1000;
while (performance.now() < end) {
  results.push(await request());
  await new Promise(done => setTimeout(done, 100));
}
stopping = true;
for (const s of sockets) s.destroy();

const ok = results.filter(r => r.status === 200).map(r => r.ms).sort((a, b) => a - b);
const pct = p => ok.length ? ok[Math.min(ok.length - 1, Math.floor(p * ok.length))].toFixed(0) : "-";
const statuses = {};
for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
console.log(`${o.attackers} slow connections from ${o.addresses} address(es), one byte every ` +
            `${o.period} ms, ${reconnects} reconnects: normal client ${ok.length}/${results.length} ` +
            `answered 200 (${(100 * ok.length / Math.max(1, results.length)).toFixed(1)}%), ` +
            `latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms; statuses ${JSON.stringify(statuses)}`);
if (server) await server.stop();
process.exit(0);
