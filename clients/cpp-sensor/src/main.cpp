// tc-sensor: a TypedCluster sensor in C++. Reads its credentials, opens a
// session and sends a sealed READING frame every interval to the gateway's
// TCP listener (docs/wire-format.md §6.4), resending what was not
// acknowledged after a reconnect. Run with --help.
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "credentials.hpp"
#include "sender.hpp"
#include "tcp_link.hpp"

namespace {

std::atomic<bool> stop_requested{false};

const char* kHelp = R"(tc-sensor: send sealed sensor readings to TypedCluster over TCP

Usage: tc-sensor --credentials FILE [options]

Options:
  --credentials FILE   device credentials JSON, as `typedcluster device add` writes (required)
  --host HOST          gateway TCP listener host (default 127.0.0.1)
  --port PORT          gateway TCP listener port (default 8090, TCP_PORT of the gateway)
  --count N            readings to send, then wait for their acks and exit (default 0: until Ctrl-C)
  --interval-ms MS     time between readings (default 1000; 0 sends as fast as the window allows)
  --window N           frames sent and not yet acknowledged at most (default 64, at most the gateway's TCP_WINDOW)
  --drain-timeout-s S  how long to wait for the last acks before giving up (default 30)
  --drop-after N       drop the connection once after N frames were acknowledged (exercises resending)
  --help               this text

Output: progress on stderr; one JSON line of totals on stdout at the end.
Exit status: 0 when every frame was acknowledged, 1 when some were not, 2 on bad options or credentials.

Examples:
  tc-sensor --credentials .typedcluster/devices/press-7.json
  tc-sensor --credentials press-7.json --host 10.0.0.2 --count 100 --interval-ms 10
)";

struct Options {
  std::string credentials;
  std::string host = "127.0.0.1";
  long port = 8090;
  long long count = 0;
  long interval_ms = 1000;
  long window = 64;
  long drain_timeout_s = 30;
  long long drop_after = -1;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "tc-sensor: error: " << message << " (see --help)\n";
  std::exit(2);
}

long long number(const std::string& name, const char* value, long long min, long long max) {
  if (value == nullptr) usage_error(name + " needs a value");
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
    usage_error(name + "=" + value + " is not an integer in " + std::to_string(min) + ".." + std::to_string(max));
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      std::exit(0);
    } else if (a == "--credentials") {
      if (v == nullptr) usage_error("--credentials needs a file");
      o.credentials = v;
      i++;
    } else if (a == "--host") {
      if (v == nullptr) usage_error("--host needs a value");
      o.host = v;
      i++;
    } else if (a == "--port") {
      o.port = static_cast<long>(number(a, v, 1, 65535)), i++;
    } else if (a == "--count") {
      o.count = number(a, v, 0, 1'000'000'000), i++;
    } else if (a == "--interval-ms") {
      o.interval_ms = static_cast<long>(number(a, v, 0, 86'400'000)), i++;
    } else if (a == "--window") {
      o.window = static_cast<long>(number(a, v, 1, 65535)), i++;
    } else if (a == "--drain-timeout-s") {
      o.drain_timeout_s = static_cast<long>(number(a, v, 0, 86'400)), i++;
    } else if (a == "--drop-after") {
      o.drop_after = number(a, v, 0, 1'000'000'000), i++;
    } else {
      usage_error("unknown option " + a);
    }
  }
  if (o.credentials.empty()) usage_error("--credentials is required");
  return o;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (sodium_init() < 0) {
    std::cerr << "tc-sensor: error: libsodium failed to initialise\n";
    return 2;
  }
  tc::Credentials creds{};
  try {
    creds = tc::read_credentials(o.credentials);
  } catch (const std::exception& e) {
    std::cerr << "tc-sensor: error: --credentials " << e.what() << "\n";
    return 2;
  }
  std::signal(SIGINT, [](int) { stop_requested = true; });
  std::signal(SIGTERM, [](int) { stop_requested = true; });

  // §2.3.3: no persisted counter, so start at now_ms × 1000.
  tc::Sender sender(creds, static_cast<std::uint64_t>(now_ms()) * 1000);
  tc::TcpLink link(o.host, static_cast<std::uint16_t>(o.port), static_cast<std::size_t>(o.window));
  bool resend_session = false;
  link.on_refused = [&](const tc::Ack& ack) {
    std::cerr << "tc-sensor: frame seq " << ack.seq << " refused: " << ack.code << "\n";
    if (ack.code == "UNKNOWN_KEY") resend_session = true;  // §3.3.3
  };
  link.enqueue(sender.session_frame(now_ms()));
  std::cerr << "tc-sensor: device " << creds.device_id << " (" << creds.name << ") → " << o.host << ":" << o.port << ", key id " << sender.key_id() << "\n";

  long long made = 0;
  bool dropped = false;
  const auto interval = std::chrono::milliseconds(o.interval_ms);
  auto next_reading = std::chrono::steady_clock::now();
  while (!stop_requested && (o.count == 0 || made < o.count)) {
    const auto now = std::chrono::steady_clock::now();
    // Nothing more is made while the window is full twice over: memory stays bounded while the gateway is away.
    if (now >= next_reading && link.unacknowledged() < static_cast<std::size_t>(o.window) * 2) {
      const double t = static_cast<double>(made);
      link.enqueue(sender.reading_frame(now_ms(), static_cast<float>(20.0 + 5.0 * std::sin(t / 30.0)), static_cast<float>(101.3 + 0.5 * std::cos(t / 50.0)),
                                        static_cast<float>(45.0 + 10.0 * std::sin(t / 70.0))));
      made++;
      next_reading += interval;
      if (made % 100 == 0) std::cerr << "tc-sensor: " << made << " readings, " << link.stats().stored << " stored, " << link.unacknowledged() << " unacknowledged\n";
    }
    if (resend_session) {
      link.enqueue(sender.session_frame(now_ms()));
      resend_session = false;
    }
    if (!dropped && o.drop_after >= 0 && link.stats().stored + link.stats().duplicates >= static_cast<std::uint64_t>(o.drop_after)) {
      link.drop();
      dropped = true;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_reading - std::chrono::steady_clock::now());
    link.run_for(std::max(std::chrono::milliseconds(o.interval_ms == 0 ? 0 : 1), std::min(wait, std::chrono::milliseconds(200))));
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(o.drain_timeout_s);
  while (link.unacknowledged() > 0 && std::chrono::steady_clock::now() < give_up) link.run_for(std::chrono::milliseconds(100));

  const auto& s = link.stats();
  std::cout << "{\"device\":" << creds.device_id << ",\"readings\":" << made << ",\"stored\":" << s.stored << ",\"duplicates\":" << s.duplicates
            << ",\"refused\":" << s.refused << ",\"retries\":" << s.retries << ",\"connects\":" << s.connects << ",\"resent\":" << s.resent
            << ",\"unacknowledged\":" << link.unacknowledged() << "}" << std::endl;
  if (link.unacknowledged() > 0) std::cerr << "tc-sensor: " << link.unacknowledged() << " frames not acknowledged: " << link.last_error() << "\n";
  return link.unacknowledged() == 0 ? 0 : 1;
}
