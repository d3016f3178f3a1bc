// The `r1` command: opens the world (MPI under `mpirun`, one process otherwise), dispatches to
// subcommands and turns r1::Error into one clear message (exit code 1; 2 for usage errors);
// under several ranks a failing rank ends them all.
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "cli/commands.h"
#include "core/error.h"

namespace {

// Runs the app; the exit code.
int run(int argc, char** argv, r1::Comm& world) {
  CLI::App app{
      "r1: DeepSeek-R1 / V3 models in C++ (init, info, logits, generate, chat, bench, tokenize,\n"
      "detokenize, tokenizer train, template, parse, convert, data, plot, serve)",
      "r1"};
  app.require_subcommand(1);
  r1::cli::add_init(app);
  r1::cli::add_info(app);
  r1::cli::add_logits(app, world);
  r1::cli::add_generate(app, world);
  r1::cli::add_tokenize(app);
  r1::cli::add_detokenize(app);
  r1::cli::add_bench(app, world);
  r1::cli::add_tokenizer(app);
  r1::cli::add_template(app);
  r1::cli::add_parse(app);
  r1::cli::add_chat(app, world);
  r1::cli::add_convert(app);
  r1::cli::add_data(app);
  r1::cli::add_plot(app);
  r1::cli::add_training(app, world);
  r1::cli::add_task(app);
  r1::cli::add_grpo(app, world);
  r1::cli::add_eval(app, world);
  r1::cli::add_report(app);
  r1::cli::add_reject(app, world);
  r1::cli::add_distill(app, world);
  r1::cli::add_serve(app, world);
  try {
    if (world.size() > 1 && argc > 1 && !r1::cli::runs_across_ranks(argv[1]))
      throw r1::UsageError("r1 " + std::string(argv[1]) + " runs in one process; it was launched " +
                           "by mpirun with " + std::to_string(world.size()) +
                           " ranks (run it without mpirun)");
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const r1::UsageError& e) {
    std::fprintf(stderr, "r1: error: %s\n", e.what());
    return 2;
  } catch (const r1::Error& e) {
    std::fprintf(stderr, "r1: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "r1: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "r1: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

namespace r1::cli {

bool runs_across_ranks(const std::string& subcommand) {
  for (const char* name :
       {"pretrain", "sft", "distill", "grpo", "eval", "reject", "generate", "logits", "bench", "chat",
        "serve"})
    if (subcommand == name) return true;
  return false;
}

}  // namespace r1::cli

int main(int argc, char** argv) {
  std::unique_ptr<r1::Comm> world;
  try {
    world = r1::open_world(r1::comm_timeout_from_env());
  } catch (const r1::Error& e) {
    std::fprintf(stderr, "r1: error: %s\n", e.what());
    return 1;
  }
  const int code = run(argc, argv, *world);
  // A rank that fails ends the others, which may be waiting for it in a collective.
  if (code != 0 && world->size() > 1) {
    std::fflush(stderr);
    world->abort(code);
  }
  return code;
}
