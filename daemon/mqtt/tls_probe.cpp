#include "mqtt/tls_probe.h"

#include "common/expected.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace vitalsd {
namespace {

using std::chrono::milliseconds;

// After a completed handshake a TLS 1.3 server still refuses a client
// certificate (or its absence) with an alert; this long is waited for one.
constexpr milliseconds kAlertWait{1000};

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct AddrInfoFree {
  void operator()(addrinfo* a) const { freeaddrinfo(a); }
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// OpenSSL's reason for the most recent failure on this thread, e.g.
// "tlsv13 alert certificate required"; drains the error queue.
std::string openssl_reason(std::string_view otherwise) {
  unsigned long last = 0;
  while (const unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return std::string(otherwise);
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(last);
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

void set_io_timeout(int fd, milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // Linux bounds connect() by it
}

// A connected TCP socket, or why not.
Expected<int, std::string> connect_tcp(const TlsEndpoint& ep, milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &found); rc != 0) {
    return unexpected("cannot resolve " + ep.host + ": " + gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, AddrInfoFree> addresses(found);
  std::string why = "no address";
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      why = errno_text(errno);
      continue;
    }
    set_io_timeout(fd, timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
    why = errno_text(errno);
    ::close(fd);
  }
  return unexpected("cannot reach " + ep.host + ":" + ep.port + ": " + why);
}

// The context Paho would build: verify the broker against ca_file (or the
// system store), present cert_file/key_file if configured.
Expected<std::unique_ptr<SSL_CTX, SslCtxFree>, std::string> make_context(const MqttConfig& c) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return unexpected(openssl_reason("cannot create a TLS context"));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const bool trust =
      c.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get()) == 1
                        : SSL_CTX_load_verify_locations(ctx.get(), c.ca_file.c_str(), nullptr) == 1;
  if (!trust) {
    return unexpected("cannot load the CA certificates (check mqtt.ca_file): " +
                      openssl_reason("unknown error"));
  }
  if (!c.cert_file.empty() &&
      SSL_CTX_use_certificate_chain_file(ctx.get(), c.cert_file.c_str()) != 1) {
    return unexpected("cannot load the client certificate (check mqtt.cert_file): " +
                      openssl_reason("unknown error"));
  }
  const std::filesystem::path& key = c.key_file.empty() ? c.cert_file : c.key_file;
  if (!key.empty() && SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return unexpected("cannot load the client key (check mqtt.key_file): " +
                      openssl_reason("unknown error"));
  }
  return ctx;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Checks the certificate names the host we dialled, as Paho's verify does.
void expect_host(SSL* ssl, const std::string& host) {
  if (is_ip_address(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  }
}

std::string handshake_failure(SSL* ssl) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    ERR_clear_error();
    return std::string("the broker's certificate is not accepted: ") +
           X509_verify_cert_error_string(verify) + " (check mqtt.ca_file and the host in mqtt.uri)";
  }
  return "the TLS handshake failed: " + openssl_reason("connection closed") +
         " (check mqtt.cert_file and mqtt.key_file if the broker requires a client certificate)";
}

// After the handshake: a refusal of the client certificate arrives as an
// alert; a broker that is content waits for MQTT's CONNECT, so the read times out.
std::string after_handshake(SSL* ssl, int fd) {
  set_io_timeout(fd, kAlertWait);
  char byte = 0;
  const int n = SSL_read(ssl, &byte, 1);
  if (n <= 0 && SSL_get_error(ssl, n) == SSL_ERROR_SSL) {
    return "the broker refused the TLS session: " + openssl_reason("unknown alert") +
           " (check mqtt.cert_file and mqtt.key_file)";
  }
  ERR_clear_error();
  if (n == 0) return "the broker closed the connection right after the TLS handshake";
  return std::string("the TLS handshake succeeds (") + SSL_get_version(ssl) +
         "); the failure is not TLS";
}

}  // namespace

std::optional<TlsEndpoint> tls_endpoint(std::string_view uri) {
  std::string_view default_port = "8883";
  std::string_view rest;
  if (uri.starts_with("ssl://")) {
    rest = uri.substr(6);
  } else if (uri.starts_with("mqtts://")) {
    rest = uri.substr(8);
  } else if (uri.starts_with("wss://")) {
    rest = uri.substr(6);
    default_port = "443";
  } else {
    return std::nullopt;
  }
  rest = rest.substr(0, std::min(rest.find('/'), rest.size()));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  TlsEndpoint ep;
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    ep.host = std::string(rest.substr(1, close - 1));
    if (rest.size() > close + 1 && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    ep.host = std::string(rest.substr(0, std::min(colon, rest.size())));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return std::nullopt;
  ep.port = std::string(port.empty() ? default_port : port);
  return ep;
}

std::string probe_tls(const TlsEndpoint& endpoint, const MqttConfig& config, milliseconds timeout) {
  ERR_clear_error();
  auto ctx = make_context(config);
  if (!ctx) return ctx.error();
  auto fd = connect_tcp(endpoint, timeout);
  if (!fd) return fd.error();
  const Fd socket(*fd);
  const std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx->get()));
  if (!ssl || SSL_set_fd(ssl.get(), socket.get()) != 1) {
    return "cannot start TLS: " + openssl_reason("unknown error");
  }
  expect_host(ssl.get(), endpoint.host);
  if (SSL_connect(ssl.get()) != 1) return handshake_failure(ssl.get());
  std::string outcome = after_handshake(ssl.get(), socket.get());
  SSL_shutdown(ssl.get());
  return outcome;
}

}  // namespace vitalsd
