// The `r1` command: dispatches to subcommands and turns r1::Error into one clear message
// (exit code 1; 2 for usage errors).
#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"r1: DeepSeek-R1 / V3 models in C++ (init, info, logits, generate, chat, bench, tokenize,\n"
               "detokenize, tokenizer train, template, convert, data, plot, serve)",
               "r1"};
  app.require_subcommand(1);
  r1::cli::add_init(app);
  r1::cli::add_info(app);
  r1::cli::add_logits(app);
  r1::cli::add_generate(app);
  r1::cli::add_tokenize(app);
  r1::cli::add_detokenize(app);
  r1::cli::add_bench(app);
  r1::cli::add_tokenizer(app);
  r1::cli::add_template(app);
  r1::cli::add_chat(app);
  r1::cli::add_convert(app);
  r1::cli::add_data(app);
  r1::cli::add_plot(app);
  r1::cli::add_training(app);
  r1::cli::add_task(app);
  r1::cli::add_grpo(app);
  r1::cli::add_eval(app);
  r1::cli::add_report(app);
  r1::cli::add_reject(app);
  r1::cli::add_distill(app);
  r1::cli::add_serve(app);
  try {
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
