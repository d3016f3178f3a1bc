// Starts `r1 serve` as a child process on a free port and stops it; shared by the client tests.
import { spawn } from "node:child_process";

// Resolves to { port, url, stop() } once the server prints its URL.
export function startServer(r1, model, extraArgs = []) {
  const child = spawn(r1, ["serve", "--model", model, "--port", "0", ...extraArgs],
                      { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail("r1 serve did not print its URL within 60 s"), 60000);
    function fail(why) {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${why}\n${output}`));
    }
    const onData = chunk => {
      output += chunk;
      const m = output.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      const stop = () => new Promise(done => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once("exit", code => done(code));
        child.kill("SIGTERM");
      });
      resolve({ port, url: `http://127.0.0.1:${port}`, stop });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", code => fail(`r1 serve exited with status ${code} before listening`));
  });
}
