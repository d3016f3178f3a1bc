// The unmodified OpenAI Node client against `r1 serve`: a chat completion, a streamed one with
// reasoning_content in the raw deltas and usage, and a wrong key raising AuthenticationError.
// Usage: node openai_client_test.mjs --r1 BIN --model DIR
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { startServer } from "./serve_process.mjs";

const { values } = parseArgs({ options: { r1: { type: "string" }, model: { type: "string" } } });
const apiKey = "sk-r1-test";
const server = await startServer(values.r1, values.model, ["--api-key", apiKey, "--parallel", "2"]);
const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
const messages = [{ role: "user", content: "What is 2 + 2?" }];
const maxTokens = 24;

try {
  const models = await client.models.list();
  const model = models.data[0].id;

  const reply = await client.chat.completions.create(
    { model, messages, max_tokens: maxTokens, temperature: 0 });
  assert.equal(reply.object, "chat.completion");
  const message = reply.choices[0].message;
  assert.equal(message.role, "assistant");
  assert.equal(typeof message.content, "string");
  // R1's template opens <think>, so the random model's tokens are reasoning until </think>.
  assert.ok(message.reasoning_content.length > 0, "no reasoning_content");
  const { prompt_tokens, completion_tokens, total_tokens } = reply.usage;
  assert.ok(prompt_tokens > 0 && completion_tokens > 0 && completion_tokens <= maxTokens);
  assert.equal(total_tokens, prompt_tokens + completion_tokens);
  assert.ok(["length", "stop"].includes(reply.choices[0].finish_reason));

  const inline = await client.chat.completions.create(
    { model, messages, max_tokens: maxTokens, temperature: 0, reasoning_format: "none" });
  assert.ok(inline.choices[0].message.content.length > 0, "no content with reasoning_format none");

  const stream = await client.chat.completions.create({
    model, messages, max_tokens: maxTokens, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  let reasoning = "", content = "", usage = null, finish = null, chunks = 0;
  for await (const chunk of stream) {
    ++chunks;
    assert.equal(chunk.object, "chat.completion.chunk");
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    reasoning += choice.delta.reasoning_content ?? "";
    content += choice.delta.content ?? "";
    finish = choice.finish_reason ?? finish;
  }
  assert.ok(chunks > 2, `only ${chunks} chunks`);
  // Greedy: the stream says what the whole answer said.
  assert.equal(reasoning, message.reasoning_content);
  assert.equal(content, message.content);
  assert.equal(finish, reply.choices[0].finish_reason);
  assert.deepEqual(usage, reply.usage);

  const stranger = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
  await assert.rejects(
    stranger.chat.completions.create({ model, messages, max_tokens: 2 }),
    e => e instanceof OpenAI.AuthenticationError && e.status === 401);
  console.log(`openai client: ok (${chunks} chunks, ${usage.completion_tokens} tokens)`);
} finally {
  const code = await server.stop();
  assert.equal(code, 0, "r1 serve did not stop cleanly on SIGTERM");
}
