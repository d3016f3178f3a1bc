// The chat page at / in headless Chromium, driven over the DevTools protocol: two turns stream
// an answer with its reasoning block, Stop frees the server's slot, a wrong API key shows the
// server's error, New chat during a reply starts afresh; a screenshot is saved.
// Usage: node chat_page_test.mjs --r1 BIN --model DIR
//        --screenshot OUT.png [--chromium chromium]
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "./serve_process.mjs";

const { values: o } = parseArgs({
  options: {
    r1: { type: "string" }, model: { type: "string" }, screenshot: { type: "string" },
    chromium: { type: "string", default: "chromium" },
  },
});
if (spawnSync(o.chromium, ["--version"]).error) {
  console.error(`chat page test: '${o.chromium}' is not installed; scripts/setup.sh installs it`);
  process.exit(1);
}

// Starts headless Chromium with the DevTools protocol on a pipe (its fds 3 and 4: JSON messages
// ended by a NUL byte; no WebSocket needed, so Node 18 serves) and resolves to a session on a
// new page: send(method, params) resolves to the result, once(event) to the event's arrival.
async function startChromium(profile) {
  const child = spawn(o.chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--remote-debugging-pipe", `--user-data-dir=${profile}`, "--window-size=1000,800",
    "about:blank"], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", chunk => { log += chunk; });
  const toBrowser = child.stdio[3], fromBrowser = child.stdio[4];
  let next = 0, buffer = "", sessionId;
  const pending = new Map(), listeners = [];
  const failAll = why => {
    for (const { reject } of pending.values()) reject(new Error(`${why}:\n${log}`));
    pending.clear();
  };
  child.on("exit", code => failAll(`chromium exited (${code})`));
  child.stdio[3].on("error", () => {});  // a write after the exit: the exit rejects the command
  fromBrowser.setEncoding("utf8");
  fromBrowser.on("data", chunk => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (msg.id !== undefined) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result);
      } else {
        for (const l of listeners) l(msg);
      }
    }
  });
  const command = (method, params, session) => new Promise((resolve, reject) => {
    pending.set(++next, { resolve, reject });
    toBrowser.write(JSON.stringify({ id: next, method, params, sessionId: session }) + "\0");
  });
  const timer = setTimeout(() => failAll("chromium did not answer in 30 s"), 30000);
  try {
    const { targetId } = await command("Target.createTarget", { url: "about:blank" });
    ({ sessionId } = await command("Target.attachToTarget", { targetId, flatten: true }));
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    send: (method, params = {}) => command(method, params, sessionId),
    once: method => new Promise(resolve => listeners.push(m => m.method === method && resolve())),
  };
}

async function evaluate(cdp, expression) {
  const r = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(`page script failed: ${r.exceptionDetails.text}`);
  return r.result.value;
}

