// The connection to the gateway's TCP listener (docs/wire-format.md §6.4):
// keeps every frame until its ack record says STORED, DUPLICATE or REFUSED,
// and on a lost connection, RETRY or CLOSING reconnects with back-off and
// resends, in order, everything not yet acknowledged (§6.4.4).
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "ack.hpp"
#include "bytes.hpp"

namespace tc {

struct LinkStats {
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t refused = 0;
  std::uint64_t retries = 0;
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t resent = 0;
};

class TcpLink {
 public:
  TcpLink(std::string host, std::uint16_t port, std::size_t window);
  ~TcpLink();
  TcpLink(const TcpLink&) = delete;
  TcpLink& operator=(const TcpLink&) = delete;

  /** Queues a frame (kept in memory until acknowledged). */
  void enqueue(Bytes frame);
  /** Connects if needed, sends, reads acks; returns after at most `wait`. */
  void run_for(std::chrono::milliseconds wait);
  /** Drops the connection as if the network failed (the frames in flight are resent later). */
  void drop();

  std::size_t unacknowledged() const { return queue_.size(); }
  bool connected() const { return fd_ >= 0; }
  const LinkStats& stats() const { return stats_; }
  const std::string& last_error() const { return last_error_; }
  /** Called for REFUSED frames (already removed from the queue). */
  std::function<void(const Ack&)> on_refused;

 private:
  bool try_connect();
  void lost(const std::string& why);
  bool send_pending();
  bool read_acks();
  bool handle(const Ack& ack);

  std::string host_;
  std::uint16_t port_;
  std::size_t window_;
  int fd_ = -1;
  std::deque<Bytes> queue_;      // unacknowledged, in seq order; the first `sent_` went out on this connection
  std::size_t sent_ = 0;
  Bytes out_;                    // bytes written to the socket only in part
  std::uint32_t expected_ = 0;   // frame number of the next ack (§6.4.2)
  std::size_t resend_from_ = 0;  // the first this many of the queue were sent on an earlier connection
  RecordReader reader_{kAckMaxSize};
  std::chrono::steady_clock::time_point next_try_{};
  std::chrono::milliseconds backoff_{100};
  LinkStats stats_;
  std::string last_error_;
};

}  // namespace tc
