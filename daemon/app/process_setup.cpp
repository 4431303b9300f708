#include "app/process_setup.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace vitalsd {

void keep_openssl_until_exit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

bool prepare_process() {
  keep_openssl_until_exit();
  std::signal(SIGPIPE, SIG_IGN);
  // open() returns the lowest free descriptor, so while one of 0..2 is
  // closed, opening /dev/null fills exactly that gap.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0) return false;
    if (null > 2) {
      // Cannot happen while fd is closed; keep the descriptor table tidy anyway.
      ::close(null);
      break;
    }
  }
  return true;
}

}  // namespace vitalsd
