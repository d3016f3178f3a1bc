// The unmodified OpenAI Node client's tool round trip against `r1 serve` on the tiny random R1
// model: tool_choice "required" gives tool_calls (finish_reason "tool_calls", arguments a JSON
// string that validates against the tool's parameters), non-streamed and through the client's
// streaming helper; the assistant message with its calls and a role "tool" result then get a
// final answer with tool_choice "none" and "auto", without tool-call markup in content.
// Usage: node openai_tools_test.mjs --r1 BIN --model DIR
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { startServer } from "./serve_process.mjs";

const { values } = parseArgs({ options: { r1: { type: "string" }, model: { type: "string" } } });
const server = await startServer(values.r1, values.model, ["--parallel", "2"]);
const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "none", maxRetries: 0 });
const tools = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", maxLength: 8 }, days: { type: "integer" } },
      required: ["city"],
      additionalProperties: false,
    },
  },
}];
const messages = [{ role: "user", content: "What is the weather in Oslo?" }];

function checkCalls(calls) {
  assert.ok(Array.isArray(calls) && calls.length >= 1, "no tool_calls");
  for (const call of calls) {
    assert.equal(call.type, "function");
    assert.match(call.id, /^call_/);
    assert.equal(call.function.name, "get_weather");
    assert.equal(typeof call.function.arguments, "string");
    const args = JSON.parse(call.function.arguments);
    assert.equal(typeof args.city, "string");
    assert.ok([...args.city].length <= 8, `city too long: ${args.city}`);
    for (const key of Object.keys(args)) assert.ok(key === "city" || key === "days", key);
    if ("days" in args) assert.ok(Number.isInteger(args.days));
  }
}

async function finalAnswer(model, assistant, toolChoice, stream) {
  const call = assistant.tool_calls[0];
  const body = {
    model, tools, tool_choice: toolChoice, max_tokens: 24, seed: 5,
    messages: [...messages, assistant,
               { role: "tool", tool_call_id: call.id, content: JSON.stringify({ temp_c: 21 }) }],
  };
  const reply = stream ? await client.chat.completions.stream(body).finalChatCompletion()
                       : await client.chat.completions.create(body);
  const choice = reply.choices[0];
  assert.ok(["stop", "length", "tool_calls"].includes(choice.finish_reason));
  if (toolChoice === "none") {
    assert.ok(choice.finish_reason !== "tool_calls" && !choice.message.tool_calls?.length);
    assert.equal(typeof choice.message.content, "string");
  }
  assert.ok(!(choice.message.content ?? "").includes("<｜tool"), `markup: ${choice.message.content}`);
}

try {
  const model = (await client.models.list()).data[0].id;
  const first = await client.chat.completions.create(
    { model, messages, tools, tool_choice: "required", max_tokens: 200, seed: 1 });
  assert.equal(first.choices[0].finish_reason, "tool_calls");
  checkCalls(first.choices[0].message.tool_calls);

  // The client's streaming helper assembles delta.tool_calls and checks ids, types and names.
  const streamed = await client.chat.completions.stream(
    { model, messages, tools, tool_choice: "required", parallel_tool_calls: false,
      max_tokens: 200, seed: 2 }).finalChatCompletion();
  assert.equal(streamed.choices[0].finish_reason, "tool_calls");
  checkCalls(streamed.choices[0].message.tool_calls);
  assert.equal(streamed.choices[0].message.tool_calls.length, 1);

  const named = await client.chat.completions.create({
    model, messages, tools, max_tokens: 200, seed: 3,
    tool_choice: { type: "function", function: { name: "get_weather" } } });
  checkCalls(named.choices[0].message.tool_calls);
  assert.equal(named.choices[0].message.tool_calls.length, 1);

  await finalAnswer(model, first.choices[0].message, "none", false);
  await finalAnswer(model, streamed.choices[0].message, "auto", true);
  await finalAnswer(model, named.choices[0].message, "none", true);
  console.log("openai tools: ok");
} finally {
  const code = await server.stop();
  assert.equal(code, 0, "r1 serve did not stop cleanly on SIGTERM");
}
