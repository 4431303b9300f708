#include <cstdio>

#include "common/version.h"

int main() {
  std::printf("vitalsd %s\n", vitalsd::kVersion);
  return 0;
}
