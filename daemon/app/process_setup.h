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
// - OpenSSL keeps its global state until the process is gone (see
//   keep_openssl_until_exit()).
// Returns false (errno set) only if /dev/null cannot be opened.
bool prepare_process();

// Tells OpenSSL not to free its global state (locks, tables) from an atexit
// handler. Paho C starts its send and receive threads on the first client
// and never joins them; they may still be winding down, taking OpenSSL's
// locks, while exit() runs that handler. TSan caught Paho's MQTTAsync_send
// thread in CRYPTO_THREAD_write_lock on a lock the main thread's exit had
// just freed (a use after free that can crash a process whose work is
// done). The OS reclaims the memory at exit anyway. Must come before any
// other use of OpenSSL, Paho's included: only the first initialisation's
// options count. Also called by vitals-pub.
void keep_openssl_until_exit();

}  // namespace vitalsd