async function waitFor(cdp, expression, what) {
  for (let i = 0; i < 600; ++i) {
    if (await evaluate(cdp, expression)) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sendMessage = (cdp, text) => evaluate(cdp, `(() => {
  document.getElementById("input").value = ${JSON.stringify(text)};
  document.getElementById("form").requestSubmit();
})()`);

const apiKey = "sk-page-test";
// Greedy: each reply is what the API answers for the same conversation, and long enough to stop.
const server = await startServer(o.r1, o.model,
                                 ["--api-key", apiKey, "--ctx", "1024", "--temperature", "0"]);
const profile = mkdtempSync(join(tmpdir(), "r1-chromium-"));
let cdp;
try {
  cdp = await startChromium(profile);
  await cdp.send("Page.enable");
  const loaded = cdp.once("Page.loadEventFired");
  await cdp.send("Page.navigate", { url: `${server.url}/` });
  await loaded;
  assert.equal(await evaluate(cdp, "document.title"), "r1 chat");

  await evaluate(cdp, `(() => {
    const key = document.getElementById("key");
    key.value = ${JSON.stringify(apiKey)};
    key.dispatchEvent(new Event("change"));
  })()`);
  for (const [turn, text] of [[1, "Hello, who are you?"], [2, "And what is 2 + 2?"]]) {
    await sendMessage(cdp, text);
    await waitFor(cdp, `document.querySelectorAll(".assistant[data-done]").length === ${turn} ||
                        document.querySelector(".error") !== null`, `answer ${turn}`);
    const view = await evaluate(cdp, `(() => {
      const a = document.querySelectorAll(".assistant")[${turn - 1}];
      const d = a.querySelector("details.reasoning");
      return { reasoningShown: !d.hidden, reasoning: d.querySelector(".reasoning-text").textContent,
               answer: a.querySelector(".answer").textContent,
               error: document.querySelector(".error")?.textContent ?? null,
               users: document.querySelectorAll(".user").length };
    })()`);
    assert.equal(view.error, null, `the page shows an error: ${view.error}`);
    assert.equal(view.users, turn);
    // R1's template opens <think>: the random model's tokens are reasoning until </think>.
    assert.ok(view.reasoningShown && view.reasoning.length > 0, "no reasoning block");
    const expected = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ messages: await evaluate(cdp, "conversation.slice(0, -1)") }),
    }).then(r => r.json()).then(r => r.choices[0].message);
    assert.equal(view.reasoning, expected.reasoning_content);
    assert.equal(view.answer, expected.content);
    console.log(`turn ${turn}: ${view.reasoning.length} characters of reasoning, ` +
                `${view.answer.length} of answer`);
  }
  assert.equal(await evaluate(cdp, "conversation.length"), 4, "the conversation was not kept");
  const firstTurn = await evaluate(cdp, "conversation.slice(0, 2)");
  await evaluate(cdp, `document.querySelectorAll("details").forEach(d => { d.open = true; })`);
  await cdp.send("Page.captureScreenshot", { format: "png" }).then(r => {
    mkdirSync(dirname(o.screenshot), { recursive: true });
    writeFileSync(o.screenshot, Buffer.from(r.data, "base64"));
  });

  // Stop while the reply streams: the page marks it stopped and the server frees the slot.
  await sendMessage(cdp, "Please write a long story.");
  await waitFor(cdp, `document.querySelectorAll(".reasoning-text")[2]?.textContent.length > 0`,
                "the third reply to start");
  await evaluate(cdp, `document.getElementById("stop").click()`);
  await waitFor(cdp, `document.getElementById("send").disabled === false`, "the stop");
  assert.match(await evaluate(cdp, `document.querySelectorAll(".answer")[2].textContent`),
               /\[stopped\]$/);
  await waitFor(cdp, `fetch("/metrics", { headers: { Authorization: "Bearer ${apiKey}" } })
      .then(r => r.text()).then(t => /^r1_active_slots 0$/m.test(t) && /status="499"/.test(t))`,
                "the server to free the slot");
  assert.equal(await evaluate(cdp, "conversation.length"), 6);

  await evaluate(cdp, `document.getElementById("key").value = "sk-wrong"`);
  await sendMessage(cdp, "This one has the wrong key.");
  await waitFor(cdp, `document.querySelector(".error") !== null`, "the error message");
  const error = await evaluate(cdp, `document.querySelector(".error").textContent`);
  assert.match(error, /API key/);
  assert.equal(await evaluate(cdp, "conversation.length"), 6);
  assert.equal(await evaluate(cdp, "document.querySelectorAll('.assistant').length"), 3,
               "the refused turn left an empty reply");

  // New chat while a reply streams: the stopped turn stays out of the new conversation, whose
  // first answer is again the first turn's.
  await evaluate(cdp, `document.getElementById("key").value = ${JSON.stringify(apiKey)}`);
  await sendMessage(cdp, "Please write another long story.");
  await waitFor(cdp, `document.querySelectorAll(".reasoning-text")[3]?.textContent.length > 0`,
                "the fourth reply to start");
  await evaluate(cdp, `document.getElementById("new").click()`);
  await waitFor(cdp, `document.getElementById("send").disabled === false`, "the new chat");
  assert.equal(await evaluate(cdp, "document.querySelectorAll('.msg').length"), 0);
  assert.equal(await evaluate(cdp, "conversation.length"), 0);
  await sendMessage(cdp, "Hello, who are you?");
  await waitFor(cdp, `document.querySelector(".assistant[data-done]") !== null`, "the new answer");
  assert.deepEqual(await evaluate(cdp, "conversation"), firstTurn);
  console.log(`chat page: ok, screenshot ${o.screenshot}`);
} finally {
  // The profile can be removed only once Chromium stopped writing it.
  if (cdp && cdp.child.exitCode === null && cdp.child.signalCode === null) {
    await new Promise(done => {
      cdp.child.once("exit", done);
      cdp.child.kill("SIGTERM");
    });
  }
  await server.stop();
  rmSync(profile, { recursive: true, force: true });
}
