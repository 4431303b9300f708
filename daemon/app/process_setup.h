// Process-wide set-up that must happen first in main, before any thread or
// socket exists: the two ways a daemon is killed or corrupted by the state
// its parent left it in.
//
// Threads: call once, from main, before starting any thread.
#pragma once

namespace vitalsd {

// - SIGPIPE is ignored. vitalsd writes to sockets (MQTT, Redis, metrics
//   clients) and to stderr, which may be a pipe whose reader went away (a
//   log collector restarting). With the default action the first such
//   write would kill the daemon silently; ignored, the write fails with
//   EPIPE and the caller handles it (a lost log line, a reconnect).
// - File descriptors 0, 1 and 2, if closed, are opened on /dev/null. A
//   daemon started with a closed stdout would otherwise get its next socket
//   as fd 1, and every log line or std::cout would then be written into the
//   MQTT or Redis connection.
// Returns false (errno set) only if /dev/null cannot be opened.
bool prepare_process();

}  // namespace vitalsd
