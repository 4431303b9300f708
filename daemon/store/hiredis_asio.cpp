#include "store/hiredis_asio.h"

#include <boost/asio/error.hpp>

namespace vitalsd {

boost::system::error_code HiredisAsio::attach(redisAsyncContext* ac, boost::asio::io_context& io,
                                              CleanupHook on_cleanup) {
  std::shared_ptr<HiredisAsio> adapter(new HiredisAsio(ac, io, std::move(on_cleanup)));
  boost::system::error_code ec;
  adapter->socket_.assign(ac->c.fd, ec);
  if (ec) {
    adapter->ac_ = nullptr;  // never registered: nothing to release
    return ec;
  }
  adapter->self_ = adapter;
  ac->ev.data = adapter.get();
  ac->ev.addRead = &HiredisAsio::add_read;
  ac->ev.delRead = &HiredisAsio::del_read;
  ac->ev.addWrite = &HiredisAsio::add_write;
  ac->ev.delWrite = &HiredisAsio::del_write;
  ac->ev.cleanup = &HiredisAsio::cleanup;
  return {};
}

HiredisAsio::HiredisAsio(redisAsyncContext* ac, boost::asio::io_context& io, CleanupHook on_cleanup)
    : ac_(ac), socket_(io), on_cleanup_(std::move(on_cleanup)) {}

HiredisAsio::~HiredisAsio() {
  // Never let the descriptor close hiredis's socket.
  if (socket_.is_open()) socket_.release();
}

void HiredisAsio::add_read(void* self) {
  auto* a = static_cast<HiredisAsio*>(self);
  a->want_read_ = true;
  a->arm(Direction::read);
}

void HiredisAsio::del_read(void* self) { static_cast<HiredisAsio*>(self)->want_read_ = false; }

void HiredisAsio::add_write(void* self) {
  auto* a = static_cast<HiredisAsio*>(self);
  a->want_write_ = true;
  a->arm(Direction::write);
}

void HiredisAsio::del_write(void* self) { static_cast<HiredisAsio*>(self)->want_write_ = false; }

void HiredisAsio::cleanup(void* self) {
  auto* a = static_cast<HiredisAsio*>(self);
  // Keeps the adapter alive until detach() has returned, even if this was the
  // last reference.
  std::shared_ptr<HiredisAsio> keep = std::move(a->self_);
  a->detach();
}

void HiredisAsio::arm(Direction d) {
  bool& waiting = d == Direction::read ? read_waiting_ : write_waiting_;
  if (!ac_ || waiting) return;
  waiting = true;
  // Asio re-arms the edge-triggered epoll registration when a wait starts, so
  // bytes that arrived while no wait was outstanding still wake this one.
  socket_.async_wait(d == Direction::read ? boost::asio::posix::stream_descriptor::wait_read
                                          : boost::asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this(), d](const boost::system::error_code& ec) {
                       self->on_ready(d, ec);
                     });
}

void HiredisAsio::on_ready(Direction d, const boost::system::error_code& ec) {
  (d == Direction::read ? read_waiting_ : write_waiting_) = false;
  // Aborted waits come only from detach(): the context may be gone.
  if (!ac_ || ec == boost::asio::error::operation_aborted) return;
  // Any other error is left to hiredis, whose own read or write will see it.
  if (d == Direction::read) {
    if (want_read_) redisAsyncHandleRead(ac_);
  } else {
    if (want_write_) redisAsyncHandleWrite(ac_);
  }
  // hiredis may have freed the context (detaching us) inside that call.
  if (want_read_) arm(Direction::read);
  if (want_write_) arm(Direction::write);
}

void HiredisAsio::detach() {
  if (!ac_) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  want_read_ = want_write_ = false;
  // hiredis must not call back into an adapter that may be gone by then.
  ac->ev.addRead = ac->ev.delRead = ac->ev.addWrite = ac->ev.delWrite = nullptr;
  ac->ev.cleanup = nullptr;
  ac->ev.data = nullptr;
  // Cancels the outstanding waits and takes the fd out of epoll before hiredis closes it.
  socket_.release();
  if (auto hook = std::move(on_cleanup_)) hook(*ac);
}

}  // namespace vitalsd
