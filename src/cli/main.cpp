// The `r1` command: dispatches to subcommands and turns r1::Error into one clear message.
#include <cstdio>

int main() {
  std::puts("r1");
  return 0;
}
