#include "tcp_link.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace tc {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, std::min<long long>(ms, 60'000)));
}

/** Non-blocking connect with a 3 s limit; -1 with `error` set on failure. */
int connect_to(const std::string& host, std::uint16_t port, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    error = std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      close(fd);
      fd = -1;
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (poll(&p, 1, 3000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
      error = so_error != 0 ? std::strerror(so_error) : "connect timed out";
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd >= 0) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  }
  return fd;
}

}  // namespace

TcpLink::TcpLink(std::string host, std::uint16_t port, std::size_t window) : host_(std::move(host)), port_(port), window_(std::max<std::size_t>(1, window)) {}

TcpLink::~TcpLink() {
  if (fd_ >= 0) close(fd_);
}

void TcpLink::enqueue(Bytes frame) { queue_.push_back(std::move(frame)); }

void TcpLink::drop() {
  if (fd_ >= 0) lost("dropped on request");
}

bool TcpLink::try_connect() {
  std::string error;
  fd_ = connect_to(host_, port_, error);
  if (fd_ < 0) {
    last_error_ = error;
    next_try_ = Clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
    return false;
  }
  // §6.4.4: frame numbers restart at 0; everything unacknowledged goes again, in order.
  stats_.connects++;
  backoff_ = std::chrono::milliseconds(100);
  sent_ = 0;
  expected_ = 0;
  out_.clear();
  reader_ = RecordReader(kAckMaxSize);
  return true;
}

void TcpLink::lost(const std::string& why) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  stats_.disconnects++;
  last_error_ = why;
  resend_from_ = std::max(resend_from_, sent_);
  sent_ = 0;
  next_try_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
}

bool TcpLink::send_pending() {
  while (sent_ < queue_.size() && sent_ < window_) {
    const Bytes& f = queue_[sent_];
    put_u32(out_, static_cast<std::uint32_t>(f.size()));
    out_.insert(out_.end(), f.begin(), f.end());
    if (sent_ < resend_from_) stats_.resent++;
    sent_++;
  }
  while (!out_.empty()) {
    const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      lost(std::string("send failed: ") + std::strerror(errno));
      return false;
    }
    out_.erase(out_.begin(), out_.begin() + n);
  }
  return true;
}

bool TcpLink::read_acks() {
  std::uint8_t buf[4096];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  if (n <= 0) {
    lost(n == 0 ? "the gateway closed the connection" : std::string("recv failed: ") + std::strerror(errno));
    return false;
  }
  reader_.push(buf, static_cast<std::size_t>(n));
  bool broken = false;
  while (auto record = reader_.next(broken)) {
    const auto ack = decode_ack(record->data(), record->size());
    if (!ack) {
      lost("the gateway sent something that is not an ack record");
      return false;
    }
    if (!handle(*ack)) return false;
  }
  if (broken) {
    lost("the gateway sent a record prefix over the limit");
    return false;
  }
  return true;
}

bool TcpLink::handle(const Ack& ack) {
  if (ack.outcome == AckOutcome::Closing) {
    lost("the gateway closes the connection: " + ack.code);
    return false;
  }
  if (sent_ == 0 || ack.frame_number != expected_) {
    lost("ack for frame " + std::to_string(ack.frame_number) + ", expected " + std::to_string(expected_));
    return false;
  }
  if (ack.outcome == AckOutcome::Retry) {
    stats_.retries++;
    lost("RETRY " + ack.code);
    return false;
  }
  queue_.pop_front();
  sent_--;
  if (resend_from_ > 0) resend_from_--;
  expected_++;
  if (ack.outcome == AckOutcome::Stored) stats_.stored++;
  else if (ack.outcome == AckOutcome::Duplicate) stats_.duplicates++;
  else {
    stats_.refused++;
    if (on_refused) on_refused(ack);
  }
  return true;
}

void TcpLink::run_for(std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  while (true) {
    if (fd_ < 0 && !queue_.empty() && Clock::now() >= next_try_) try_connect();
    if (fd_ < 0) {
      const auto until = queue_.empty() ? deadline : std::min(deadline, next_try_);
      std::this_thread::sleep_until(until);
      if (Clock::now() >= deadline) return;
      continue;
    }
    if (!send_pending()) continue;
    pollfd p{fd_, static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0};
    const int ready = poll(&p, 1, remaining_ms(deadline));
    if (ready > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_acks();
    if (Clock::now() >= deadline) return;
  }
}

}  // namespace tc
