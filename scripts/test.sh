#!/usr/bin/env bash
# The test suite: a short libFuzzer run of the parsers, the unit, reference (PyTorch) and
# bad-input tests under AddressSanitizer + UBSan (clang, build-san/, one build for both), then
# the same tests in the Release build (build/). Prints how long each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
suite_start=$SECONDS

# phase NAME COMMAND [ARGS...]: runs the command under a heading and prints how long it took.
phase() {
  local name="$1" start=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}

phase "Release build (build/)" bash scripts/build.sh
phase "ASan + UBSan build with the fuzz targets (build-san/)" bash scripts/build_sanitized.sh
phase "fuzz: safetensors header, config, GGUF and chat-template parsers (${R1_FUZZ_SECONDS:-20} s each)" \
  bash scripts/fuzz.sh "${R1_FUZZ_SECONDS:-20}"
# Run in the Release phase only, being minutes of CPU under ASan while their parts are
# sanitizer-tested on their own: the distillation end-to-end tests (teacher SFT, sampling,
# student SFT: the rejection filter, SFT data, sampling and training step are unit-tested), the
# GRPO resume test (two 5-step runs: GRPO steps and checkpoints are tested by CmdGrpo's other
# tests), and the tokenizer's long-text and whole-conformance-set equalities (the same encoder
# runs under ASan in every other PromptEncode test and in fuzz_prompt_encode), and the mpirun
# tests (Open MPI's own allocations at exit would fail LeakSanitizer; the training step they
# split is sanitizer-tested in one process, and so are the pipeline's stages, PipelineInMemory),
# the tool-call parser's every-split equality (fuzz_tool_call_parser checks whole against chunked
# parses under ASan; the parser's other tests run here) and the structured-output mask against a
# brute-force pass over the 128k DeepSeek vocabulary (the same masks are computed under ASan by
# the other TokenConstraint and StructuredOutput tests), the forced tool-call grammar's random
# walks over that vocabulary (ToolCallGrammar's other tests and ServeTools run the same code),
# GGUF-from-tokenizer.json equality on the real vocabularies (TrainedVocab runs the same code on
# the trained ones), and the chat page in headless Chromium (a browser test of the page; the
# server it drives is sanitizer-tested by serve_openai_client, serve_openai_tools and the unit
# server tests).
asan_skip='^DistillCli\.|^CmdGrpo\.ResumedRun|PromptEncode\.(StreamingMatchesStagesOnLongTexts|WithoutDataRangesItIsEncode)/|^DataParallel\.|^Pipeline(Serve)?\.|^ToolCallParser\.EverySplitIntoTwoAndThreeChunksAgrees$|^TokenConstraint\.MaskEqualsBruteForceOnTheDeepSeekVocabulary$|^ToolCallGrammar\.RandomWalksOnDeepSeekVocabularyParseAsValidCalls$|^Real/RealVocab\.|^serve_chat_page$'
phase "tests under ASan + UBSan" \
  env -C build-san ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -E "$asan_skip"
phase "tests (Release)" env -C build ctest --output-on-failure -j"$jobs"
echo "== all tests passed in $((SECONDS - suite_start)) s"
