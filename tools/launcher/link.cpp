// SPDX-License-Identifier: BSD-3-Clause
#include "link.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace causeway::launcher::link {

namespace {

// ---- SHA-256 (FIPS 180-4) ----
// The constants are the first 32 bits of the fractional parts of the square roots (initial hash)
// and cube roots (round constants) of the first primes; they are computed exactly, in integers.
struct Constants {
  uint32_t initial[8];
  uint32_t round[64];
  Constants() {
    int found = 0;
    for (uint64_t p = 2; found < 64; ++p) {
      bool prime = true;
      for (uint64_t d = 2; d * d <= p; ++d) prime = prime && p % d != 0;
      if (!prime) continue;
      if (found < 8) initial[found] = static_cast<uint32_t>(root(p, 2));
      round[found++] = static_cast<uint32_t>(root(p, 3));
    }
  }
  // floor(p^(1/k) * 2^32): the largest x with x^k <= p * 2^(32k).
  static uint64_t root(uint64_t p, int k) {
    const unsigned __int128 target = static_cast<unsigned __int128>(p) << (32 * k);
    uint64_t low = 0, high = uint64_t{1} << 40;
    while (low < high) {
      const uint64_t mid = low + (high - low + 1) / 2;
      unsigned __int128 power = 1;
      for (int i = 0; i < k; ++i) power *= mid;
      if (power <= target)
        low = mid;
      else
        high = mid - 1;
    }
    return low;
  }
};

const Constants& constants() {
  static const Constants c;
  return c;
}

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

class Sha256 {
 public:
  Sha256() { std::memcpy(state_, constants().initial, sizeof state_); }
  void update(const uint8_t* data, std::size_t size) {
    total_ += size;
    while (size > 0) {
      const std::size_t take = std::min(size, sizeof block_ - used_);
      std::memcpy(block_ + used_, data, take);
      used_ += take;
      data += take;
      size -= take;
      if (used_ == sizeof block_) {
        compress();
        used_ = 0;
      }
    }
  }
  Mac finish() {
    const uint64_t bits = total_ * 8;
    const uint8_t one = 0x80, zero = 0;
    update(&one, 1);
    while (used_ != 56) update(&zero, 1);
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
    update(length, 8);
    Mac out;
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(state_[i] >> (24 - 8 * j));
    return out;
  }

 private:
  void compress() {
    const uint32_t* k = constants().round;
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = uint32_t{block_[4 * i]} << 24 | uint32_t{block_[4 * i + 1]} << 16 |
             uint32_t{block_[4 * i + 2]} << 8 | uint32_t{block_[4 * i + 3]};
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t v[8];
    std::memcpy(v, state_, sizeof v);
    for (int i = 0; i < 64; ++i) {
      const uint32_t s1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
      const uint32_t choose = (v[4] & v[5]) ^ (~v[4] & v[6]);
      const uint32_t t1 = v[7] + s1 + choose + k[i] + w[i];
      const uint32_t s0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
      const uint32_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      const uint32_t t2 = s0 + majority;
      for (int j = 7; j > 0; --j) v[j] = v[j - 1];
      v[4] += t1;
      v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; ++i) state_[i] += v[i];
  }

  uint32_t state_[8];
  uint8_t block_[64];
  std::size_t used_ = 0;
  uint64_t total_ = 0;
};

}  // namespace

Mac hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> message) {
  uint8_t padded[64] = {};
  if (key.size() > sizeof padded) {
    Sha256 h;
    h.update(key.data(), key.size());
    const Mac digest = h.finish();
    std::memcpy(padded, digest.data(), digest.size());
  } else {
    std::memcpy(padded, key.data(), key.size());
  }
  uint8_t inner_pad[64], outer_pad[64];
  for (int i = 0; i < 64; ++i) {
    inner_pad[i] = padded[i] ^ 0x36;
    outer_pad[i] = padded[i] ^ 0x5c;
  }
  Sha256 inner;
  inner.update(inner_pad, sizeof inner_pad);
  inner.update(message.data(), message.size());
  const Mac inner_digest = inner.finish();
  Sha256 outer;
  outer.update(outer_pad, sizeof outer_pad);
  outer.update(inner_digest.data(), inner_digest.size());
  return outer.finish();
}

Mac proof(const Key& secret, const char* label, const uint8_t (&nonce)[32], int32_t host) {
  std::vector<uint8_t> message(label, label + std::strlen(label));
  message.insert(message.end(), nonce, nonce + sizeof nonce);
  for (int i = 0; i < 4; ++i) message.push_back(static_cast<uint8_t>(static_cast<uint32_t>(host) >> (8 * i)));
  return hmac_sha256(secret, message);
}

bool equal_constant_time(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  uint8_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ |= a[i] ^ b[i];
  return differ == 0;
}

bool random_bytes(uint8_t* out, std::size_t size) {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, out + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return got == size;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (uint8_t b : bytes) {
    text.push_back(digits[b >> 4]);
    text.push_back(digits[b & 15]);
  }
  return text;
}

bool from_hex(const std::string& text, std::span<uint8_t> out) {
  if (text.size() != 2 * out.size()) return false;
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int high = nibble(text[2 * i]), low = nibble(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

bool send_all(int sock, const void* data, std::size_t size) {
  const char* at = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::send(sock, at, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool recv_all(int sock, void* data, std::size_t size) {
  char* at = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::recv(sock, at, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ECONNRESET;
    if (n <= 0) return false;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool send_frame(int sock, Type type, int32_t rank, int32_t value, int32_t extra,
                std::span<const std::byte> payload) {
  const Frame frame{static_cast<uint32_t>(type), rank, value, extra, payload.size()};
  return send_all(sock, &frame, sizeof frame) && send_all(sock, payload.data(), payload.size());
}

bool recv_frame(int sock, Frame* frame, std::vector<std::byte>* payload) {
  if (!recv_all(sock, frame, sizeof *frame)) return false;
  if (frame->length > (uint64_t{1} << 34)) {  // 16 GiB: not a frame of ours
    errno = EPROTO;
    return false;
  }
  payload->resize(frame->length);
  return recv_all(sock, payload->data(), payload->size());
}

void tune_socket(int sock) {
  int on = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  int idle = 10, interval = 5, count = 4;
  ::setsockopt(sock, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(sock, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(sock, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  const timeval limit{60, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

void put_strings(std::vector<std::byte>* out, const std::vector<std::string>& strings) {
  for (const std::string& s : strings) {
    const uint32_t length = static_cast<uint32_t>(s.size());
    const auto* l = reinterpret_cast<const std::byte*>(&length);
    out->insert(out->end(), l, l + sizeof length);
    const auto* b = reinterpret_cast<const std::byte*>(s.data());
    out->insert(out->end(), b, b + s.size());
  }
}

bool get_strings(std::span<const std::byte> in, std::vector<std::string>* strings) {
  strings->clear();
  std::size_t at = 0;
  while (at < in.size()) {
    uint32_t length = 0;
    if (in.size() - at < sizeof length) return false;
    std::memcpy(&length, in.data() + at, sizeof length);
    at += sizeof length;
    if (in.size() - at < length) return false;
    strings->emplace_back(reinterpret_cast<const char*>(in.data()) + at, length);
    at += length;
  }
  return true;
}

}  // namespace causeway::launcher::link
