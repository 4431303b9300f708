// HiredisAsio: drives one hiredis redisAsyncContext from a Boost.Asio
// io_context (hiredis ships adapters for libevent, libev and others, not Asio).
//
// hiredis says when it wants to read or write through its ev.addRead /
// delRead / addWrite / delWrite hooks; the adapter turns each wish into an
// async_wait on a posix::stream_descriptor around hiredis's socket and calls
// redisAsyncHandleRead / redisAsyncHandleWrite when the socket is ready.
//
// Ownership: hiredis owns the socket and closes it when it frees the context.
// The descriptor only borrows it, and releases it (cancelling its waits, and
// taking it out of epoll) in hiredis's ev.cleanup hook, which runs before
// hiredis closes the fd. The adapter keeps itself alive while the context
// refers to it and while a wait is outstanding; a wait that completes after
// cleanup finds it detached and does nothing, so no handler ever touches a
// freed context.
//
// Threads: the io_context's thread only (hiredis is single-threaded too).
#pragma once

#include <functional>
#include <memory>

#include <hiredis/async.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/error_code.hpp>

namespace vitalsd {

class HiredisAsio final : public std::enable_shared_from_this<HiredisAsio> {
 public:
  // Runs once, from inside hiredis, just before it frees the context: the
  // context is still readable (for its error) but must not be used otherwise.
  using CleanupHook = std::function<void(const redisAsyncContext&)>;

  // Hooks `ac` up to `io`. On failure (the socket cannot be registered with
  // the io_context) nothing is hooked up and the caller still owns `ac`.
  static boost::system::error_code attach(redisAsyncContext* ac, boost::asio::io_context& io,
                                          CleanupHook on_cleanup);

  ~HiredisAsio();
  HiredisAsio(const HiredisAsio&) = delete;
  HiredisAsio& operator=(const HiredisAsio&) = delete;

 private:
  enum class Direction { read, write };

  HiredisAsio(redisAsyncContext* ac, boost::asio::io_context& io, CleanupHook on_cleanup);

  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);

  void arm(Direction d);
  void on_ready(Direction d, const boost::system::error_code& ec);
  void detach();

  redisAsyncContext* ac_;  // null once hiredis has cleaned up
  boost::asio::posix::stream_descriptor socket_;
  CleanupHook on_cleanup_;
  // The context's reference to this adapter (ev.data is a raw pointer); dropped at cleanup.
  std::shared_ptr<HiredisAsio> self_;
  // What hiredis currently wants, and which waits are outstanding. hiredis
  // expects level-style interest that stays until it is withdrawn, so a wait
  // is re-armed after each event for as long as the interest stands.
  bool want_read_ = false;
  bool want_write_ = false;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
};

}  // namespace vitalsd
